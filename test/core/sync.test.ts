import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { GitOpsProject, GitOpsProjectOptions } from '../../src';
import { readRecord, serializeRecord, STATE_FILE, SyncRecord } from '../../src/core/sync-record';
import { tempdir } from '../util';

process.env.PROJEN_DISABLE_POST = 'true'; // no npm install

/** Every file outside .git with its content. */
function tree(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    if (entry.name === '.git') continue;
    const rel = path.join(prefix, entry.name);
    if (entry.isDirectory()) Object.assign(out, tree(dir, rel));
    else out[rel] = fs.readFileSync(path.join(dir, rel), 'utf-8');
  }
  return out;
}

/** Synthesizes a fresh project object over the same directory, as `npx projen` does. */
function synthIn(dir: string, options: Partial<GitOpsProjectOptions> = {}): GitOpsProject {
  const project = new GitOpsProject({ name: 'orders', outdir: dir, ...options });
  project.synth();
  return project;
}

function edit(dir: string, file: string, change: (text: string) => string) {
  const target = path.join(dir, file);
  fs.chmodSync(target, 0o644);
  fs.writeFileSync(target, change(fs.readFileSync(target, 'utf-8')));
}

/** The record as plain data: managed paths, seeds, handed-over files. */
const state = (dir: string) => {
  const record = readRecord(dir, '');
  return {
    managed: Object.fromEntries([...record.managed].map(([file, hashes]) => [file, [...hashes][0]])),
    seeded: [...record.seeded],
    handedOver: [...record.handedOver],
  };
};
const git = (dir: string, ...args: string[]) => spawnSync('git', args, { cwd: dir, encoding: 'utf-8' });

describe('sync without loss', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempdir();
    synthIn(dir);
  });

  test('synth records a hash per managed file, and a second synth changes nothing', () => {
    const recorded = state(dir);
    expect(Object.keys(recorded.managed)).toEqual(expect.arrayContaining(['Dockerfile', '.github/workflows/container.yml', 'README.md']));
    expect(Object.keys(recorded.managed)).not.toContain('package.json');
    expect(recorded.seeded).toEqual(['SECURITY.md', 'src/server.js']);
    const before = tree(dir);
    synthIn(dir);
    expect(tree(dir)).toEqual(before);
  });

  test('a hand edit stops synth with the file, the ways forward, and no byte changed', () => {
    edit(dir, 'Dockerfile', (t) => t.replace('EXPOSE 8080', 'EXPOSE 9090'));
    const before = tree(dir);
    expect(() => synthIn(dir, { port: 3000 })).toThrow(/1 managed file was edited by hand; synth stopped before writing anything:\n\n {2}Dockerfile\n/);
    expect(() => synthIn(dir)).toThrow(/handOver: \["Dockerfile"\]/);
    expect(() => synthIn(dir)).toThrow(/PROJEN_GITOPS_FORCE=1 npx projen/);
    expect(() => synthIn(dir)).toThrow(/git checkout -- Dockerfile/);
    expect(tree(dir)).toEqual(before);
  });

  test('the message shows the edit as a diff against the generated version in git', () => {
    git(dir, 'init', '-q');
    git(dir, 'add', '-A');
    git(dir, '-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'generated');
    edit(dir, 'Dockerfile', (t) => t.replace('EXPOSE 8080', 'EXPOSE 9090'));
    expect(() => synthIn(dir)).toThrow(/--- generated\n {4}\+\+\+ yours\n {4}@@ line \d+ @@\n {5}USER 10001:10001\n {4}-EXPOSE 8080\n {4}\+EXPOSE 9090\n/);
  });

  test('an object file gets the escape hatch to paste', () => {
    edit(dir, '.github/rulesets/protect-main.json', (t) => t.replace('"required_approving_review_count": 1', '"required_approving_review_count": 3'));
    expect(() => synthIn(dir)).toThrow(/project\.tryFindObjectFile\("\.github\/rulesets\/protect-main\.json"\)\?\.addOverride\("path\.to\.key", "value"\);/);
  });

  test('force regenerates the file and keeps the edit in a backup', () => {
    edit(dir, 'Dockerfile', (t) => t.replace('EXPOSE 8080', 'EXPOSE 9090'));
    process.env.PROJEN_GITOPS_FORCE = '1';
    try {
      synthIn(dir);
    } finally {
      delete process.env.PROJEN_GITOPS_FORCE;
    }
    expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf-8')).toMatch(/^EXPOSE 8080$/m);
    const backups = fs.readdirSync(path.join(dir, '.gitops-backups'));
    expect(backups).toHaveLength(1);
    expect(fs.readFileSync(path.join(dir, '.gitops-backups', backups[0], 'Dockerfile'), 'utf-8')).toMatch(/^EXPOSE 9090$/m);
    expect(fs.readFileSync(path.join(dir, '.gitignore'), 'utf-8')).toMatch(/^\/\.gitops-backups\/$/m);
    synthIn(dir); // and the guard is satisfied again
  });

  test('handing a file over keeps the edit, and synth never writes it again', () => {
    edit(dir, 'Dockerfile', (t) => t.replace('EXPOSE 8080', 'EXPOSE 9090'));
    synthIn(dir, { handOver: ['Dockerfile'] });
    expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf-8')).toMatch(/^EXPOSE 9090$/m);
    expect(JSON.parse(fs.readFileSync(path.join(dir, '.projen/files.json'), 'utf-8')).files).not.toContain('Dockerfile');
    expect(state(dir).handedOver).toEqual(['Dockerfile']);
    expect(state(dir).managed.Dockerfile).toBeUndefined();
    expect(fs.readFileSync(path.join(dir, 'README.md'), 'utf-8')).toMatch(/\| `Dockerfile` \| seeded \| Handed over to you/);
    synthIn(dir, { handOver: ['Dockerfile'], port: 3000 });
    expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf-8')).toMatch(/^EXPOSE 9090$/m);
  });

  test('taking a file back from the user stops synth instead of overwriting it', () => {
    synthIn(dir, { handOver: ['Dockerfile'] });
    synthIn(dir, { handOver: ['Dockerfile'] });
    edit(dir, 'Dockerfile', (t) => t.replace('EXPOSE 8080', 'EXPOSE 9090'));
    expect(() => synthIn(dir)).toThrow(/1 managed file was edited by hand[\s\S]*Dockerfile/);
    expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf-8')).toMatch(/^EXPOSE 9090$/m);
  });

  test('a handed-over file the user deleted stays deleted', () => {
    synthIn(dir, { handOver: ['Dockerfile'] });
    synthIn(dir, { handOver: ['Dockerfile'] });
    fs.rmSync(path.join(dir, 'Dockerfile'));
    synthIn(dir, { handOver: ['Dockerfile'] });
    expect(fs.existsSync(path.join(dir, 'Dockerfile'))).toBe(false);
  });

  test('PROJEN_GITOPS_FORCE=0 does not force', () => {
    edit(dir, 'Dockerfile', (t) => t.replace('EXPOSE 8080', 'EXPOSE 9090'));
    process.env.PROJEN_GITOPS_FORCE = '0';
    try {
      expect(() => synthIn(dir)).toThrow(/edited by hand/);
    } finally {
      delete process.env.PROJEN_GITOPS_FORCE;
    }
  });

  test('handing over a file that is not generated is an error', () => {
    expect(() => synthIn(dir, { handOver: ['Dockerfil'] })).toThrow(/handOver: lists 'Dockerfil', which is not a file projen writes here/);
  });

  test('a deleted seed stays deleted', () => {
    fs.rmSync(path.join(dir, 'src/server.js'));
    synthIn(dir);
    expect(fs.existsSync(path.join(dir, 'src/server.js'))).toBe(false);
    expect(state(dir).seeded).toContain('src/server.js');
  });

  test('an edited seed is never touched', () => {
    fs.writeFileSync(path.join(dir, 'src/server.js'), 'mine');
    synthIn(dir, { port: 3000 });
    expect(fs.readFileSync(path.join(dir, 'src/server.js'), 'utf-8')).toBe('mine');
  });

  test('synth says per file what changed', () => {
    const project = new GitOpsProject({ name: 'orders', outdir: dir, port: 3000 });
    const info = jest.spyOn(project.logger, 'info');
    project.synth();
    const said = info.mock.calls.map((c) => c.join(' '));
    expect(said).toEqual(expect.arrayContaining(['updated  Dockerfile', 'updated  README.md']));
    expect(said.filter((l) => /^(updated|created|removed)/.test(l))).toHaveLength(2);
  });

  test('a managed file deleted by hand is simply generated again', () => {
    fs.rmSync(path.join(dir, 'Dockerfile'));
    synthIn(dir);
    expect(fs.existsSync(path.join(dir, 'Dockerfile'))).toBe(true);
  });
});

describe('a stale record', () => {
  test('files that match what synth would write are not edits (e.g. after merging two branches)', () => {
    const dir = tempdir();
    synthIn(dir, { port: 3000 });
    // Another branch's record: the files are this synth's, the hashes are not.
    const file = path.join(dir, STATE_FILE);
    const zeroed = (): SyncRecord => {
      const recorded = readRecord(dir, '');
      for (const key of recorded.managed.keys()) recorded.managed.set(key, new Set(['0'.repeat(64)]));
      return recorded;
    };
    fs.writeFileSync(file, serializeRecord(zeroed()));
    expect(() => synthIn(dir, { port: 3000 })).not.toThrow();
    // ...while a real edit is still caught
    fs.writeFileSync(file, serializeRecord(zeroed()));
    edit(dir, 'Dockerfile', (t) => t.replace('EXPOSE 3000', 'EXPOSE 9090'));
    expect(() => synthIn(dir, { port: 3000 })).toThrow(/Dockerfile/);
  });
});

test('taking a file back is quiet when it already holds the generated content', () => {
  const dir = tempdir();
  synthIn(dir);
  const generated = fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf-8');
  synthIn(dir, { handOver: ['Dockerfile'] });
  synthIn(dir, { handOver: ['Dockerfile'] });
  fs.writeFileSync(path.join(dir, 'Dockerfile'), generated);
  expect(() => synthIn(dir)).not.toThrow();
});
