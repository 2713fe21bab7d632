import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { GitOpsProject } from '../../src';
import { JOURNAL_FILE, LOCK_FILE } from '../../src/core/sync-record';
import { tempdir } from '../util';

process.env.PROJEN_DISABLE_POST = 'true'; // no npm install

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'interrupted-synth');

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

const git = (dir: string, ...args: string[]) => spawnSync('git', args, { cwd: dir, encoding: 'utf-8' });

/** Synthesizes in this process, as `npx projen` does, with the port option. */
const synthIn = (dir: string, port = 8080) => new GitOpsProject({ name: 'orders', outdir: dir, port }).synth();

function message(fn: () => void): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected synth to stop');
}

/** A committed repository, synthesized with the default port 8080. */
function committedRepo(): string {
  const dir = tempdir('gitops-killed-');
  git(dir, 'init', '-q');
  synthIn(dir);
  git(dir, 'add', '-A');
  git(dir, '-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'generated');
  return dir;
}

/**
 * Synthesizes port 3000 in a child node process that is killed (SIGKILL, delivered by the
 * preload right after projen's second file write) before synth records what it wrote.
 * Returns the files the killed synth changed, as git sees them.
 */
function killedSynth(dir: string): string[] {
  const result = spawnSync(process.execPath, ['-r', require.resolve('ts-node/register'), '-r', path.join(FIXTURES, 'kill-after-writes.js'), path.join(FIXTURES, 'synth.ts'), dir], {
    encoding: 'utf-8',
    env: {
      ...process.env,
      PORT: '3000',
      KILL_AFTER_WRITES: '2',
      KILL_UNDER: dir,
      TS_NODE_PROJECT: path.join(__dirname, '..', 'tsconfig.json'),
      TS_NODE_TRANSPILE_ONLY: 'true',
    },
  });
  expect({ signal: result.signal, stderr: result.stderr }).toEqual({ signal: 'SIGKILL', stderr: expect.stringMatching(/killed after writing /) });
  // The interrupted synth left its lock (ignored by git) and wrote no record.
  expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(true);
  return git(dir, 'status', '--porcelain').stdout.split('\n').filter(Boolean).map((l) => l.slice(3));
}

describe('a synth killed while writing files', () => {
  test('the option reverted: no file the killed synth wrote is reported, and the tree is back as committed', () => {
    // Before the journal, this stopped with ".projen-gitops.json, Dockerfile edited by hand" and offered to hand them over.
    const dir = committedRepo();
    const committed = tree(dir);
    const written = killedSynth(dir);
    // It wrote some of the files a port change changes (README.md not yet), the record not at all;
    // git shows only those: the journal is ignored (*.log).
    expect(written).toEqual(['.projen-gitops.json', 'Dockerfile']);
    expect(git(dir, 'check-ignore', JOURNAL_FILE).stdout.trim()).toBe(JOURNAL_FILE);
    expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf-8')).toMatch(/^EXPOSE 3000$/m);
    const project = new GitOpsProject({ name: 'orders', outdir: dir });
    const warn = jest.spyOn(project.logger, 'warn');
    project.synth();
    // `npx projen` exited 0 after the kill (projen's task runner): this synth says it.
    expect(warn.mock.calls.map((c) => c.join(' '))).toEqual([expect.stringMatching(/^An earlier synth \(pid \d+, started \S+\) did not finish; the files it left are now as this synth writes them\.$/)]);
    expect(tree(dir)).toEqual(committed);
    expect(fs.existsSync(path.join(dir, JOURNAL_FILE))).toBe(false);
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  }, 120_000);

  test('the synth run again with the new option finishes it', () => {
    const dir = committedRepo();
    killedSynth(dir);
    synthIn(dir, 3000);
    expect(fs.readFileSync(path.join(dir, 'README.md'), 'utf-8')).toMatch(/3000/);
    expect(fs.existsSync(path.join(dir, JOURNAL_FILE))).toBe(false);
    synthIn(dir); // and back: every file is known from the record
    expect(git(dir, 'status', '--porcelain').stdout).toBe('');
  }, 120_000);

  test('a hand edit after the kill is still reported, in a file it wrote and in one it had not reached; nothing is overwritten', () => {
    const dir = committedRepo();
    killedSynth(dir);
    fs.appendFileSync(path.join(dir, 'Dockerfile'), '# mine\n');
    fs.chmodSync(path.join(dir, 'README.md'), 0o644);
    fs.appendFileSync(path.join(dir, 'README.md'), 'mine\n');
    const before = tree(dir);
    const said = message(() => synthIn(dir));
    expect(said).toMatch(/^projen-gitops: 2 managed files were edited by hand; synth stopped before writing anything:\n\(An earlier synth did not finish; the files it wrote are known from \.projen\/gitops-intent\.log and are not listed\.\)\n\n {2}Dockerfile\n[\s\S]*\n\n {2}README\.md\n/);
    expect(said).not.toMatch(/\.projen-gitops\.json/);
    expect(tree(dir)).toEqual(before);
    // The journal stays until a synth finishes: after the edits are undone, the rest is still known.
    git(dir, 'checkout', '--', 'README.md');
    fs.writeFileSync(path.join(dir, 'Dockerfile'), fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf-8').replace('# mine\n', ''));
    synthIn(dir);
    expect(git(dir, 'status', '--porcelain').stdout).toBe('');
  }, 120_000);

  test('with no journal (an older version was killed, or it was removed) synth cannot tell, and its git advice works', () => {
    const dir = committedRepo();
    killedSynth(dir);
    fs.rmSync(path.join(dir, JOURNAL_FILE));
    const before = tree(dir);
    const said = message(() => synthIn(dir));
    expect(said).toMatch(/^projen-gitops: 2 managed files differ from what synth recorded, and an interrupted synth may have written them; synth stopped before writing anything\.\nThe previous synth \(pid \d+, started [0-9T:.Z-]+\) was interrupted before it recorded what it wrote/);
    expect(said).toMatch(/\n {2}git diff -- \.projen-gitops\.json Dockerfile {4}\(check that no change is yours\)\n {2}git checkout -- \.projen-gitops\.json Dockerfile && npx projen\n/);
    expect(tree(dir)).toEqual(before);
    // docs/getting-started.md shows this message as synth prints it (pid and time aside).
    const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'getting-started.md'), 'utf-8').split('**An interrupted synth**')[1].split('```')[1].trim();
    const anyRun = (text: string) => text.replace(/\(pid \d+, started \S+\)/, '(pid N, started T)');
    expect(anyRun(doc)).toBe(anyRun(`EditedFilesError: ${said}`).split('\n').slice(0, doc.split('\n').length).join('\n'));
    // Synth run again before the advice is followed says the same (the interrupted synth's lock is put back).
    expect(message(() => synthIn(dir))).toBe(said);
    // The advice, followed.
    expect(git(dir, 'checkout', '--', '.projen-gitops.json', 'Dockerfile').status).toBe(0);
    synthIn(dir);
    expect(git(dir, 'status', '--porcelain').stdout).toBe('');
  }, 120_000);

  test('a synth that stops with an error while writing leaves the journal, and the next one knows its files', () => {
    const dir = committedRepo();
    const committed = tree(dir);
    const project = new GitOpsProject({ name: 'orders', outdir: dir, port: 3000 });
    // A component whose synthesize throws after the Dockerfile is written (components run in order).
    const dockerfile = project.tryFindFile('Dockerfile')!;
    const synthesize = dockerfile.synthesize.bind(dockerfile);
    dockerfile.synthesize = () => {
      synthesize();
      throw new Error('disk full');
    };
    expect(() => project.synth()).toThrow(/disk full/);
    expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf-8')).toMatch(/^EXPOSE 3000$/m);
    synthIn(dir);
    expect(tree(dir)).toEqual(committed);
  });

  test('a journal that is a symbolic link is never written through', () => {
    const dir = committedRepo();
    const outside = path.join(tempdir('gitops-outside-'), 'target');
    fs.writeFileSync(outside, 'outside\n');
    fs.symlinkSync(outside, path.join(dir, JOURNAL_FILE));
    expect(() => synthIn(dir, 3000)).toThrow(/refusing to write the synth journal \.projen\/gitops-intent\.log: it is a symbolic link; synth stopped before writing any file/);
    expect(fs.readFileSync(outside, 'utf-8')).toBe('outside\n');
    expect(git(dir, 'status', '--porcelain').stdout).toBe('');
  });
});
