/**
 * The base and build images pinned by digest: `base-images.lock.yaml`, written by automation
 * (the `pin-base-images` workflow resolves each tag with crane and opens a pull request). The one
 * home of the digests: the Dockerfiles read `pinned(ref)`; synth never invents a digest, so a
 * tag without one in the lock is built from the tag until the workflow sets it (the README says so).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Component, Project } from 'projen';
import { parseDocument, stringify } from 'yaml';
import { describeFile, FileOwner } from '../core/file-catalog';
import { addValidation, Problem } from '../core/validation';

export const BASE_IMAGES_LOCK = 'base-images.lock.yaml';
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** The lock's text for `refs` and their digests (empty: not resolved yet). */
export function lockText(digests: Record<string, string>): string {
  const refs = Object.keys(digests).sort();
  return [
    '# The digest each base and build image tag resolves to: written by automation (the pin-base-images',
    '# workflow, `projen-gitops pin-bases`, opens a pull request when a tag moves). synth reads this file',
    '# and never overwrites it; Dockerfiles use `tag@digest`, and the tag alone while its digest is empty.',
    stringify({ images: Object.fromEntries(refs.map((r) => [r, { digest: digests[r] ?? '' }])) }, { lineWidth: 0 }).trimEnd(),
    '',
  ].join('\n');
}

/** Each ref's digest in a lock file's text ('' when not resolved), and the lines that are not digests. */
export function parseLock(text: string): { digests: Record<string, string>; problems: string[] } {
  const doc = parseDocument(text);
  const images: any = doc.toJS()?.images ?? {};
  const digests: Record<string, string> = {};
  const problems: string[] = [];
  for (const [ref, entry] of Object.entries<any>(images)) {
    const digest = String(entry?.digest ?? '');
    if (digest && !DIGEST.test(digest)) problems.push(`${ref}: the digest must be sha256:<64 hex digits> or empty, got ${JSON.stringify(digest)}`);
    digests[ref] = DIGEST.test(digest) ? digest : '';
  }
  return { digests, problems };
}

export class BaseImageLock extends Component {
  public static of(project: Project): BaseImageLock | undefined {
    return project.components.find((c): c is BaseImageLock => c instanceof BaseImageLock);
  }

  private readonly refs = new Set<string>();
  private read?: ReturnType<typeof parseLock>;

  constructor(project: Project) {
    super(project);
    describeFile(project, {
      path: BASE_IMAGES_LOCK,
      owner: FileOwner.AUTOMATION,
      purpose: 'The digest each base and build image tag resolves to; the Dockerfiles build FROM `tag@digest` (OpenSSF Scorecard Pinned-Dependencies). Written by the pin-base-images workflow\'s pull requests; synth reads it and never overwrites it.',
      change: 'Merge the pin-base-images pull request (Actions > pin-base-images runs it weekly or by hand). An edit by hand is allowed and is not a drift.',
    });
    addValidation(project, () => this.lock().problems.map((message): Problem => ({ option: BASE_IMAGES_LOCK, message: `${message}; run \`npx projen-gitops pin-bases\` or empty it` })));
  }

  /** A tag the Dockerfiles build from (registered by the images before synth). */
  public use(ref: string): void {
    if (ref && !ref.includes('@')) this.refs.add(ref);
  }

  /** `ref@digest` when the lock has the digest, else `ref` (never an invented digest). */
  public pinned(ref: string): string {
    const digest = this.lock().digests[ref];
    return digest ? `${ref}@${digest}` : ref;
  }

  /** The tags in use without a digest in the lock. */
  public get unpinned(): string[] {
    return [...this.refs].filter((r) => !this.lock().digests[r]).sort();
  }

  preSynthesize() {
    this.read = undefined;
  }

  synthesize() {
    const target = path.join(this.project.outdir, BASE_IMAGES_LOCK);
    if (fs.existsSync(target) || this.refs.size === 0) return;
    fs.writeFileSync(target, lockText(Object.fromEntries([...this.refs].map((r) => [r, '']))));
  }

  private lock(): ReturnType<typeof parseLock> {
    if (!this.read) {
      const file = path.join(this.project.outdir, BASE_IMAGES_LOCK);
      this.read = fs.existsSync(file) ? parseLock(fs.readFileSync(file, 'utf-8')) : { digests: {}, problems: [] };
    }
    return this.read;
  }
}
