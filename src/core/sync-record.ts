/**
 * The sync record (`.projen/gitops-state.json`): what synth last wrote. It is read strictly
 * and fails safe: a corrupt, truncated, conflicted, wrong-shape or tampered record stops synth
 * before anything is written, with the one command that recovers. It is valid JSON with one
 * entry per line, sorted, between a fixed first and last line, and `.gitattributes` merges it
 * with git's built-in `union` driver: two branches that changed different files merge
 * cleanly, and where both changed one file both hashes are kept (a file matching either is
 * generated content). Paths in it are confined to the repository before any use.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const STATE_FILE = '.projen/gitops-state.json';
export const LOCK_FILE = '.projen/gitops.lock';
/**
 * The write-ahead journal of a synth: the sha256 of every managed file's new content, appended
 * before projen writes the file, deleted once the record is written. Left behind, it names what
 * an interrupted (killed, crashed) synth may have written. Git ignores it (`*.log`).
 */
export const JOURNAL_FILE = '.projen/gitops-intent.log';
/** `rebuild` or `union`: how to recover from a broken record (see RecordError). */
export const RECORD_VARIABLE = 'PROJEN_GITOPS_RECORD';
const VERSION = 2;
const FIRST_LINE_PREFIX = `{"version": ${VERSION}, "about": `;
const ABOUT = 'What projen-gitops synth last wrote, one entry per line (git merges it with merge=union). Never edit it; docs/getting-started.md says how to recover a broken one.';
const LAST_LINE = 'null]}';

/** What synth last wrote. */
export interface SyncRecord {
  /** Per managed file, the sha256 of every version synth wrote (two after a union merge). */
  readonly managed: Map<string, Set<string>>;
  readonly seeded: Set<string>;
  readonly handedOver: Set<string>;
  /**
   * No trustworthy record (none, or rebuilt on request): every managed file that differs
   * from what synth writes now counts as a hand edit.
   */
  readonly conservative: boolean;
  /** Read from the file (false before the first synth, or when rebuilt). */
  readonly fromFile: boolean;
}

export function emptyRecord(conservative: boolean, fromFile = false): SyncRecord {
  return { managed: new Map(), seeded: new Set(), handedOver: new Set(), conservative, fromFile };
}

/** Thrown when the sync record cannot be trusted; nothing has been written. */
export class RecordError extends Error {
  constructor(message: string) {
    super(message);
    this.stack = `${this.name}: ${message}`;
  }
}
RecordError.prototype.name = 'RecordError';

/** Thrown when another synth holds the lock. */
export class LockError extends Error {
  constructor(message: string) {
    super(message);
    this.stack = `${this.name}: ${message}`;
  }
}
LockError.prototype.name = 'LockError';

const REBUILD_HELP = [
  'To recover, run:',
  `  ${RECORD_VARIABLE}=rebuild npx projen`,
  'It sets the broken record aside in .gitops-backups/ and trusts nothing in it: every managed file that',
  'differs from what synth writes now is treated as a hand edit (synth stops and lists it, as for any edit),',
  'so no edit can be lost. A seed you deleted may be written again; synth lists it as `seeded`.',
  `(If the committed record is intact, \`git checkout HEAD -- ${STATE_FILE}\` also recovers.)`,
].join('\n');

function broken(problem: string, details: string[] = []): RecordError {
  return new RecordError([
    `projen-gitops: the sync record ${STATE_FILE} ${problem}; synth stopped before writing anything.`,
    ...details.map((d) => `  ${d}`),
    'Without a trustworthy record hand edits cannot be told from generated content.',
    REBUILD_HELP,
  ].join('\n'));
}

const MARKER = /^(<{7}|={7}|>{7}|\|{7})(\s|$)/;

/**
 * Why a path from the record (or any repository-relative path) is unsafe, or `undefined`:
 * it must be relative, normalized, inside the repository, and not reach outside through a
 * symbolic link (checked with realpath against the repository's).
 */
export function pathProblem(root: string, file: unknown): string | undefined {
  return new PathChecks(root).problem(file);
}

/**
 * `pathProblem` for many paths under one root: each folder is looked at once (lstat, exists,
 * realpath) and its answer reused for the files in it, where a check per file looked at every
 * folder above it again. The answers hold while nothing on disk changes: use one for a pass
 * over the paths (reading the record, reading the files it lists), not across writes.
 */
export class PathChecks {
  private realRoot?: string | null;
  /** Per absolute path: a dangling symbolic link on the way from the root, and the realpath of the deepest existing one. */
  private readonly seen = new Map<string, { dangling: boolean; real: string }>();

  constructor(private readonly root: string) {}

  /** Why `file` is unsafe, or `undefined` (see `pathProblem`). */
  public problem(file: unknown): string | undefined {
    if (typeof file !== 'string' || file.length === 0) return `is not a path: ${JSON.stringify(file)}`;
    const shown = JSON.stringify(file);
    if (/[\0\r\n\\]/.test(file)) return `${shown} contains a NUL, a line break or a backslash`;
    if (path.posix.isAbsolute(file) || path.win32.isAbsolute(file)) return `${shown} is an absolute path`;
    if (file.split('/').includes('..')) return `${shown} leaves the repository ('..')`;
    if (path.posix.normalize(file) !== file || file.startsWith('./') || file.endsWith('/')) return `${shown} is not a normalized relative path`;
    if (this.realRoot === undefined) this.realRoot = fs.existsSync(this.root) ? fs.realpathSync(this.root) : null;
    if (this.realRoot === null) return undefined; // nothing on disk yet, so no link to follow
    const realRoot = this.realRoot;
    const { dangling, real } = this.facts(path.join(this.root, file));
    // A dangling symbolic link does not "exist"; its target could still be created outside.
    if (dangling) return `${shown} goes through a dangling symbolic link`;
    if (real !== realRoot && !real.startsWith(realRoot + path.sep)) return `${shown} leads outside the repository through a symbolic link (to ${real})`;
    return undefined;
  }

  private facts(target: string): { dangling: boolean; real: string } {
    if (target === this.root) return { dangling: false, real: this.realRoot as string };
    const known = this.seen.get(target);
    if (known) return known;
    const parent = this.facts(path.dirname(target));
    // One lstat for an entry that is no link (most): it exists; a link exists if its target does.
    const stat = fs.lstatSync(target, { throwIfNoEntry: false });
    const link = stat?.isSymbolicLink() ?? false;
    const exists = stat !== undefined && (!link || fs.existsSync(target));
    // An existing entry that is no link resolves under its folder's realpath; a missing one
    // leaves the deepest existing folder's.
    const real = !exists ? parent.real : link ? fs.realpathSync(target) : path.join(parent.real, path.basename(target));
    const facts = { dangling: parent.dangling || (link && !exists), real };
    this.seen.set(target, facts);
    return facts;
  }
}

/** The absolute path of a repository-relative path, after `pathProblem` found nothing wrong. */
export function confined(root: string, file: string, what: string, fromRecord = true, checks = new PathChecks(root)): string {
  const problem = checks.problem(file);
  if (problem) {
    const help = fromRecord ? `\n${REBUILD_HELP}` : ' Keep generated files inside the repository (no symbolic link out of it).';
    throw new RecordError(`projen-gitops: refusing to touch ${what} ${problem}; synth stopped before writing anything.${help}`);
  }
  return path.join(root, file);
}

/**
 * Reads the record under `root`. `mode` is the recovery asked for (`PROJEN_GITOPS_RECORD`):
 * `rebuild` ignores the record, `union` keeps both sides of a merge conflict. `writes` tells the
 * files synth writes now (a link there is the file on disk, not a tampered record).
 */
export function readRecord(root: string, mode = process.env[RECORD_VARIABLE] ?? '', writes: (file: string) => boolean = () => false): SyncRecord {
  if (mode !== '' && mode !== 'rebuild' && mode !== 'union') {
    throw new RecordError(`projen-gitops: ${RECORD_VARIABLE} must be 'rebuild' or 'union', got ${JSON.stringify(mode)}; unset it for a normal synth`);
  }
  const file = path.join(root, STATE_FILE);
  const stat = fs.lstatSync(file, { throwIfNoEntry: false });
  if (mode === 'rebuild') return emptyRecord(true);
  if (!stat) {
    // No record where projen already wrote files (deleted, or a guard added later): trust nothing.
    return emptyRecord(fs.existsSync(path.join(root, '.projen', 'files.json')));
  }
  if (stat.isSymbolicLink() || !stat.isFile()) throw broken('is not a regular file (a symbolic link or a folder)');
  const text = fs.readFileSync(file, 'utf-8');
  let lines = text.split('\n');
  const markers = lines.map((line, i) => (MARKER.test(line) ? i + 1 : 0)).filter((n) => n > 0);
  if (markers.length > 0) {
    if (mode !== 'union') {
      throw new RecordError([
        `projen-gitops: the sync record ${STATE_FILE} has unresolved merge conflict markers (line${markers.length === 1 ? '' : 's'} ${markers.join(', ')}); synth stopped before writing anything.`,
        'Each line of the record is one entry and both sides of the conflict are right: keep both. Run:',
        `  ${RECORD_VARIABLE}=union npx projen`,
        'It keeps every entry of both sides and writes a clean record: a file matching either side\'s generated',
        'version is generated content, any other content is a hand edit (synth stops and lists it), and a seed',
        'deleted on either side stays deleted, so no edit can be lost. Commit the record with the merge.',
        '(.gitattributes merges this file with merge=union, so this happens only where that is missing.)',
      ].join('\n'));
    }
    lines = lines.filter((line) => !MARKER.test(line));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(lines.join('\n'));
  } catch (error) {
    const truncated = text.trim() === '' || !text.trimEnd().endsWith(LAST_LINE);
    throw broken(truncated ? 'is truncated (empty, or cut off before its last line)' : 'is not valid JSON', [(error as Error).message.replace(/\s+/g, ' ')]);
  }
  return parseRecord(root, parsed, writes);
}

function parseRecord(root: string, parsed: unknown, writes: (file: string) => boolean): SyncRecord {
  const expected = `an object {"version": ${VERSION}, "about": ..., "entries": [...]}`;
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw broken('has the wrong shape', [`expected ${expected}, got ${describe(parsed)}`]);
  }
  const object = parsed as Record<string, unknown>;
  const problems: string[] = [];
  const keys = Object.keys(object).sort();
  if (keys.join() !== 'about,entries,version') problems.push(`expected exactly the keys about, entries, version; got ${keys.join(', ') || 'none'}`);
  if (object.version !== VERSION) problems.push(`version: expected ${VERSION}, got ${describe(object.version)}`);
  if (typeof object.about !== 'string') problems.push(`about: expected a string, got ${describe(object.about)}`);
  const record = emptyRecord(false, true);
  const entries = object.entries;
  const checks = new PathChecks(root);
  if (!Array.isArray(entries)) {
    problems.push(`entries: expected an array ending in null, got ${describe(entries)}`);
  } else {
    if (entries.length === 0 || entries[entries.length - 1] !== null) problems.push('entries: expected the last entry to be null (the record is cut off or edited)');
    entries.slice(0, -1).forEach((entry, i) => {
      const where = `entries[${i}]`;
      if (!Array.isArray(entry)) return problems.push(`${where}: expected ["managed", path, sha256], ["seeded", path] or ["handed-over", path], got ${describe(entry)}`);
      const [kind, file, hash] = entry;
      const arity = kind === 'managed' ? 3 : 2;
      if (!['managed', 'seeded', 'handed-over'].includes(kind) || entry.length !== arity) {
        return problems.push(`${where}: expected ["managed", path, sha256], ["seeded", path] or ["handed-over", path], got ${JSON.stringify(entry)}`);
      }
      const problem = checks.problem(file);
      if (problem) return problems.push(`${where}: path ${problem}`);
      if (kind === 'managed') {
        if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) return problems.push(`${where}: expected a sha256 (64 lowercase hex digits), got ${describe(hash)}`);
        const hashes = record.managed.get(file) ?? new Set<string>();
        record.managed.set(file, hashes.add(hash));
      } else if (kind === 'seeded') {
        record.seeded.add(file);
      } else {
        record.handedOver.add(file);
      }
      return undefined;
    });
  }
  // A path that is fine as text but goes through a symbolic link is the file on disk, not the
  // record: the record is intact, and rebuilding it would meet the same link.
  // Only for files synth writes now: a link named by the record alone is still a tampered record.
  const linked = problems.filter((p) => {
    const match = /^entries\[\d+\]: path (".*?") (leads outside the repository through|goes through a dangling) a? ?symbolic link/.exec(p);
    return match !== null && writes(JSON.parse(match[1]));
  });
  if (problems.length > 0 && linked.length === problems.length) {
    const files = linked.map((p) => JSON.parse(/path (".*?") /.exec(p)![1]) as string);
    throw new RecordError([
      `projen-gitops: ${files.length === 1 ? 'a file' : 'files'} synth writes ${files.length === 1 ? 'is a symbolic link' : 'are symbolic links'} out of the repository (or to nothing); synth stopped before writing anything, and follows no link out:`,
      ...linked.map((p) => `  ${p.replace(/^entries\[\d+\]: path /, '')}`),
      'The sync record is fine. Replace each link with the file itself: copy in what it points to if that holds your edits',
      `(then synth shows them as hand edits), or remove it and let synth write it again: rm ${files.map((f) => `'${f}'`).join(' ')} && npx projen`,
    ].join('\n'));
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 10);
    if (problems.length > shown.length) shown.push(`... and ${problems.length - shown.length} more`);
    throw broken(problems.some((p) => /path /.test(p)) ? 'names paths synth must not touch (tampered?)' : 'has the wrong shape', shown);
  }
  return record;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The record as written: one entry per line, sorted, between fixed first and last lines. */
export function serializeRecord(record: SyncRecord): string {
  const entries: string[] = [];
  for (const file of [...record.handedOver].sort()) entries.push(JSON.stringify(['handed-over', file]));
  for (const [file, hashes] of [...record.managed].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    for (const hash of [...hashes].sort()) entries.push(JSON.stringify(['managed', file, hash]));
  }
  for (const file of [...record.seeded].sort()) entries.push(JSON.stringify(['seeded', file]));
  return [`${FIRST_LINE_PREFIX}${JSON.stringify(ABOUT)}, "entries": [`, ...entries.map((e) => `${e},`), LAST_LINE, ''].join('\n');
}

/**
 * Writes a file atomically: a temporary file in the same folder, then a rename, so a crash or
 * a concurrent reader never sees half a file.
 */
export function writeFileAtomic(target: string, content: string | Uint8Array, mode?: number) {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    fs.writeFileSync(temp, content, { mode: mode ?? 0o644, flag: 'wx' });
    fs.renameSync(temp, target);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}

const JOURNAL_HEADER = `${JSON.stringify({ journal: 1, about: 'What an unfinished projen-gitops synth was writing: one ["managed", path, sha256] per line. Deleted when synth finishes.' })}\n`;
const JOURNAL_ENTRY = /^\["managed",("(?:[^"\\]|\\.)*"),"([0-9a-f]{64})"\]$/;

/**
 * The journal an unfinished synth left (`JOURNAL_FILE`): per path, the hashes of the content it
 * was writing; `undefined` when there is none (the last synth finished, or it never wrote). Lines
 * that are not entries are skipped: a missing entry can only make a file count as edited.
 */
export function readJournal(root: string): Map<string, Set<string>> | undefined {
  const file = path.join(root, JOURNAL_FILE);
  if (!fs.lstatSync(file, { throwIfNoEntry: false })?.isFile()) return undefined;
  const journal = new Map<string, Set<string>>();
  for (const line of fs.readFileSync(file, 'utf-8').split('\n')) {
    const match = JOURNAL_ENTRY.exec(line);
    if (!match) continue;
    const entry: unknown = JSON.parse(match[1]);
    if (typeof entry !== 'string') continue;
    journal.set(entry, (journal.get(entry) ?? new Set<string>()).add(match[2]));
  }
  return journal;
}

/**
 * Appends to the journal (created with its header when missing), never through a symbolic
 * link. The line is on disk, as far as a killed process goes, before the call returns.
 */
export function appendJournal(root: string, entries: Array<[string, string]>) {
  const file = path.join(root, JOURNAL_FILE);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let fd: number;
  try {
    // eslint-disable-next-line no-bitwise
    fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOOP') throw error;
    throw new RecordError(`projen-gitops: refusing to write the synth journal ${JOURNAL_FILE}: it is a symbolic link; synth stopped before writing any file. Remove the link (rm ${JOURNAL_FILE}) and run \`npx projen\` again.`);
  }
  try {
    const text = entries.map(([entry, hash]) => `${JSON.stringify(['managed', entry, hash])}\n`).join('');
    fs.writeSync(fd, fs.fstatSync(fd).size === 0 ? JOURNAL_HEADER + text : text);
  } finally {
    fs.closeSync(fd);
  }
}

/** Deletes the journal: the record now says what synth wrote. */
export function removeJournal(root: string) {
  fs.rmSync(path.join(root, JOURNAL_FILE), { force: true });
}

/** Who held a lock. */
export interface LockInfo {
  readonly pid: number;
  readonly host: string;
  readonly started: string;
}

const held = new Set<string>();
let exitHookInstalled = false;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // An ended process whose parent has not reaped it yet (a zombie, state Z) holds nothing.
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf-8'));
  } catch {
    return true; // no /proc (macOS): the signal answered, so it runs
  }
}

function readLock(file: string): LockInfo | undefined {
  try {
    const info = JSON.parse(fs.readFileSync(file, 'utf-8'));
    return Number.isInteger(info?.pid) && typeof info.host === 'string' ? info : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes `.projen/gitops.lock` for this process, so two synths of one repository never
 * interleave. A lock left by another process that no longer runs (on this machine) is taken
 * over: that synth was interrupted (killed), and its holder is returned.
 */
export function acquireLock(root: string): LockInfo | undefined {
  const file = path.join(root, LOCK_FILE);
  if (held.has(file)) return undefined;
  let interrupted: LockInfo | undefined;
  const info: LockInfo = { pid: process.pid, host: os.hostname(), started: new Date().toISOString() };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    // The lock appears complete or not at all: written aside, then hard-linked into place.
    const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(temp, `${JSON.stringify(info)}\n`);
    try {
      fs.linkSync(temp, file);
      held.add(file);
      if (!exitHookInstalled) {
        exitHookInstalled = true;
        process.once('exit', () => {
          for (const lock of held) fs.rmSync(lock, { force: true });
        });
      }
      return interrupted;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      fs.rmSync(temp, { force: true });
    }
    const owner = readLock(file);
    // This process's own lock is left over from a synth that failed (synth is synchronous).
    const stale = owner === undefined || owner.pid === process.pid || (owner.host === os.hostname() && !alive(owner.pid));
    if (!stale || attempt > 0) {
      throw new LockError([
        `projen-gitops: another synth of this repository is running (${LOCK_FILE}: pid ${owner?.pid} on ${owner?.host}, started ${owner?.started}); nothing was written.`,
        'Wait for it to finish and run `npx projen` again. If no such process runs (e.g. it was on another machine), remove the lock:',
        `  rm ${LOCK_FILE}`,
      ].join('\n'));
    }
    if (owner !== undefined && owner.pid !== process.pid) interrupted = owner;
    fs.rmSync(file, { force: true });
  }
  return undefined; // not reached: the second attempt takes the lock or throws
}

/**
 * Puts back the lock of an interrupted synth that this one took over and then stopped before
 * writing anything: the next synth learns again that files may be that synth's. Nothing when
 * a lock exists (another synth took it meanwhile).
 */
export function restoreInterruptedLock(root: string, holder: LockInfo) {
  const file = path.join(root, LOCK_FILE);
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(holder)}\n`);
  try {
    fs.linkSync(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

/** Gives the lock back (nothing when this process does not hold it). */
export function releaseLock(root: string) {
  const file = path.join(root, LOCK_FILE);
  if (!held.delete(file)) return;
  if (readLock(file)?.pid === process.pid) fs.rmSync(file, { force: true });
}
