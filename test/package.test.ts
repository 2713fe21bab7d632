import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as semver from 'semver';

const ROOT = path.join(__dirname, '..');

/** Every file under `dir` with one of the extensions. */
function files(dir: string, ext: RegExp): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? files(full, ext) : ext.test(e.name) ? [full] : [];
  });
}

/** The folder of package `name` as Node.js resolves it from `from`: the nearest node_modules/<name> up the tree. */
function packageDir(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * The lowest Node.js version every package of a dependency tree accepts (npm's own check of
 * `engines.node`, EBADENGINE): the lowest lower bound of any of their ranges that all of them
 * satisfy (a range may have gaps: `^18.17.0 || >=20.5.0` refuses 20.0), with the packages that
 * refuse the candidate just below it.
 */
function engineFloor(names: string[], from: string): { version: string; by: string[] } {
  const ranges = new Map<string, string>();
  const seen = new Set<string>();
  const visit = (name: string, parent: string) => {
    const dir = packageDir(name, parent);
    if (!dir || seen.has(dir)) return;
    seen.add(dir);
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf-8'));
    if (typeof pkg.engines?.node === 'string' && semver.validRange(pkg.engines.node)) ranges.set(`${pkg.name}@${pkg.version}`, pkg.engines.node);
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, dir);
  };
  for (const name of names) visit(name, from);
  const candidates = [...new Set([...ranges.values()].flatMap((r) => new semver.Range(r).set.map((alt) => semver.minVersion(alt.map((c) => c.value).join(' '))?.version ?? '0.0.0')))]
    .concat('0.0.0').sort(semver.compare);
  const accepts = (v: string) => [...ranges.values()].every((r) => semver.satisfies(v, r));
  const index = candidates.findIndex(accepts);
  const version = candidates[index];
  const below = candidates[index - 1];
  const by = below === undefined ? [] : [...ranges].filter(([, r]) => !semver.satisfies(below, r)).map(([p]) => p).sort();
  return { version, by };
}

describe('the package', () => {
  test('every bundled dependency is imported by the shipped code (a bundled one that is not only adds weight)', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf-8'));
    const source = files(path.join(ROOT, 'src'), /\.ts$/).map((f) => fs.readFileSync(f, 'utf-8')).join('\n');
    const unused = (pkg.bundledDependencies as string[]).filter((dep) => !new RegExp(`(from |require\\()'${dep}'`).test(source));
    expect(unused).toEqual([]);
  });

  describe('the Node.js versions it claims are what its dependencies declare', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf-8'));
    const runtime = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];
    const dev = [...runtime, ...Object.keys(pkg.devDependencies ?? {})];
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf-8');
    const short = (v: string) => v.replace(/\.0$/, '');

    test('package.json engines: the floor of the runtime dependencies (what a user installs)', () => {
      const floor = engineFloor(runtime, ROOT);
      expect({ engines: semver.minVersion(pkg.engines.node)?.version, by: floor.by }).toEqual({ engines: floor.version, by: floor.by });
      expect(readme).toContain(`Node.js ${short(floor.version)}+`);
    });

    test('devEngines and the README: the floor of every dependency (what developing it installs)', () => {
      const floor = engineFloor(dev, ROOT);
      const declared = semver.minVersion(pkg.devEngines.runtime.version)?.version;
      expect({ devEngines: declared, by: floor.by }).toEqual({ devEngines: floor.version, by: floor.by });
      expect(readme).toContain(`Node.js ${short(floor.version)}+`);
    });

    test('a dependency that asks for a newer Node.js raises the floor (known-bad fixture)', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'engines-'));
      try {
        const write = (name: string, body: object) => {
          fs.mkdirSync(path.join(dir, 'node_modules', name), { recursive: true });
          fs.writeFileSync(path.join(dir, 'node_modules', name, 'package.json'), JSON.stringify({ name, version: '1.0.0', ...body }));
        };
        write('a', { engines: { node: '>= 20.0.0' }, dependencies: { b: '1' } });
        write('b', { engines: { node: '^18.17.0 || >=24.1.0' } });
        // 20.0 falls in b's gap: the floor is where both accept.
        expect(engineFloor(['a'], dir)).toEqual({ version: '24.1.0', by: ['b@1.0.0'] });
        write('b', { engines: { node: '^18.17.0 || >=20.5.0' } });
        expect(engineFloor(['a'], dir)).toEqual({ version: '20.5.0', by: ['b@1.0.0'] });
        write('b', { engines: { node: '>=24.1.0' } });
        const floor = engineFloor(['a'], dir);
        expect(floor).toEqual({ version: '24.1.0', by: ['b@1.0.0'] });
        expect(semver.minVersion('>= 20.0.0')?.version).not.toEqual(floor.version); // a claim of 20 would fail
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
