/**
 * `deploy/environments/<env>/images.yaml`, the file automation writes (the image digest each
 * service runs in an environment), read strictly: synth and `projen-gitops promote` read it
 * with this one parser, so both see what helm sees.
 */
import * as fs from 'fs';
import * as path from 'path';
import { isAlias, isMap, isPair, isScalar, parseDocument, visit } from 'yaml';
import { pathProblem } from '../core/sync-record';
import { checkHold, Hold } from '../model/hold';

/** An image digest in values and images.yaml: `sha256:` and 64 hex digits, or empty (no digest pinned yet). */
export const DIGEST_PATTERN = '^(sha256:[a-f0-9]{64})?$';

/**
 * The largest images.yaml read, in bytes (checked before parsing: parsing is not linear, and a
 * thousand services take about 100 kB).
 */
export const IMAGES_FILE_LIMIT = 256 * 1024;

/** A service's entry: its digest (empty: the fallback tag) and the commit it was built from (the `# commit` comment). */
export interface ImagesEntry {
  readonly digest: string;
  readonly commit?: string;
}

/** What reading images.yaml gives: its entries, or the problem. */
export type ImagesRead = { images: Record<string, ImagesEntry>; hold?: Hold; problem?: undefined } | { problem: string };

/** Text from the file, shown in a message: one line, at most `max` characters. */
export function shown(value: unknown, max = 120): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  const line = text.replace(/\s*\r?\n\s*/g, ' ');
  return JSON.stringify(line.length > max ? `${line.slice(0, max)}...` : line);
}

/**
 * Parses images.yaml's text. `services`, when given, are the only keys allowed. Returns the
 * entries, or the problem (a message without the file name, with a fix).
 */
export function parseImagesText(text: string, services?: readonly string[]): ImagesRead {
  if (text.length > IMAGES_FILE_LIMIT) return { problem: `holds ${text.length} characters, more than the ${IMAGES_FILE_LIMIT} an images.yaml may have; it holds one digest per service: put it back with \`git checkout -- <file>\`` };
  // A tab where indentation goes: YAML indents with spaces only, and helm's reader refuses the
  // file (the fuzz test found a tab before a comment that synth's reader let through).
  const tabbed = text.split(/\r?\n/).findIndex((line) => /^ *\t/.test(line));
  if (tabbed >= 0) return { problem: `has a tab at the start of line ${tabbed + 1}: YAML indents with spaces only (helm refuses it); replace the tab with spaces` };
  // YAML 1.2 with '<<' as a plain key: helm (YAML 1.1) would merge it, so it is refused below.
  const doc = parseDocument(text, { merge: false, uniqueKeys: true, prettyErrors: false, version: '1.2' });
  const error = doc.errors[0];
  if (error) return { problem: `is not valid YAML (${shown(error.message.split('\n')[0], 200)}); fix it, or delete it to have it written again with empty digests` };
  // Anchors, aliases, merge keys and tags are read differently by helm's YAML 1.1 and by synth.
  let special: string | undefined;
  visit(doc, {
    Alias(_key, node) {
      special = `an alias (*${shown(node.source, 40).slice(1, -1)})`;
      return visit.BREAK;
    },
    Node(_key, node) {
      if (node.anchor) special = `an anchor (&${shown(node.anchor, 40).slice(1, -1)})`;
      else if (node.tag && !isAlias(node)) special = `a tag (${shown(node.tag, 40).slice(1, -1)})`;
      return special ? visit.BREAK : undefined;
    },
    Pair(_key, pair) {
      if (isScalar(pair.key) && pair.key.value === '<<') {
        special = 'a merge key (<<)';
        return visit.BREAK;
      }
      return undefined;
    },
  });
  if (special) return { problem: `uses ${special}: helm and synth would read it differently; write each service's digest out in full, as 'images: { orders: { digest: "sha256:..." } }'` };
  const root = doc.contents;
  const value: any = doc.toJS();
  if (value === null || value === undefined) {
    // Nothing but comments (and a document start) is an empty file to helm too; a bare '...' or 'null' is not.
    if (text.split(/\r?\n/).every((line) => /^ *(#.*)?$|^--- *(#.*)?$/.test(line))) return { images: {} };
    return { problem: `holds no map, got ${shown(text, 60)}; try 'images: { orders: { digest: "" } }'` };
  }
  // helm checks 'images' against the chart's schema: an object, never null.
  if (typeof value === 'object' && 'images' in value && (value.images === null || typeof value.images !== 'object')) {
    return { problem: `images must be a map of service to digest, got ${shown(value.images ?? null)}; try 'images: {}'` };
  }
  const images = value?.images ?? {};
  if (!isMap(root) || typeof value !== 'object' || Object.keys(value).some((k) => k !== 'images' && k !== 'hold') || typeof images !== 'object' || Array.isArray(images)) {
    return { problem: `must hold only 'images:' with a digest per service (and a 'hold:' while the environment is held), got ${shown(value)}; try 'images: { orders: { digest: "" } }'` };
  }
  // A hold (written by the rollback pull request): its own grammar, the one helm checks too.
  const holdProblem = 'hold' in value ? checkHold(value.hold) : undefined;
  if (holdProblem) return { problem: holdProblem };
  const pattern = new RegExp(DIGEST_PATTERN);
  const out: Record<string, ImagesEntry> = {};
  const imagesNode: any = root.get('images', true);
  for (const item of isMap(imagesNode) ? imagesNode.items : []) {
    if (!isPair(item) || !isScalar(item.key) || typeof item.key.value !== 'string') {
      return { problem: `images: every key must be a service name, got ${shown(isScalar(item.key) ? item.key.value : String(item.key))}` };
    }
    const service = item.key.value;
    const entry = images[service];
    const keys = entry && typeof entry === 'object' ? Object.keys(entry) : [];
    if (keys.length !== 1 || keys[0] !== 'digest' || typeof entry.digest !== 'string' || !pattern.test(entry.digest)) {
      return { problem: `images.${shown(service, 63).slice(1, -1)} must be { digest: 'sha256:<64 hex digits>' } or an empty digest, got ${shown(entry)}; try { digest: "" }` };
    }
    if (services && !services.includes(service)) {
      return { problem: `images.${shown(service, 63).slice(1, -1)} names no service of this repository (services: ${services.join(', ')}); rename the key to the service's name, or delete its entry (the service then runs its fallback tag)` };
    }
    const digestNode: any = isMap(item.value) ? item.value.get('digest', true) : undefined;
    const commit = /commit ([0-9a-f]{40})/.exec(String(digestNode?.comment ?? ''))?.[1];
    out[service] = { digest: entry.digest, ...(commit ? { commit } : {}) };
  }
  return { images: out, ...('hold' in value ? { hold: value.hold as Hold } : {}) };
}

/**
 * Reads an images.yaml of the repository at `root`: a regular file inside it (no symbolic
 * link), at most `IMAGES_FILE_LIMIT` bytes (checked before reading). `undefined` when missing.
 * `parse` reads the text (a caller that reads the same file again may pass one that remembers).
 */
export function readImagesFile(root: string, file: string, services?: readonly string[], parse = parseImagesText): ImagesRead | undefined {
  const target = path.join(root, file);
  // A name with a NUL byte, a line break or a backslash (an environment's, refused by its own
  // check: that is the one problem) names no file here.
  if (/[\0\r\n\\]/.test(file)) return undefined;
  const stat = fs.lstatSync(target, { throwIfNoEntry: false });
  if (!stat) {
    const outside = pathProblem(root, file);
    return outside ? { problem: outside } : undefined;
  }
  if (stat.isSymbolicLink()) return { problem: 'is a symbolic link: automation writes a regular file here; replace the link with the file itself (`git checkout -- <file>`, or delete it to have it written again with empty digests)' };
  if (!stat.isFile()) return { problem: 'is not a regular file; delete it to have it written again with empty digests' };
  const outside = pathProblem(root, file);
  if (outside) return { problem: outside };
  if (stat.size > IMAGES_FILE_LIMIT) return { problem: `holds ${stat.size} bytes, more than the ${IMAGES_FILE_LIMIT} an images.yaml may have; it holds one digest per service: put it back with \`git checkout -- ${file}\`` };
  return parse(fs.readFileSync(target, 'utf-8'), services);
}
