import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { compileTypeScript, ProjenrcSyntaxError } from '../../src/cli/projenrc';

// The runner as it ships: compiled JavaScript in a package's lib/cli/, run by plain Node.js
// (no ts-node, whose own `.ts` loader would stand in for the runner's).
const pkg = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-rc-pkg-'));
const RUNNER = path.join(pkg, 'lib', 'cli', 'projenrc.js');
beforeAll(() => {
  fs.mkdirSync(path.dirname(RUNNER), { recursive: true });
  fs.writeFileSync(path.join(pkg, 'package.json'), '{ "name": "projen-gitops", "version": "1.2.3" }');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild');
  const source = fs.readFileSync(path.join(__dirname, '..', '..', 'src', 'cli', 'projenrc.ts'), 'utf-8');
  fs.writeFileSync(RUNNER, esbuild.transformSync(source, { loader: 'ts', format: 'cjs' }).code);
});
afterAll(() => fs.rmSync(pkg, { recursive: true, force: true }));

function runRc(dir: string, ...args: string[]) {
  return runNode(dir, [RUNNER, ...args]);
}

/** Node.js with this repository's node_modules (esbuild) on the module path. */
function runNode(dir: string, args: string[]) {
  return spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf-8', env: { ...process.env, NODE_PATH: path.join(__dirname, '..', '..', 'node_modules') } });
}

describe('projen-gitops-rc', () => {
  let dir: string;
  let cache: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-rc-'));
    cache = path.join(dir, 'node_modules', '.cache', 'projen-gitops');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('compiles once per source: the second call reads the cache, a change compiles afresh', () => {
    const file = path.join(dir, '.projenrc.ts');
    const first = compileTypeScript(file, 'const port: number = 8080;\nexport { port };\n', cache);
    expect(first).toContain('const port = 8080;');
    expect(first).toContain('sourceMappingURL=data:application/json;base64,');
    expect(fs.readdirSync(cache)).toHaveLength(1);
    const [entry] = fs.readdirSync(cache);
    fs.writeFileSync(path.join(cache, entry), '/* from the cache */');
    expect(compileTypeScript(file, 'const port: number = 8080;\nexport { port };\n', cache)).toBe('/* from the cache */');
    expect(compileTypeScript(file, 'const port: number = 9090;\n', cache)).toContain('const port = 9090;');
    expect(fs.readdirSync(cache)).toHaveLength(2);
  });

  test('keeps at most 50 compiled files, dropping the oldest', () => {
    const file = path.join(dir, '.projenrc.ts');
    const entries: string[] = [];
    for (let i = 0; i < 53; i++) {
      const before = new Set(fs.existsSync(cache) ? fs.readdirSync(cache) : []);
      compileTypeScript(file, `export const n = ${i};\n`, cache);
      const added = fs.readdirSync(cache).find((name) => !before.has(name))!;
      entries.push(added);
      // Distinct ages, oldest first (writes within one millisecond would share an mtime).
      fs.utimesSync(path.join(cache, added), 1000 + i, 1000 + i);
    }
    expect(fs.readdirSync(cache).sort()).toEqual(entries.slice(-50).sort());
  });

  test('a syntax error names the file, line and column and shows the line', () => {
    const file = path.join(dir, '.projenrc.ts');
    let error: unknown;
    try {
      compileTypeScript(file, 'const project = new GitOpsProject({\n  port: 8080\n  name: "x",\n});\n', cache, dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProjenrcSyntaxError);
    expect((error as Error).message).toMatch(/^projen-gitops: \.projenrc\.ts does not compile \(no file was changed\):\n {2}\.projenrc\.ts:3:3: Expected "}" but found "name"\n {6}name: "x",\n {6}\^$/);
    expect(fs.existsSync(cache)).toBe(false);
  });

  test('runs .projenrc.ts with its local .ts imports, its arguments and TypeScript line numbers in stack traces', () => {
    fs.mkdirSync(path.join(dir, 'projenrc'));
    fs.writeFileSync(path.join(dir, 'projenrc', 'ports.ts'), 'export const port: number = 8080;\n');
    fs.writeFileSync(path.join(dir, '.projenrc.ts'), [
      "import { port } from './projenrc/ports';",
      'interface Shape { port: number }',
      'const shape: Shape = { port };',
      'console.log(JSON.stringify({ port: shape.port, argv: process.argv.slice(2), main: require.main?.filename }));',
      '',
    ].join('\n'));
    const ok = runRc(dir, '.projenrc.ts', '--flag');
    expect(ok.stderr).toBe('');
    expect(JSON.parse(ok.stdout)).toEqual({ port: 8080, argv: ['--flag'], main: path.join(fs.realpathSync(dir), '.projenrc.ts') });
    expect(fs.readdirSync(cache)).toHaveLength(2);

    fs.writeFileSync(path.join(dir, '.projenrc.ts'), [
      'interface Options { name: string }',
      '',
      'type Unused = string;',
      'function check(options: Options): void { throw new Error(`bad name ${options.name}`); }',
      "check({ name: 'x' });",
      '',
    ].join('\n'));
    const thrown = runRc(dir);
    expect(thrown.status).toBe(1);
    expect(thrown.stderr).toContain('Error: bad name x');
    // Compiled, the throw is on line 2 and the call on line 4: the frames show the source's.
    expect(thrown.stderr).toMatch(/at check \(.*\.projenrc\.ts:4:\d+\)/);
    expect(thrown.stderr).toMatch(/\.projenrc\.ts:5:\d+/);
  });

  test('replaces a .ts loader already registered (Node.js 22.18 and later strip types themselves, as ESM)', () => {
    const preload = path.join(dir, 'other-loader.js');
    fs.writeFileSync(preload, "require.extensions['.ts'] = () => { throw new Error('the other loader ran'); };\n");
    fs.writeFileSync(path.join(dir, '.projenrc.ts'), 'const n: number = 1;\nconsole.log(`ran ${n} ${typeof __dirname}`);\n');
    const result = runNode(dir, ['-r', preload, RUNNER]);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('ran 1 string');
  });

  test('keeps an exit code .projenrc.ts sets itself', () => {
    fs.writeFileSync(path.join(dir, '.projenrc.ts'), 'process.exitCode = 3;\n');
    expect(runRc(dir).status).toBe(3);
  });

  test('exits 1 with the message on a syntax error or a missing file', () => {
    fs.writeFileSync(path.join(dir, '.projenrc.ts'), 'const x = ;\n');
    const broken = runRc(dir);
    expect(broken.status).toBe(1);
    expect(broken.stderr).toContain('.projenrc.ts:1:11: Unexpected ";"');
    const missing = runRc(dir, 'nope.ts');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('projen-gitops-rc: nope.ts does not exist');
  });
});
