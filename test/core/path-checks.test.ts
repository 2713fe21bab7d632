import * as fs from 'fs';
import * as path from 'path';
import { pathProblem, PathChecks } from '../../src/core/sync-record';
import { tempdir } from '../util';

describe('PathChecks: pathProblem for many paths, each folder looked at once', () => {
  // GIVEN a repository with a folder, a link inside it, a link out of it and a dangling link
  const root = tempdir();
  const outside = tempdir();
  fs.mkdirSync(path.join(root, 'a', 'b'), { recursive: true });
  fs.writeFileSync(path.join(root, 'a', 'b', 'f.txt'), 'x');
  fs.symlinkSync(path.join(root, 'a'), path.join(root, 'in'));
  fs.symlinkSync(outside, path.join(root, 'out'));
  fs.symlinkSync(path.join(root, 'nowhere'), path.join(root, 'dangling'));
  const expected: Record<string, RegExp | undefined> = {
    'a/b/f.txt': undefined,
    'a/b/new.txt': undefined,
    'a/missing/deep/x.txt': undefined,
    'in/b/f.txt': undefined,
    'in/new/x.txt': undefined,
    'out': /leads outside the repository through a symbolic link/,
    'out/x.txt': /leads outside the repository through a symbolic link/,
    'out/deeper/x.txt': /leads outside the repository through a symbolic link/,
    'dangling': /goes through a dangling symbolic link/,
    'dangling/x.txt': /goes through a dangling symbolic link/,
    '../x': /leaves the repository/,
    '/etc/passwd': /is an absolute path/,
  };

  test('one instance, in any order, gives the answer of a fresh check per path', () => {
    const files = Object.keys(expected);
    for (const order of [files, [...files].reverse()]) {
      const checks = new PathChecks(root);
      for (const file of order) {
        const problem = checks.problem(file);
        const want = expected[file];
        if (want) expect(problem).toMatch(want);
        else expect(problem).toBeUndefined();
        expect(problem).toBe(pathProblem(root, file));
      }
    }
  });

  test('no repository on disk yet: nothing to follow', () => {
    expect(new PathChecks(path.join(root, 'not-yet')).problem('a/b.txt')).toBeUndefined();
  });
});
