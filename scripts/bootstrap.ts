/**
 * Bootstraps a GitOps repository from this checkout's packed module, the way a user does
 * with a published package: `projen new --from projen-gitops@<spec>`. Shared by the demo
 * task and the end-to-end tests.
 */
import { spawnSync, SpawnSyncReturns } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createRepository, CreateResult } from '../src/cli/create';

export const ROOT = path.resolve(__dirname, '..');

/**
 * The packed module (`npx projen build` or `npx projen package:js` makes it) copied to a
 * file named after its content: npm caches `file:` tarballs by path and version, so a
 * rebuilt module at the same path would otherwise install stale code.
 * Returns the spec for `--from` (projen needs the package name in front of a path).
 */
export function packedModuleSpec(): string {
  const distDir = path.join(ROOT, 'dist', 'js');
  const tarballs = fs.existsSync(distDir) ? fs.readdirSync(distDir).filter((f) => /^projen-gitops@.*\.jsii\.tgz$/.test(f)) : [];
  if (tarballs.length !== 1) {
    throw new Error(`expected one packed module in ${distDir}, found ${tarballs.length}; run \`npx projen build\` (or \`npx projen compile && npx projen package:js\`) first`);
  }
  const bytes = fs.readFileSync(path.join(distDir, tarballs[0]));
  const digest = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), 'projen-gitops-packs');
  fs.mkdirSync(dir, { recursive: true });
  const target = path.join(dir, `projen-gitops-${digest}.tgz`);
  if (!fs.existsSync(target)) fs.writeFileSync(target, bytes);
  return `projen-gitops@file:${target}`;
}

/** Runs a command, returns its result; never throws. */
export function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(command, args, {
    cwd,
    encoding: 'utf-8',
    env: userEnv(env),
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** The environment a user's shell would have: jest's NODE_ENV=test silences projen's log. */
export function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20', ...extra };
  delete env.NODE_ENV;
  return env;
}

/**
 * `projen new --from <spec>` in `dir` (created; must be empty), the way the
 * `projen-gitops new` command does it. Extra arguments become project options (`--port 3000`).
 */
export async function bootstrap(dir: string, spec: string, extraArgs: string[] = []): Promise<CreateResult> {
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
    throw new Error(`${dir} exists and is not empty; pass a new path (nothing was changed)`);
  }
  return createRepository(dir, { spec, optionArgs: extraArgs });
}
