import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { GitOpsProject, GitOpsProjectOptions, Runtime } from '../../src';
import { committedFile, committedFiles } from '../../src/core/sync';
import { readRecord, serializeRecord, STATE_FILE, SyncRecord, writeFileAtomic } from '../../src/core/sync-record';
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
    // .projen-gitops.json records each file's purpose for the upgrade workflow, and the Dockerfile's names the port.
    expect(said.filter((l) => /^(updated|created|removed)/.test(l)).sort()).toEqual(['updated  .projen-gitops.json', 'updated  Dockerfile', 'updated  README.md']);
  });

  test('a managed file deleted by hand is simply generated again', () => {
    fs.rmSync(path.join(dir, 'Dockerfile'));
    synthIn(dir);
    expect(fs.existsSync(path.join(dir, 'Dockerfile'))).toBe(true);
  });
});

describe('the escape hatch in the message follows the file', () => {
  test('an edited chart values.yaml gets addOverride; edited rendered manifests (a text file) do not', () => {
    const dir = tempdir();
    synthIn(dir, { repository: 'acme/orders' });
    edit(dir, 'deploy/charts/orders/values.yaml', (t) => t.replace('replicas: 2', 'replicas: 3'));
    expect(() => synthIn(dir, { repository: 'acme/orders' })).toThrow(/project\.tryFindObjectFile\("deploy\/charts\/orders\/values\.yaml"\)\?\.addOverride\("path\.to\.key", "value"\);/);
    const other = tempdir();
    synthIn(other, { repository: 'acme/orders' });
    edit(other, 'deploy/rendered/dev/orders.yaml', (t) => t.replace('replicas: 2', 'replicas: 3'));
    let message = '';
    try {
      synthIn(other, { repository: 'acme/orders' });
    } catch (error) {
      message = String(error);
    }
    expect(message).toMatch(/deploy\/rendered\/dev\/orders\.yaml/);
    expect(message).not.toMatch(/addOverride/);
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

describe('synth lists the seeds it writes', () => {
  test('a new service lists its seeded files next to the managed ones', () => {
    const dir = tempdir();
    synthIn(dir);
    const project = new GitOpsProject({ name: 'orders', outdir: dir, services: [{ name: 'worker', runtime: Runtime.GO }] });
    const info = jest.spyOn(project.logger, 'info');
    project.synth();
    const said = info.mock.calls.map((c) => c.join(' '));
    expect(said).toEqual(expect.arrayContaining(['seeded   services/worker/go.mod', 'seeded   services/worker/main.go', 'created  services/worker/Dockerfile']));
    // a seed that exists is not written, so not listed
    const again = new GitOpsProject({ name: 'orders', outdir: dir, services: [{ name: 'worker', runtime: Runtime.GO }] });
    const quiet = jest.spyOn(again.logger, 'info');
    again.synth();
    expect(quiet.mock.calls.map((c) => c.join(' ')).filter((l) => l.startsWith('seeded'))).toEqual([]);
  });
});

/** A repository whose Dockerfile was edited by hand and whose seed was deleted: what a broken record must not lose. */
function repoWithWork(): string {
  const dir = tempdir();
  synthIn(dir);
  edit(dir, 'Dockerfile', (t) => t.replace('EXPOSE 8080', 'EXPOSE 9090'));
  fs.rmSync(path.join(dir, 'src/server.js'));
  return dir;
}

const recordText = (dir: string) => fs.readFileSync(path.join(dir, STATE_FILE), 'utf-8');
const writeRecord = (dir: string, text: string) => fs.writeFileSync(path.join(dir, STATE_FILE), text);

describe('a broken record stops synth before anything is written', () => {
  const cases: Array<[string, (valid: string) => string, RegExp]> = [
    ['corrupt', (valid) => valid.replace('"entries": [', '"entries": [[,'), /is not valid JSON/],
    ['truncated', (valid) => valid.slice(0, valid.length / 2), /is truncated \(empty, or cut off before its last line\)/],
    ['empty', () => '', /is truncated/],
    ['the wrong shape: {}', () => '{}', /has the wrong shape[^\n]*\n {2}expected exactly the keys about, entries, version; got none/],
    ['the wrong shape: seeded null (the old format)', () => '{"managed": {}, "seeded": null, "handedOver": []}', /has the wrong shape[\s\S]*version: expected 2, got nothing/],
    ['the wrong shape: null', () => 'null', /has the wrong shape[^\n]*\n {2}expected an object/],
    ['a bad hash', (valid) => valid.replace(/"Dockerfile","[0-9a-f]{64}"/, '"Dockerfile","abc"'), /entries\[\d+\]: expected a sha256 \(64 lowercase hex digits\), got "abc"/],
    ['an unknown kind', (valid) => valid.replace('["seeded","SECURITY.md"]', '["owned","SECURITY.md"]'), /expected \["managed", path, sha256\], \["seeded", path\] or \["handed-over", path\], got \["owned","SECURITY.md"\]/],
    ['a path out of the repository', (valid) => valid.replace('["seeded","SECURITY.md"]', '["seeded","../../somewhere/file"]'), /names paths synth must not touch \(tampered\?\)[^\n]*\n {2}entries\[\d+\]: path "\.\.\/\.\.\/somewhere\/file" leaves the repository/],
    ['an absolute path', (valid) => valid.replace('["seeded","SECURITY.md"]', '["seeded","/etc/passwd"]'), /path "\/etc\/passwd" is an absolute path/],
    ['an unnormalized path', (valid) => valid.replace('["seeded","SECURITY.md"]', '["seeded","src//../x"]'), /leaves the repository|is not a normalized relative path/],
    ['the last line missing', (valid) => valid.replace('null]}', ']}').replace(/,\n\]\}/, '\n]}'), /expected the last entry to be null/],
  ];

  test.each(cases)('%s', (_name, breakIt, problem) => {
    const dir = repoWithWork();
    writeRecord(dir, breakIt(recordText(dir)));
    const before = tree(dir);
    let message = '';
    try {
      synthIn(dir, { port: 3000 });
    } catch (error) {
      message = (error as Error).message;
      expect((error as Error).name).toBe('RecordError');
    }
    expect(message).toMatch(/^projen-gitops: the sync record \.projen\/gitops-state\.json /);
    expect(message).toMatch(problem);
    expect(message).toMatch(/synth stopped before writing anything/);
    expect(message).toMatch(/To recover, run:\n {2}PROJEN_GITOPS_RECORD=rebuild npx projen\n/);
    expect(tree(dir)).toEqual(before); // the edit kept, the deleted seed still deleted, nothing written
    expect(fs.existsSync(path.join(dir, '.projen/gitops.lock'))).toBe(false);
  });

  test('a conflicted record says to keep both sides, with the command that does', () => {
    const dir = repoWithWork();
    const valid = recordText(dir);
    writeRecord(dir, valid.replace(/^(\["managed","Dockerfile","[0-9a-f]{64}"\],)$/m, `<<<<<<< HEAD\n$1\n=======\n["managed","Dockerfile","${'1'.repeat(64)}"],\n>>>>>>> other`));
    const before = tree(dir);
    expect(() => synthIn(dir)).toThrow(/the sync record \.projen\/gitops-state\.json has unresolved merge conflict markers \(lines \d+, \d+, \d+\); synth stopped before writing anything\.\n.*keep both\. Run:\n {2}PROJEN_GITOPS_RECORD=union npx projen\n/);
    expect(tree(dir)).toEqual(before);
    // the resolution keeps both sides: the edit is still caught, the deleted seed stays deleted
    process.env.PROJEN_GITOPS_RECORD = 'union';
    try {
      expect(() => synthIn(dir)).toThrow(/1 managed file was edited by hand[\s\S]*Dockerfile/);
      expect(tree(dir)).toEqual(before);
      fs.chmodSync(path.join(dir, 'Dockerfile'), 0o644);
      git(dir, 'init', '-q');
      fs.writeFileSync(path.join(dir, 'Dockerfile'), fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf-8').replace('EXPOSE 9090', 'EXPOSE 8080'));
      synthIn(dir);
    } finally {
      delete process.env.PROJEN_GITOPS_RECORD;
    }
    expect(fs.existsSync(path.join(dir, 'src/server.js'))).toBe(false);
    expect(recordText(dir)).not.toMatch(/<<<<<<<|=======|>>>>>>>/);
    expect(state(dir).seeded).toContain('src/server.js');
    expect(fs.readdirSync(path.join(dir, '.gitops-backups'))).toHaveLength(1); // the conflicted record, set aside
  });

  test('rebuild trusts nothing: an edit still stops synth; with force it is backed up, and the record is whole again', () => {
    const dir = repoWithWork();
    writeRecord(dir, 'garbage');
    const before = tree(dir);
    process.env.PROJEN_GITOPS_RECORD = 'rebuild';
    try {
      expect(() => synthIn(dir)).toThrow(/1 managed file was edited by hand[\s\S]*Dockerfile[\s\S]*--- generated now/);
      expect(tree(dir)).toEqual(before);
      process.env.PROJEN_GITOPS_FORCE = '1';
      const project = new GitOpsProject({ name: 'orders', outdir: dir });
      const info = jest.spyOn(project.logger, 'info');
      project.synth();
      expect(info.mock.calls.map((c) => c.join(' '))).toContain('seeded   src/server.js'); // the one thing a rebuild cannot know
    } finally {
      delete process.env.PROJEN_GITOPS_RECORD;
      delete process.env.PROJEN_GITOPS_FORCE;
    }
    const stamps = fs.readdirSync(path.join(dir, '.gitops-backups'));
    const backedUp = stamps.flatMap((s) => Object.keys(tree(path.join(dir, '.gitops-backups', s))));
    expect(backedUp.sort()).toEqual(['.projen/gitops-state.json', 'Dockerfile']);
    expect(() => readRecord(dir, '')).not.toThrow();
    const settled = tree(dir);
    synthIn(dir);
    expect(tree(dir)).toEqual(settled);
  });

  test('a deleted record does not turn edit detection off', () => {
    const dir = repoWithWork();
    fs.rmSync(path.join(dir, STATE_FILE));
    const before = tree(dir);
    expect(() => synthIn(dir)).toThrow(/1 managed file was edited by hand[\s\S]*Dockerfile/);
    expect(tree(dir)).toEqual(before);
  });

  test('an unknown PROJEN_GITOPS_RECORD value is refused', () => {
    const dir = tempdir();
    process.env.PROJEN_GITOPS_RECORD = 'yes';
    try {
      expect(() => synthIn(dir)).toThrow(/PROJEN_GITOPS_RECORD must be 'rebuild' or 'union', got "yes"/);
    } finally {
      delete process.env.PROJEN_GITOPS_RECORD;
    }
  });
});

describe('paths from the record stay in the repository', () => {
  test('a tampered record cannot copy a file from outside into the backups, even with force', () => {
    const outside = tempdir('gitops-outside-');
    fs.mkdirSync(path.join(outside, 'somewhere'));
    fs.writeFileSync(path.join(outside, 'somewhere', 'file'), 'secret');
    const dir = path.join(outside, 'a', 'repo');
    fs.mkdirSync(dir, { recursive: true });
    synthIn(dir);
    writeRecord(dir, recordText(dir).replace('["seeded","SECURITY.md"]', `["managed","../../somewhere/file","${'0'.repeat(64)}"]`));
    const before = tree(dir);
    process.env.PROJEN_GITOPS_FORCE = '1';
    try {
      expect(() => synthIn(dir)).toThrow(/path "\.\.\/\.\.\/somewhere\/file" leaves the repository/);
    } finally {
      delete process.env.PROJEN_GITOPS_FORCE;
    }
    expect(tree(dir)).toEqual(before);
    expect(fs.existsSync(path.join(dir, '.gitops-backups'))).toBe(false);
  });

  test('a path through a symbolic link to outside is refused', () => {
    const outside = tempdir('gitops-outside-');
    fs.writeFileSync(path.join(outside, 'file'), 'secret');
    const dir = tempdir();
    synthIn(dir);
    fs.symlinkSync(outside, path.join(dir, 'link'));
    writeRecord(dir, recordText(dir).replace('["seeded","SECURITY.md"]', `["managed","link/file","${'0'.repeat(64)}"]`));
    process.env.PROJEN_GITOPS_FORCE = '1';
    try {
      expect(() => synthIn(dir)).toThrow(/path "link\/file" leads outside the repository through a symbolic link \(to .*\)/);
    } finally {
      delete process.env.PROJEN_GITOPS_FORCE;
    }
    expect(fs.existsSync(path.join(dir, '.gitops-backups'))).toBe(false);
  });

  test('a backup folder that links outside is refused', () => {
    const outside = tempdir('gitops-outside-');
    const dir = tempdir();
    synthIn(dir);
    fs.symlinkSync(outside, path.join(dir, '.gitops-backups'));
    edit(dir, 'Dockerfile', (t) => t.replace('EXPOSE 8080', 'EXPOSE 9090'));
    process.env.PROJEN_GITOPS_FORCE = '1';
    try {
      expect(() => synthIn(dir)).toThrow(/refusing to touch the backup ".gitops-backups\/.*\/Dockerfile" leads outside the repository through a symbolic link/);
    } finally {
      delete process.env.PROJEN_GITOPS_FORCE;
    }
    expect(fs.readdirSync(outside)).toEqual([]);
    expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf-8')).toMatch(/^EXPOSE 9090$/m);
  });
});

describe('two synths of one repository never interleave', () => {
  test('a synth running elsewhere (a live process holds the lock) stops this one before anything is written', () => {
    const dir = repoWithWork();
    fs.rmSync(path.join(dir, 'Dockerfile'));
    const holder = spawn('sleep', ['30']);
    try {
      fs.writeFileSync(path.join(dir, '.projen/gitops.lock'), JSON.stringify({ pid: holder.pid, host: os.hostname(), started: '2026-12-01T10:00:00.000Z' }));
      const before = tree(dir);
      expect(() => synthIn(dir)).toThrow(new RegExp(`another synth of this repository is running \\(\\.projen/gitops\\.lock: pid ${holder.pid} on ${os.hostname()}, started 2026-12-01T10:00:00\\.000Z\\); nothing was written\\.\\n.*\\n {2}rm \\.projen/gitops\\.lock`));
      expect(tree(dir)).toEqual(before);
    } finally {
      holder.kill();
    }
  });

  test('a lock left by a process that has ended is taken over, and released after synth', () => {
    const dir = tempdir();
    synthIn(dir);
    const ended = spawnSync('sh', ['-c', 'echo $$']);
    fs.writeFileSync(path.join(dir, '.projen/gitops.lock'), JSON.stringify({ pid: Number(ended.stdout.toString()), host: os.hostname(), started: 'then' }));
    synthIn(dir, { port: 3000 });
    expect(fs.existsSync(path.join(dir, '.projen/gitops.lock'))).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf-8')).toMatch(/^EXPOSE 3000$/m);
    expect(fs.readFileSync(path.join(dir, '.gitignore'), 'utf-8')).toMatch(/^\/\.projen\/gitops\.lock$/m);
  });

  test('a lock whose process has ended but is not yet reaped (a zombie) is taken over', () => {
    const dir = tempdir();
    synthIn(dir);
    const ended = spawn('sleep', ['30']);
    ended.kill('SIGKILL');
    spawnSync('sleep', ['0.2']); // it dies; this synchronous test gives node no chance to reap it
    fs.writeFileSync(path.join(dir, '.projen/gitops.lock'), JSON.stringify({ pid: ended.pid, host: os.hostname(), started: 'then' }));
    expect(() => synthIn(dir, { port: 3000 })).not.toThrow();
    expect(fs.existsSync(path.join(dir, '.projen/gitops.lock'))).toBe(false);
  });

  test('the lock is released when synth stops', () => {
    const dir = repoWithWork();
    expect(() => synthIn(dir)).toThrow(/edited by hand/);
    expect(fs.existsSync(path.join(dir, '.projen/gitops.lock'))).toBe(false);
  });
});

describe('the record merges', () => {
  const commit = (dir: string, message: string) => {
    git(dir, 'add', '-A');
    return git(dir, '-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', message);
  };

  /** main changed the port, a branch the approvals; both synthesized and committed. */
  function twoBranches(): string {
    const dir = tempdir();
    git(dir, 'init', '-q', '-b', 'main');
    synthIn(dir);
    commit(dir, 'base');
    git(dir, 'checkout', '-q', '-b', 'approvals');
    synthIn(dir, { requiredApprovals: 2 });
    commit(dir, 'two approvals');
    git(dir, 'checkout', '-q', 'main');
    synthIn(dir, { port: 3000 });
    commit(dir, 'port 3000');
    return dir;
  }

  test('where merge=union is missing, git conflicts; synth stops, and the documented resolution merges without losing an edit', () => {
    const dir = twoBranches();
    // .git/info/attributes wins over .gitattributes: an ordinary text merge, as without our line
    fs.writeFileSync(path.join(dir, '.git/info/attributes'), '/.projen/gitops-state.json merge=text\n');
    const merge = git(dir, '-c', 'user.email=t@t', '-c', 'user.name=t', 'merge', '-q', '--no-edit', 'approvals');
    expect(merge.stdout + merge.stderr).toMatch(/CONFLICT \(content\): Merge conflict in \.projen\/gitops-state\.json/);
    for (const file of git(dir, 'diff', '--name-only', '--diff-filter=U').stdout.split('\n').filter((f) => f && f !== STATE_FILE)) {
      git(dir, 'checkout', '--theirs', '--', file); // generated files: either side, regenerated below
    }
    edit(dir, 'Dockerfile', (t) => t.replace('USER 10001:10001', 'USER 10001:10001\n# mine'));
    const before = tree(dir);
    expect(() => synthIn(dir, { port: 3000, requiredApprovals: 2 })).toThrow(/has unresolved merge conflict markers[\s\S]*PROJEN_GITOPS_RECORD=union npx projen/);
    expect(tree(dir)).toEqual(before);
    process.env.PROJEN_GITOPS_RECORD = 'union';
    try {
      expect(() => synthIn(dir, { port: 3000, requiredApprovals: 2 })).toThrow(/1 managed file was edited by hand[\s\S]*Dockerfile[\s\S]*\+# mine/);
      expect(tree(dir)).toEqual(before);
      edit(dir, 'Dockerfile', (t) => t.replace('\n# mine', ''));
      synthIn(dir, { port: 3000, requiredApprovals: 2 });
    } finally {
      delete process.env.PROJEN_GITOPS_RECORD;
    }
    expect(() => readRecord(dir, '')).not.toThrow();
    expect(fs.readFileSync(path.join(dir, '.github/rulesets/protect-main.json'), 'utf-8')).toMatch(/"required_approving_review_count": 2/);
  });

  test('two branches that changed options merge their records without a conflict (merge=union), and the merge synthesizes cleanly', () => {
    const dir = twoBranches();
    const merge = git(dir, '-c', 'user.email=t@t', '-c', 'user.name=t', 'merge', '-q', '--no-edit', 'approvals');
    const recordMerged = !/CONFLICT \(content\): Merge conflict in \.projen\/gitops-state\.json/.test(merge.stdout + merge.stderr);
    expect(recordMerged).toBe(true);
    expect(recordText(dir)).not.toMatch(/<<<<<<<|>>>>>>>/);
    // README.md may conflict (both sides changed it); take either side: it is regenerated.
    if (merge.status !== 0) {
      git(dir, 'checkout', '--theirs', '--', '.');
      git(dir, 'add', '-A');
    }
    expect(() => readRecord(dir, '')).not.toThrow();
    synthIn(dir, { port: 3000, requiredApprovals: 2 });
    expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf-8')).toMatch(/^EXPOSE 3000$/m);
    expect(fs.readFileSync(path.join(dir, '.github/rulesets/protect-main.json'), 'utf-8')).toMatch(/"required_approving_review_count": 2/);
  });
});

describe('writes are atomic', () => {
  test('the record is replaced by a rename (a new file), never rewritten in place', () => {
    const dir = tempdir();
    synthIn(dir);
    const before = fs.statSync(path.join(dir, STATE_FILE)).ino;
    synthIn(dir, { port: 3000 });
    expect(fs.statSync(path.join(dir, STATE_FILE)).ino).not.toBe(before);
    expect(fs.readdirSync(path.join(dir, '.projen')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  test('a write that fails leaves the previous content whole, and no temporary file', () => {
    const dir = tempdir();
    const target = path.join(dir, 'record');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'inside'), 'previous');
    expect(() => writeFileAtomic(target, 'new')).toThrow(/EISDIR|ENOTEMPTY|EEXIST/);
    expect(fs.readFileSync(path.join(target, 'inside'), 'utf-8')).toBe('previous');
    expect(fs.readdirSync(dir)).toEqual(['record']);
  });
});

describe('committedFiles: many files at HEAD with one git process', () => {
  const commit = (cwd: string, ...args: string[]) => spawnSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd, encoding: 'utf-8' });

  test('gives what git show HEAD:./<file> gives, file by file, from a subfolder too', () => {
    const root = tempdir();
    commit(root, 'init', '-q');
    fs.mkdirSync(path.join(root, 'sub', 'd'), { recursive: true });
    fs.writeFileSync(path.join(root, 'sub', 'd', 'a.yaml'), 'a: 1\n');
    fs.writeFileSync(path.join(root, 'sub', 'b.txt'), 'two\nlines, no end');
    fs.writeFileSync(path.join(root, 'sub', 'e.txt'), '');
    fs.writeFileSync(path.join(root, 'sub', 'uni code.txt'), 'é ✓\n');
    commit(root, 'add', '.');
    commit(root, 'commit', '-qm', 'one');
    fs.writeFileSync(path.join(root, 'sub', 'b.txt'), 'changed on disk');
    fs.writeFileSync(path.join(root, 'sub', 'new.txt'), 'not committed');
    const files = ['d/a.yaml', 'b.txt', 'e.txt', 'uni code.txt', 'new.txt', 'd', 'missing/x', 'line\nbreak', 'd/a.yaml'];
    const cwd = path.join(root, 'sub');
    const texts = committedFiles(cwd, files);
    for (const file of files) {
      const shown = spawnSync('git', ['show', `HEAD:./${file}`], { cwd, encoding: 'utf-8' });
      const expected = shown.status === 0 && !file.includes('\n') && file !== 'd' ? shown.stdout : undefined;
      expect([file, texts.get(file)]).toEqual([file, expected]);
    }
    expect(texts.get('b.txt')).toBe('two\nlines, no end');
    expect(committedFile(cwd, 'd/a.yaml')).toBe('a: 1\n');
  });

  test('nothing outside git or before the first commit', () => {
    const outside = tempdir();
    expect(committedFiles(outside, ['a']).get('a')).toBeUndefined();
    commit(outside, 'init', '-q');
    fs.writeFileSync(path.join(outside, 'a'), 'x');
    expect(committedFiles(outside, ['a']).get('a')).toBeUndefined();
  });
});
