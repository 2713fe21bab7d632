import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { filePatch } from '../../src/cli/patch';
import { tempdir } from '../util';

/** Applies `patch` with git in a repository holding `files`; the files afterwards. */
interface Applied { status: number | null; stderr: string; files: Record<string, string | undefined> }

function gitApply(files: Record<string, string>, patch: string): Applied {
  const dir = tempdir('patch-');
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  spawnSync('git', ['init', '-q'], { cwd: dir });
  fs.writeFileSync(path.join(dir, '..patch'), patch);
  const check = spawnSync('git', ['apply', '--check', '..patch'], { cwd: dir, encoding: 'utf-8' });
  if (check.status === 0) spawnSync('git', ['apply', '..patch'], { cwd: dir });
  const read = (f: string) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), 'utf-8') : undefined);
  return { status: check.status, stderr: check.stderr, files: Object.fromEntries(['big.txt', 'gone.txt', 'new/file.txt', 'tail.txt'].map((f) => [f, read(f)])) };
}

describe('preview patches', () => {
  test('git apply takes them: a 6,000-line change, a created, a deleted and an unterminated file', () => {
    const big = Array.from({ length: 6000 }, (_, i) => `line ${i}`);
    const bigAfter = big.map((l, i) => (i % 500 === 7 ? `${l} changed` : l)).filter((_, i) => i !== 3000);
    bigAfter.splice(4000, 0, 'inserted');
    const before = { 'big.txt': big.join('\n') + '\n', 'gone.txt': 'bye\n', 'tail.txt': 'a\nb' };
    const after = { 'big.txt': bigAfter.join('\n') + '\n', 'new/file.txt': 'hello\nworld\n', 'tail.txt': 'a\nc\n' };
    // No clock (it fails on a loaded machine): the diff is the `diff` package's Myers diff, not
    // the hand-written O(n·m) one that took 1.2 s here; speed is the benchmark's.
    const patch = [
      filePatch('big.txt', before['big.txt'], after['big.txt']),
      filePatch('gone.txt', before['gone.txt'], undefined),
      filePatch('new/file.txt', undefined, after['new/file.txt']),
      filePatch('tail.txt', before['tail.txt'], after['tail.txt']),
    ].join('');
    expect(patch).toMatch(/^--- \/dev\/null\n\+\+\+ b\/new\/file.txt\n@@ -0,0 \+1,2 @@$/m);
    const applied = gitApply(before, patch);
    expect(applied.stderr).toBe('');
    expect(applied.status).toBe(0);
    expect(applied.files).toEqual({ 'big.txt': after['big.txt'], 'gone.txt': undefined, 'new/file.txt': after['new/file.txt'], 'tail.txt': after['tail.txt'] });
  });

  test('the old "@@ line N @@" hunks are what git rejects (the check can fail)', () => {
    const applied = gitApply({ 'tail.txt': 'a\nb\n' }, 'diff --git a/tail.txt b/tail.txt\n--- a/tail.txt\n+++ b/tail.txt\n@@ line 2 @@\n a\n-b\n+c\n');
    expect(applied.status).not.toBe(0);
  });

  test('an unchanged file has no patch', () => {
    expect(filePatch('x', 'same\n', 'same\n')).toBe('');
  });
});
