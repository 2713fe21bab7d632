import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');

/** Every file under `dir` with one of the extensions. */
function files(dir: string, ext: RegExp): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? files(full, ext) : ext.test(e.name) ? [full] : [];
  });
}

describe('the package', () => {
  test('every bundled dependency is imported by the shipped code (a bundled one that is not only adds weight)', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf-8'));
    const source = files(path.join(ROOT, 'src'), /\.ts$/).map((f) => fs.readFileSync(f, 'utf-8')).join('\n');
    const unused = (pkg.bundledDependencies as string[]).filter((dep) => !new RegExp(`(from |require\\()'${dep}'`).test(source));
    expect(unused).toEqual([]);
  });
});
