/**
 * End to end, as a user: pack this module, `projen new --from` the tarball in an empty
 * directory, re-synthesize, change options, break them. Needs `npx projen build` first.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { treeHash } from './tree';
import { bootstrap, packedModuleSpec, run, userEnv } from '../../scripts/bootstrap';
import { FakeGitHub } from '../fake-github';
import { errorsOf, requestBodyValidator } from '../github-api';
import { actionlint, shellcheckRuns } from '../util';


const projen = (dir: string, ...args: string[]) => run('npx', ['projen', ...args], dir);

/** Like `run`, but without blocking this process (a server in it must keep answering). */
type Finished = { status: number | null; stdout: string; stderr: string };
function runAsync(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Finished> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: userEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
const git = (dir: string, ...args: string[]) => run('git', args, dir).stdout.trim();
const changedFiles = (dir: string) => run('git', ['status', '--porcelain'], dir).stdout.split('\n').filter(Boolean).map((l) => l.slice(3)).sort();

describe('projen new --from the packed module', () => {
  let dir: string;
  let rc: string;

  beforeAll(async () => {
    dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-e2e-')), 'orders');
    const result = await bootstrap(dir, packedModuleSpec());
    if (result.status !== 0) throw new Error(`projen new failed:\n${result.output}`);
    rc = fs.readFileSync(path.join(dir, '.projenrc.ts'), 'utf-8');
  });

  /** Replaces `.projenrc.ts` with the original plus extra options, and commits nothing. */
  function setOptions(options: string) {
    fs.writeFileSync(path.join(dir, '.projenrc.ts'), rc.replace('const project = new GitOpsProject({', `const project = new GitOpsProject({\n  ${options}`));
  }

  test('creates the GitOps repository with a .projenrc.ts', () => {
    // Runtime is imported for the seeded `// runtime: Runtime.NODE,` comment.
    expect(rc).toMatch(/import \{ GitOpsProject, Runtime \} from "projen-gitops";/);
    expect(rc).toMatch(/devDeps: \["projen-gitops@file:/);
    for (const file of ['Dockerfile', '.dockerignore', '.github/workflows/container.yml', '.github/workflows/codeql.yml', 'docs/BRANCH_PROTECTION.md', 'README.md', 'src/server.js', 'package.json', 'package-lock.json']) {
      expect(fs.existsSync(path.join(dir, file))).toBe(true);
    }
    expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf-8')).toMatch(/^EXPOSE 8080$/m);
    expect(git(dir, 'log', '--oneline')).toMatch(/project created with projen/);
    expect(changedFiles(dir)).toEqual([]);
  });

  test('its workflows pass actionlint and shellcheck', async () => {
    const workflows = fs.readdirSync(path.join(dir, '.github/workflows')).map((f) => `.github/workflows/${f}`);
    expect(workflows.sort()).toEqual([
      '.github/workflows/codeql.yml', '.github/workflows/container.yml', '.github/workflows/dependency-review.yml', '.github/workflows/drift.yml', '.github/workflows/pin-base-images.yml',
      '.github/workflows/upgrade.yml',
    ]);
    for (const file of workflows) {
      const source = fs.readFileSync(path.join(dir, file), 'utf-8');
      expect(await actionlint(source, file)).toEqual([]);
      expect(shellcheckRuns(source) ?? []).toEqual([]);
    }
  });

  test('its rulesets validate against GitHub\'s REST API description', () => {
    const validate = requestBodyValidator('/repos/{owner}/{repo}/rulesets', 'post');
    for (const file of fs.readdirSync(path.join(dir, '.github/rulesets'))) {
      const body = JSON.parse(fs.readFileSync(path.join(dir, '.github/rulesets', file), 'utf-8'));
      expect({ file, errors: validate(body) ? [] : errorsOf(validate) }).toEqual({ file, errors: [] });
    }
  });

  test('`npx projen protect` creates the rulesets, then changes nothing; --dry-run writes nothing', async () => {
    const github = new FakeGitHub('acme/orders', 'test-token');
    const apiUrl = await github.start();
    try {
      const env = { GH_TOKEN: 'test-token', GITHUB_TOKEN: '', GITHUB_REPOSITORY: '' };
      const args = ['protect', '--repo', 'acme/orders', '--api-url', apiUrl];
      const dry = await runAsync('npx', ['projen', ...args, '--dry-run'], dir, env);
      expect(dry.status).toBe(0);
      expect(dry.stdout).toMatch(/would create 'Protect main'/);
      expect(github.writes).toEqual([]);

      const first = await runAsync('npx', ['projen', ...args], dir, env);
      expect(first.stdout + first.stderr).toMatch(/done: 2 created, 0 updated, 0 unchanged \(acme\/orders\)/);
      expect(first.status).toBe(0);
      const second = await runAsync('npx', ['projen', ...args], dir, env);
      expect(second.stdout).toMatch(/done: 0 created, 0 updated, 2 unchanged/);
      expect(github.writes).toHaveLength(2);

      const denied = await runAsync('npx', ['projen', ...args], dir, { ...env, GH_TOKEN: 'wrong' });
      expect(denied.status).not.toBe(0);
      expect(denied.stderr).toMatch(/projen-gitops protect: GET .* answered 401 \(Bad credentials\): the token was rejected/);
    } finally {
      await github.stop();
    }
  });

  test('the seeded sample service answers on the health path', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const server = spawn(process.execPath, ['src/server.js'], { cwd: dir, env: { ...process.env, PORT: String(port), HEALTH_PATH: '/healthz' } });
    try {
      let response: Response | undefined;
      for (let i = 0; i < 50 && !response; i++) {
        response = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
        if (!response) await new Promise((r) => setTimeout(r, 100));
      }
      expect(response?.status).toBe(200);
      expect(await response?.json()).toEqual({ status: 'ok' });
    } finally {
      server.kill('SIGTERM');
    }
  });

  test('a second synth changes no file', () => {
    const before = treeHash(dir);
    const result = projen(dir);
    expect(result.status).toBe(0);
    expect(treeHash(dir)).toBe(before);
    expect(changedFiles(dir)).toEqual([]);
  });

  test('changing options updates every file that depends on them, and only those', () => {
    setOptions('port: 3000,\n  healthPath: "/ready",\n  nodeVersion: "20",');
    const result = projen(dir);
    expect(result.stderr + result.stdout).not.toMatch(/problem/);
    expect(result.status).toBe(0);
    const dockerfile = fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf-8');
    expect(dockerfile).toMatch(/^EXPOSE 3000$/m);
    expect(dockerfile).toMatch(/HEALTH_PATH="\/ready"/);
    expect(dockerfile).toMatch(/^ARG BASE_IMAGE="docker.io\/library\/node:20-trixie-slim"$/m);
    expect(fs.readFileSync(path.join(dir, 'README.md'), 'utf-8')).toMatch(/`GET \/ready`/);
    // .projen-gitops.json holds each file's purpose for the upgrade workflow; the Dockerfile's names the port.
    expect(changedFiles(dir)).toEqual(['.projen-gitops.json', '.projen/gitops-state.json', '.projenrc.ts', 'Dockerfile', 'README.md']);

    // and again: nothing more changes
    const before = treeHash(dir);
    expect(projen(dir).status).toBe(0);
    expect(treeHash(dir)).toBe(before);
  });

  test('image name and approvals reach the workflow and the notes', () => {
    setOptions('imageName: "acme/orders",\n  requiredApprovals: 2,');
    expect(projen(dir).status).toBe(0);
    expect(fs.readFileSync(path.join(dir, '.github/workflows/container.yml'), 'utf-8')).toMatch(/images: ghcr.io\/acme\/orders/);
    expect(fs.readFileSync(path.join(dir, 'docs/BRANCH_PROTECTION.md'), 'utf-8')).toMatch(/\| Required approvals \| 2 \|/);
  });

  test('bad options fail with every problem named, and no file changes', () => {
    setOptions('port: 70000,\n  healthPath: "healthz",\n  imageName: "Acme/Orders",');
    const before = treeHash(dir);
    const result = projen(dir);
    expect(result.status).not.toBe(0);
    const output = result.stderr + result.stdout;
    expect(output).toMatch(/projen-gitops: 3 problems in \.projenrc\.ts \(no file was changed\):/);
    expect(output).toMatch(/- port: must be an integer from 1 to 65535, got 70000; try 8080/);
    expect(output).toMatch(/- healthPath: must be an absolute URL path.* got 'healthz'; try '\/healthz'/);
    expect(output).toMatch(/- imageName: must be an OCI repository name .* got 'Acme\/Orders'; try 'acme\/orders'/);
    expect(output).not.toMatch(/^\s+at .*(node_modules|\.js:\d+)/m); // no stack trace for a configuration mistake
    expect(treeHash(dir)).toBe(before);
  });

  test('a misspelt option is caught', () => {
    setOptions('prot: 3000,');
    const before = treeHash(dir);
    const result = projen(dir);
    expect(result.status).not.toBe(0);
    expect(result.stderr + result.stdout).toMatch(/- prot: is not an option of GitOpsProject; did you mean 'port'\?/);
    expect(treeHash(dir)).toBe(before);
    const typecheck = projen(dir, 'typecheck');
    expect(typecheck.status).not.toBe(0);
    expect(typecheck.stdout + typecheck.stderr).toMatch(/'prot' does not exist in type 'GitOpsProjectOptions'/);
  });

  test('every option projen new left commented works when uncommented', () => {
    const commented = /^(\s*)\/\/ (\w+: .*,)\s+\/\*.*\*\/$/gm;
    expect(rc.match(commented)?.length).toBeGreaterThanOrEqual(3);
    fs.writeFileSync(path.join(dir, '.projenrc.ts'), rc.replace(commented, '$1$2'));
    try {
      const typecheck = projen(dir, 'typecheck');
      expect(typecheck.stdout + typecheck.stderr).not.toMatch(/error TS/);
      expect(typecheck.status).toBe(0);
      const result = projen(dir);
      expect(result.stderr + result.stdout).not.toMatch(/ReferenceError|problems? in \.projenrc\.ts/);
      expect(result.status).toBe(0);
    } finally {
      fs.writeFileSync(path.join(dir, '.projenrc.ts'), rc);
      expect(projen(dir).status).toBe(0);
    }
  });

  test('a broken .projenrc.ts fails and no file changes', () => {
    fs.writeFileSync(path.join(dir, '.projenrc.ts'), rc.replace('project.synth();', 'project.synth(;'));
    const before = treeHash(dir);
    const result = projen(dir);
    expect(result.status).not.toBe(0);
    expect(result.stderr + result.stdout).toMatch(/\.projenrc\.ts does not compile \(no file was changed\):\n {2}\.projenrc\.ts:\d+:15: Unexpected ";"/);
    expect(treeHash(dir)).toBe(before);
  });

  afterAll(() => {
    if (dir && !process.env.KEEP_E2E) fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });
});

describe('projen new --from with options on the command line', () => {
  test('flags become options in .projenrc.ts and reach the files', async () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-e2e-')), 'billing');
    try {
      const result = await bootstrap(dir, packedModuleSpec(), ['--port', '3000', '--health-path', '/ready', '--runtime', 'node', '--required-approvals', '2']);
      if (result.status !== 0) throw new Error(`projen new failed:\n${result.output}`);
      const rc = fs.readFileSync(path.join(dir, '.projenrc.ts'), 'utf-8');
      expect(rc).toMatch(/port: 3000/);
      expect(rc).toMatch(/healthPath: "\/ready"/);
      expect(rc).toMatch(/requiredApprovals: 2/);
      expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf-8')).toMatch(/^EXPOSE 3000$/m);
      expect(fs.readFileSync(path.join(dir, 'docs/BRANCH_PROTECTION.md'), 'utf-8')).toMatch(/\| Required approvals \| 2 \|/);
      const resynth = projen(dir);
      expect(resynth.status).toBe(0);
      expect(changedFiles(dir)).toEqual([]);
    } finally {
      if (!process.env.KEEP_E2E) fs.rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  });

  test('a bad flag fails projen new with the option named, and leaves nothing behind', async () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-e2e-')), 'broken');
    try {
      const result = await bootstrap(dir, packedModuleSpec(), ['--port', '0']);
      expect(result.status).not.toBe(0);
      expect(result.output).toMatch(/port: must be an integer from 1 to 65535, got 0; try 8080/);
      expect(fs.existsSync(dir)).toBe(false);
    } finally {
      fs.rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  });
});
