/** Which package `projen-gitops new` creates from when no `--from` is given. */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** This package's root (compiled code lives in `lib/cli/`). */
export const PACKAGE_ROOT = path.join(__dirname, '..', '..');

function readJson(file: string): any {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf-8'));
  } catch {
    return undefined;
  }
}

/** The packed tarball, copied to a path named by its digest (npm caches `file:` specs by path). */
function stableCopy(tarball: string, name: string): string {
  const bytes = fs.readFileSync(tarball);
  const dir = path.join(os.tmpdir(), `${name}-packs`);
  fs.mkdirSync(dir, { recursive: true });
  const target = path.join(dir, `${name}-${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}.tgz`);
  if (!fs.existsSync(target)) fs.writeFileSync(target, bytes);
  return target;
}

/**
 * The spec of this very package: `name@version` for a release (`npx projen-gitops@1.2.3`
 * creates from 1.2.3). An unreleased build (version 0.0.0) is on no registry, so it is found
 * where it is: the local tarball or folder npx/npm installed it from, or, in a checkout, the
 * tarball `npx projen build` packs. Otherwise it fails at once, with the `--from` to pass.
 */
export function ownSpec(root = PACKAGE_ROOT): string {
  const { name, version } = readJson(path.join(root, 'package.json'));
  if (version && version !== '0.0.0') return `${name}@${version}`;
  // Installed by `npx ./x.tgz` or `npm install ./x.tgz`: the installing package.json says from where.
  const parent = path.dirname(root);
  if (path.basename(parent) === 'node_modules') {
    const owner = path.dirname(parent);
    const from = readJson(path.join(owner, 'package.json'))?.dependencies?.[name];
    if (typeof from === 'string' && from.startsWith('file:')) return `${name}@file:${path.resolve(owner, from.slice('file:'.length))}`;
  }
  const checkout = fs.existsSync(path.join(root, '.projenrc.ts'));
  const dist = path.join(root, 'dist', 'js');
  const tarball = fs.existsSync(dist) ? fs.readdirSync(dist).find((f) => f.startsWith(`${name}@`) && f.endsWith('.tgz')) : undefined;
  if (checkout && tarball) return `${name}@file:${stableCopy(path.join(dist, tarball), name)}`;
  throw new Error(`this ${name} is an unreleased build (version ${version}, in ${root}) that no registry has; `
    + (checkout ? `run \`npx projen build\` in ${root} to pack it (then it is used), or pass ` : 'pass ')
    + `--from ${name}@file:/absolute/path/to/the/packed.tgz`);
}
