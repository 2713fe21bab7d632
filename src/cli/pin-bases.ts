/**
 * `projen-gitops pin-bases`: resolves every tag in `base-images.lock.yaml` to the digest its
 * registry serves now (`crane digest`: the digest of the index for a multi-platform tag, as a
 * `FROM tag@digest` pins it) and rewrites the lock. The pin-base-images workflow runs it, then
 * `npx projen` (the Dockerfiles follow), and opens a pull request when something moved.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { BASE_IMAGES_LOCK, lockText, parseLock } from '../model/base-images';

export class PinBasesError extends Error {}

export interface PinBasesOptions {
  readonly cwd: string;
  /** Plain HTTP registries (tests against a local registry only). */
  readonly insecure?: boolean;
  /** The crane binary. */
  readonly crane?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
}

/** Resolves each tag of the lock; returns the tags whose digest changed. */
export function pinBases(options: PinBasesOptions): string[] {
  const log = options.log ?? ((line: string) => console.log(line));
  const file = path.join(options.cwd, BASE_IMAGES_LOCK);
  if (!fs.existsSync(file)) throw new PinBasesError(`${BASE_IMAGES_LOCK} is missing; run \`npx projen\` first (it lists the base images)`);
  const { digests } = parseLock(fs.readFileSync(file, 'utf-8'));
  const next: Record<string, string> = {};
  const changed: string[] = [];
  for (const ref of Object.keys(digests).sort()) {
    const result = spawnSync(options.crane ?? 'crane', ['digest', ...(options.insecure ? ['--insecure'] : []), ref], { encoding: 'utf-8', env: options.env ?? process.env, timeout: 120_000 });
    const digest = (result.stdout ?? '').trim();
    if (result.status !== 0 || !/^sha256:[0-9a-f]{64}$/.test(digest)) {
      throw new PinBasesError(`crane digest ${ref} failed (${(result.stderr || result.error?.message || digest || `exit ${result.status}`).trim().split('\n').pop()}); nothing was written`);
    }
    next[ref] = digest;
    if (digest !== digests[ref]) {
      changed.push(ref);
      log(`${ref}: ${digests[ref] || '(tag only)'} -> ${digest}`);
    }
  }
  if (changed.length > 0) fs.writeFileSync(file, lockText(next));
  else log('every base image digest is current');
  return changed;
}
