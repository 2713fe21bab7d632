/**
 * FolderGuard: what `projen-gitops new` and `template` take back when they fail. A folder it made
 * goes with the parents it made; in a folder that was there, what it added goes (at any depth)
 * and what it changed or deleted comes back with its mode; `.git` and `node_modules` that were
 * there are left alone; nothing outside the folder is touched.
 */
import * as fs from 'fs';
import * as path from 'path';
import { FolderGuard, FolderTooFullError, KEPT_BYTES_LIMIT } from '../../src/cli/create';
import { readTree, tempdir } from '../util';

describe('FolderGuard', () => {
  test('a folder it made goes, with the parents it made, and nothing next to them', () => {
    const root = tempdir();
    fs.writeFileSync(path.join(root, 'keep.txt'), 'mine');
    const dir = path.join(root, 'a', 'b', 'repo');
    const guard = FolderGuard.at(dir);
    fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'src', 'x.ts'), 'made');
    guard.undo();
    expect(readTree(root)).toEqual({ 'keep.txt': 'mine' });
  });

  test('in a folder that was there: added files go at any depth, changed and deleted ones come back with their mode', () => {
    const dir = tempdir();
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'README.md'), 'my notes');
    fs.writeFileSync(path.join(dir, 'src', 'work.ts'), 'uncommitted work');
    fs.writeFileSync(path.join(dir, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    fs.mkdirSync(path.join(dir, '.git'));
    fs.writeFileSync(path.join(dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    const before = readTree(dir);
    const guard = FolderGuard.at(dir);
    fs.writeFileSync(path.join(dir, 'README.md'), 'generated');
    fs.writeFileSync(path.join(dir, 'src', 'added.ts'), 'made');
    fs.rmSync(path.join(dir, 'src', 'work.ts'));
    fs.chmodSync(path.join(dir, 'run.sh'), 0o644);
    fs.mkdirSync(path.join(dir, 'deploy', 'charts'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'deploy', 'charts', 'Chart.yaml'), 'made');
    fs.writeFileSync(path.join(dir, '.git', 'index'), 'git\'s own');
    guard.undo();
    expect(readTree(dir)).toEqual({ ...before, '.git/index': 'git\'s own' });
    expect((fs.statSync(path.join(dir, 'run.sh')).mode % 0o1000).toString(8)).toBe('755');
  });

  test('a folder too full to keep a copy of is refused before anything is made', () => {
    const dir = tempdir();
    fs.writeFileSync(path.join(dir, 'big.bin'), Buffer.alloc(KEPT_BYTES_LIMIT + 1));
    expect(() => FolderGuard.at(dir)).toThrow(FolderTooFullError);
    expect(() => FolderGuard.at(dir)).toThrow(/holds more than 64 MiB outside \.git and node_modules, too much to keep a copy of to put back if creating fails; choose an empty folder$/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
