/**
 * A private npm registry for the e2e tests: verdaccio on 127.0.0.1 with htpasswd auth (our
 * packages and the company's need a token; everything else is proxied from npmjs and cached by
 * verdaccio version), and this build of projen-gitops published to it under a version of its
 * own. Each run keeps its own packages in a folder of its own under the registry's storage, so
 * two runs at once never see (or remove) each other's packages.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { ROOT, run } from '../../scripts/bootstrap';
import { IN_CI, TOOLS_CACHE } from '../tools';

export const VERDACCIO_VERSION = /VERDACCIO_VERSION=(\S+)/.exec(fs.readFileSync(path.join(ROOT, 'scripts', 'install-verdaccio.sh'), 'utf-8'))![1];
const VERDACCIO = path.join(TOOLS_CACHE, `verdaccio-${VERDACCIO_VERSION}`, 'node_modules', '.bin', 'verdaccio');

/** Whether verdaccio is installed; in CI its absence fails the test file instead of skipping it. */
export function verdaccioPresent(what: string): boolean {
  if (fs.existsSync(VERDACCIO)) return true;
  const message = `verdaccio ${VERDACCIO_VERSION} is not installed (bash scripts/install-verdaccio.sh): ${what} is skipped`;
  if (IN_CI) throw new Error(message);
  console.warn(message);
  return false;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** A command that must succeed: its output on failure. */
export function ok(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const result = run(command, args, cwd, env);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}) in ${cwd}:\n${result.stdout}\n${result.stderr}`.slice(-6000));
  return result;
}

export interface Registry {
  /** `http://127.0.0.1:PORT/`. */
  readonly url: string;
  readonly token: string;
  /** The npm user config with the registry and the token (like ~/.npmrc). */
  readonly userconfig: string;
  /** The version this build of projen-gitops was published under (dist-tag `e2e`). */
  readonly gitopsVersion: string;
  /** Everyone's environment here: the npm config, a git identity, CI unset. */
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  stop(): void;
}

/** Starts verdaccio in `work` and publishes this build of projen-gitops (`dist/js`). */
export async function startRegistry(work: string): Promise<Registry> {
  const stamp = Date.now();
  const gitopsVersion = `0.0.1-e2e.${stamp}`;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const htpasswd = path.join(work, 'htpasswd');
  fs.writeFileSync(htpasswd, '');
  // Proxied packages are cached in the storage across runs; this run's own packages live in
  // a folder of their own (verdaccio's per-package `storage`), removed by stop().
  const storage = path.join(TOOLS_CACHE, `verdaccio-${VERDACCIO_VERSION}`, 'storage');
  const own = `runs/${process.pid}-${stamp}`;
  fs.writeFileSync(path.join(work, 'verdaccio.yaml'), [
    `storage: ${storage}`,
    'auth:',
    // One user, registered below (its token is what npm sends); then registration is closed.
    `  htpasswd: { file: ${htpasswd}, max_users: 1 }`,
    'uplinks:',
    // Package documents kept a week: installs after the first are served from storage.
    '  npmjs: { url: https://registry.npmjs.org/, timeout: 60s, maxage: 7d }',
    'packages:',
    `  '@acme/*': { access: $authenticated, publish: $authenticated, storage: ${own} }`,
    `  'projen-gitops': { access: $authenticated, publish: $authenticated, storage: ${own} }`,
    "  '**': { access: $all, proxy: npmjs }",
    `listen: 127.0.0.1:${port}`,
    'log: { type: stdout, format: pretty, level: warn }',
    '',
  ].join('\n'));
  const server: ChildProcess = spawn(VERDACCIO, ['--config', path.join(work, 'verdaccio.yaml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = () => {
    if (server.pid !== undefined && server.exitCode === null) process.kill(server.pid, 'SIGTERM');
    fs.rmSync(path.join(storage, own), { recursive: true, force: true });
  };
  try {
    let log = '';
    server.stdout?.on('data', (d) => (log += d));
    server.stderr?.on('data', (d) => (log += d));
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${url}-/ping`)).ok) break;
      } catch {
        // not listening yet
      }
      if (i > 150) throw new Error(`verdaccio did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const login = await fetch(`${url}-/user/org.couchdb.user:acme`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'acme', password: `pw-${stamp}` }),
    });
    const token = ((await login.json()) as { token: string }).token;
    if (!token) throw new Error('verdaccio gave no token');
    const userconfig = path.join(work, 'npmrc');
    fs.writeFileSync(userconfig, `registry=${url}\n//127.0.0.1:${port}/:_authToken=${token}\n`);
    const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
      NPM_CONFIG_USERCONFIG: userconfig,
      npm_config_userconfig: userconfig,
      GIT_AUTHOR_NAME: 'Platform',
      GIT_AUTHOR_EMAIL: 'platform@acme.example',
      GIT_COMMITTER_NAME: 'Platform',
      GIT_COMMITTER_EMAIL: 'platform@acme.example',
      CI: '',
      ...extra,
    });

    // This build of projen-gitops, published under a version of its own.
    const tarball = fs.readdirSync(path.join(ROOT, 'dist', 'js')).find((f) => /^projen-gitops@.*\.jsii\.tgz$/.test(f));
    if (!tarball) throw new Error('no packed module: run `npx projen compile && npx projen package:js` first');
    const unpacked = path.join(work, 'projen-gitops-package');
    fs.mkdirSync(unpacked);
    ok('tar', ['-xzf', path.join(ROOT, 'dist', 'js', tarball), '-C', unpacked, '--strip-components=1'], work);
    setVersion(unpacked, gitopsVersion);
    ok('npm', ['publish', unpacked, '--tag', 'e2e', '--registry', url], work, env());
    return { url, token, userconfig, gitopsVersion, env, stop };
  } catch (error) {
    stop();
    throw error;
  }
}

/**
 * Sets an unpacked jsii package's version: package.json, and the assembly (jsii reads a
 * dependency's version from it: a build checks it against its peer range).
 */
export function setVersion(unpacked: string, version: string) {
  const pkg = JSON.parse(fs.readFileSync(path.join(unpacked, 'package.json'), 'utf-8'));
  fs.writeFileSync(path.join(unpacked, 'package.json'), JSON.stringify({ ...pkg, version, publishConfig: undefined }, null, 2));
  const assemblyFile = path.join(unpacked, '.jsii');
  if (fs.existsSync(assemblyFile)) {
    const assembly = JSON.parse(fs.readFileSync(assemblyFile, 'utf-8'));
    fs.writeFileSync(assemblyFile, JSON.stringify({ ...assembly, version }));
  }
}
