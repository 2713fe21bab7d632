/**
 * Reading an environment's hold (`hold:` in its images.yaml) at a git ref: what `promote`
 * checks before it opens a pull request into the environment.
 */
import { Hold } from '../model/hold';
import { IMAGES_FILE_LIMIT, parseImagesText } from '../model/images-file';

/** The hold in `file` at `ref`, if any; a file synth would refuse is thrown as `fail(message)`. */
export function holdAt(git: (...args: string[]) => string, ref: string, file: string, fail: (message: string) => Error): Hold | undefined {
  let size: number;
  try {
    size = Number(git('cat-file', '-s', `${ref}:${file}`).trim());
  } catch {
    return undefined; // no file at that ref: nothing pinned, nothing held
  }
  if (!(size <= IMAGES_FILE_LIMIT)) throw fail(`${file} at ${ref} holds ${size} bytes, more than the ${IMAGES_FILE_LIMIT} an images.yaml may have`);
  const read = parseImagesText(git('show', `${ref}:${file}`));
  if (read.problem !== undefined) throw fail(`${file} at ${ref} ${read.problem.replace('<file>', file)}`);
  return read.hold;
}

/** What `promote` says when it stops at a hold: which, since when, by whom, why, and how to lift it. */
export function heldMessage(env: string, hold: Hold): string {
  return `::warning title=${env} is held::${env} is held since ${hold.since} by ${hold.by} (${hold.reason}): no promotion into ${env} until the hold is lifted; run \`projen-gitops promote --release-hold ${env}\` and merge its pull request`;
}
