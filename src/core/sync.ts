/**
 * Sync without loss. Synth records what it wrote (a content hash per managed file, the seeds
 * it wrote, the files handed over) in `.projen/gitops-state.json` (see sync-record.ts), and
 * journals each new content's hash before the file is written (`.projen/gitops-intent.log`,
 * deleted with the record written), so the files an interrupted synth wrote are known. Before
 * anything is written, a managed file whose content no longer matches its record was edited by
 * hand: synth stops and says how to keep the change. Deleted seeds stay deleted. After synth,
 * it reports per file what changed, seeds included.
 */
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Component, ObjectFile, Project } from 'projen';
import { show } from './checks';
import { describedEntry, describedFiles, describeFile, FileOwner } from './file-catalog';
import { unifiedDiff } from './line-diff';
import { ManagedFile } from './managed-file';
import { afterAllPreSynthesize, ProjenAdapterError, renderFile, transformRendered } from './projen-adapter';
import {
  acquireLock, appendJournal, confined, JOURNAL_FILE, LOCK_FILE, LockInfo, PathChecks, readJournal, readRecord, RECORD_VARIABLE,
  RecordError, releaseLock, removeJournal, restoreInterruptedLock, serializeRecord, STATE_FILE, SyncRecord, writeFileAtomic,
} from './sync-record';
import { addValidation } from './validation';

export { STATE_FILE } from './sync-record';
export const FORCE_VARIABLE = 'PROJEN_GITOPS_FORCE';
export const BACKUP_DIR = '.gitops-backups';

/** Files whose edits are not policed: projen's own bookkeeping, and package.json, which npm edits. */
const UNWATCHED = new Set(['package.json', '.projen/files.json', '.projen/deps.json', '.projen/tasks.json', STATE_FILE]);

const records = new WeakMap<Project, SyncRecord>();

/** The record of the last synth, read and checked once per synth (throws when it is broken). */
function loadedRecord(project: Project): SyncRecord {
  let record = records.get(project);
  if (!record) {
    record = readRecord(project.outdir, undefined, (file) => project.tryFindFile(file) !== undefined);
    records.set(project, record);
  }
  return record;
}

/** Whether `target` is a regular file (through links): one stat, where existsSync and statSync took two. */
function isFile(target: string): boolean {
  try {
    return fs.statSync(target, { throwIfNoEntry: false })?.isFile() ?? false;
  } catch {
    return false; // what existsSync says of a path it cannot stat (a link loop, no permission)
  }
}

function sha256(content: Buffer | string): string {
  return createHash('sha256').update(content).digest('hex');
}

/**
 * A file written once, when it does not exist, then the user's. The contents are rendered
 * only when the file is actually written; a seed the user deleted stays deleted. Whether to
 * write is decided in preSynthesize, so a broken record stops synth before any file is written.
 */
class SeededFile extends Component {
  private write = false;
  /** Whether this synth wrote the file. */
  public written = false;

  constructor(project: Project, public readonly filePath: string, private readonly contents: () => string) {
    super(project);
  }

  preSynthesize() {
    const target = confined(this.project.outdir, this.filePath, 'the seed', false);
    this.write = false;
    if (fs.existsSync(target)) return;
    if (loadedRecord(this.project).seeded.has(this.filePath)) {
      this.project.logger.debug(`${this.filePath} was deleted after it was seeded: not written again`);
      return;
    }
    this.write = true;
  }

  synthesize() {
    if (!this.write) return;
    writeFileAtomic(path.join(this.project.outdir, this.filePath), this.contents());
    this.written = true;
  }
}

/** Writes a seeded file (only when it was never written before) and describes it. */
export function seedFile(project: Project, filePath: string, contents: () => string, purpose: string) {
  new SeededFile(project, filePath, contents);
  describeFile(project, {
    path: filePath,
    owner: FileOwner.SEEDED,
    purpose,
    change: 'Edit it directly: it is yours, and synth never writes it again (delete it and it stays deleted).',
  });
}

/** Thrown when managed files were edited by hand; nothing has been written. */
export class EditedFilesError extends Error {
  constructor(message: string) {
    super(message);
    this.stack = `${this.name}: ${message}\n    at .projenrc.ts`;
  }
}
EditedFilesError.prototype.name = 'EditedFilesError';

/** Options for `SyncGuard`. */
export interface SyncGuardOptions {
  /**
   * Managed files to hand over to you: synth stops writing them, and they are yours.
   * @default []
   */
  readonly handOver?: string[];
}

/**
 * Guards a project's managed files against silent overwrites and records what synth wrote.
 * `GitOpsProject` has one; call `recordSynth()` after `synth()` in other projects. It may be
 * added before or after the components whose files it guards.
 */
export class SyncGuard extends Component {
  /** The project's guard, if it has one. */
  public static of(project: Project): SyncGuard | undefined {
    return project.components.find((c): c is SyncGuard => c instanceof SyncGuard);
  }

  private readonly handOver: string[];
  /**
   * What the edit check read and hashed before synth, by path: the record after synth hashes
   * only the files whose bytes differ from these (the others are the same content).
   */
  private hashedBefore = new Map<string, { content: Buffer; hash: string }>();
  /**
   * What an unfinished earlier synth was writing (its journal), by path; while this synth
   * writes, its own entries join. `undefined`: the last synth finished.
   */
  private journal?: Map<string, Set<string>>;
  /** Whether an earlier synth left its journal (it did not finish). */
  private unfinished = false;
  /** Whether this synth is writing files (content rendered now is journaled). */
  private journaling = false;
  /** The holder of a lock left behind by a synth that was interrupted. */
  private interrupted?: LockInfo;

  constructor(project: Project, options: SyncGuardOptions = {}) {
    super(project);
    this.handOver = [...(options.handOver ?? [])];
    addValidation(project, () => [
      ...this.handOver
        .filter((file) => !project.tryFindFile(file))
        .map((file) => ({
          option: 'handOver',
          message: `lists ${show(file)}, which is not a file projen writes here; use one of the managed files listed in README.md (e.g. 'Dockerfile')`,
        })),
      ...this.handOver.flatMap((file) => {
        const reason = describedEntry(project, file)?.noHandOver;
        return reason ? [{ option: 'handOver', message: `lists ${show(file)}, which cannot be handed over: ${reason}; remove it from handOver and change .projenrc.ts instead` }] : [];
      }),
    ]);
    describeFile(project, {
      path: STATE_FILE,
      owner: FileOwner.MANAGED,
      purpose: 'What synth last wrote (a hash per managed file): how hand edits are detected. Commit it.',
      change: 'Never by hand; it follows every synth.',
    });
    // One entry per line: two branches' records merge as the union of their entries.
    project.gitattributes.addAttributes(`/${STATE_FILE}`, 'merge=union');
    project.gitignore.exclude(`/${LOCK_FILE}`);
  }

  /** Paths handed over (a copy). */
  public get handedOver(): string[] {
    return [...this.handOver];
  }

  preSynthesize() {
    const root = this.project.outdir;
    this.journaling = false;
    this.interrupted = acquireLock(root);
    try {
      records.delete(this.project); // read afresh on every synth
      loadedRecord(this.project);
      this.journal = readJournal(root);
      this.unfinished = this.journal !== undefined;
      // Edits are judged against what synth writes now, so after every component's wiring.
      afterAllPreSynthesize(this, () => this.guard());
    } catch (error) {
      this._releaseAfterFailure();
      throw error;
    }
  }

  private guard() {
    try {
      for (const file of this.handOver) {
        describeFile(this.project, {
          path: file,
          owner: FileOwner.SEEDED,
          purpose: 'Handed over to you (`handOver` in .projenrc.ts): synth no longer writes it.',
          change: 'Edit it directly. Remove it from `handOver` to have it generated again.',
        });
      }
      const edited = this.editedFiles();
      if (edited.length > 0) {
        if (!['1', 'true', 'yes'].includes((process.env[FORCE_VARIABLE] ?? '').toLowerCase())) {
          throw new EditedFilesError(this.explain(edited));
        }
        this.backUp(edited);
      }
      if (process.env[RECORD_VARIABLE] === 'rebuild' || process.env[RECORD_VARIABLE] === 'union') this.setAsideRecord();
      this.releaseHandedOver();
      this.startJournal();
    } catch (error) {
      this._releaseAfterFailure();
      throw error;
    }
  }

  /**
   * Gives the lock back when synth stops; a lock taken over from an interrupted synth is put
   * back (this synth recorded nothing either), so the next synth still knows files may be that
   * synth's.
   */
  /** @internal */
  public _releaseAfterFailure() {
    const root = this.project.outdir;
    releaseLock(root);
    if (this.interrupted) restoreInterruptedLock(root, this.interrupted);
  }

  /**
   * From here on projen writes files: each managed file's content, once rendered for writing,
   * has its hash appended to the journal unless the record or the journal already holds it
   * (an unchanged file adds nothing). The journal file itself is created now, so a synth
   * interrupted without one had written nothing yet.
   */
  private startJournal() {
    this.journal ??= new Map<string, Set<string>>();
    appendJournal(this.project.outdir, []);
    for (const file of this.project.files) {
      if (UNWATCHED.has(file.path)) continue;
      const filePath = file.path;
      transformRendered(file, 'sync-journal', (content) => {
        if (this.journaling) this.journalWrite(filePath, content);
        return content;
      });
    }
    this.journaling = true;
  }

  /** Journals `content` as about to be written to `file`, unless the record or journal knows it. */
  private journalWrite(file: string, content: string) {
    const journal = this.journal;
    if (!journal || this.handOver.includes(file)) return;
    const recorded = loadedRecord(this.project).managed.get(file);
    const known = (hash: string) => (recorded?.has(hash) ?? false) || (journal.get(file)?.has(hash) ?? false);
    // Unchanged content (most files) is not hashed again: the edit check read and hashed it.
    const earlier = this.hashedBefore.get(file);
    if (earlier && known(earlier.hash) && earlier.content.equals(Buffer.from(content))) return;
    const hash = sha256(content);
    if (known(hash)) return;
    appendJournal(this.project.outdir, [[file, hash]]);
    journal.set(file, (journal.get(file) ?? new Set<string>()).add(hash));
  }

  /**
   * Records what synth wrote and reports per file what changed. Call after `synth()`.
   */
  public recordSynth() {
    const outdir = this.project.outdir;
    this.journaling = false;
    try {
      const before = loadedRecord(this.project);
      const managed = new Map<string, Set<string>>();
      for (const file of this.project.files) {
        const target = path.join(outdir, file.path);
        if (UNWATCHED.has(file.path) || this.handOver.includes(file.path) || !fs.existsSync(target)) continue;
        const content = fs.readFileSync(target);
        const earlier = this.hashedBefore.get(file.path);
        managed.set(file.path, new Set([earlier?.content.equals(content) ? earlier.hash : sha256(content)]));
      }
      const seeds = describedFiles(this.project).filter((f) => f.owner === FileOwner.SEEDED && f.path !== '.projenrc.ts' && !this.handOver.includes(f.path));
      const seeded = new Set(before.seeded);
      for (const seed of seeds) if (fs.existsSync(path.join(outdir, seed.path))) seeded.add(seed.path);
      const record: SyncRecord = { managed, seeded, handedOver: new Set(this.handOver), conservative: false, fromFile: true };
      const text = serializeRecord(record);
      const file = path.join(outdir, STATE_FILE);
      if (!fs.existsSync(file) || fs.readFileSync(file, 'utf-8') !== text) writeFileAtomic(file, text);
      removeJournal(outdir); // the record now holds what synth wrote
      // `npx projen` exits 0 when the synth is killed (projen's task runner), so say it here.
      if (this.unfinished || this.interrupted) {
        const which = this.interrupted ? ` (pid ${this.interrupted.pid}, started ${this.interrupted.started})` : '';
        this.project.logger.warn(`An earlier synth${which} did not finish; the files it left are now as this synth writes them.`);
      }
      this.unfinished = false;
      this.journal = undefined;
      this.interrupted = undefined;
      records.set(this.project, record);
      this.report(before, record);
    } finally {
      this.hashedBefore = new Map();
      releaseLock(outdir);
    }
  }

  private report(before: SyncRecord, after: SyncRecord) {
    const lines: string[] = [];
    // Before the first synth (or after a rebuilt record) every file would read "created".
    if (before.fromFile) {
      for (const [file, hashes] of after.managed) {
        const old = before.managed.get(file);
        if (!old) lines.push(`created  ${file}`);
        else if (![...hashes].every((h) => old.has(h)) || old.size > 1) lines.push(`updated  ${file}`);
      }
      for (const file of before.managed.keys()) {
        if (!after.managed.has(file)) lines.push(after.handedOver.has(file) ? `handed over to you: ${file}` : `removed  ${file}`);
      }
    }
    // The first synth of a new repository writes every seed; later ones say which came.
    const seededNow = this.project.components.filter((c): c is SeededFile => c instanceof SeededFile && c.written);
    if (before.fromFile || before.conservative) for (const seed of seededNow) lines.push(`seeded   ${seed.filePath}`);
    for (const line of lines.sort((a, b) => a.slice(9).localeCompare(b.slice(9)))) this.project.logger.info(line);
  }

  /** Handed-over files leave projen's manifest, so its cleanup never deletes them. */
  private releaseHandedOver() {
    const outdir = this.project.outdir;
    const manifestPath = path.join(outdir, '.projen/files.json');
    const before = loadedRecord(this.project).handedOver;
    for (const file of this.handOver) {
      const target = confined(outdir, file, 'the handed-over file', false);
      if (!fs.existsSync(target)) {
        // Deleted after it was handed over: it stays deleted. Not handed over yet: written
        // one last time by this synth, then released on the next.
        if (before.has(file)) this.project.tryRemoveFile(file);
        continue;
      }
      this.project.tryRemoveFile(file);
      fs.chmodSync(target, 0o644); // writable: it is yours now
      if (fs.existsSync(manifestPath)) {
        let manifest: { files?: unknown };
        try {
          manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf-8'));
        } catch (error) {
          // projen's cleanup would then delete every file with its marker, handed over or not.
          throw new RecordError(`projen-gitops: projen's file list .projen/files.json is not valid JSON (${(error as Error).message}), so handed-over files cannot be protected from its cleanup; synth stopped before writing anything. Restore it with \`git checkout HEAD -- .projen/files.json\` and run \`npx projen\` again.`);
        }
        if (Array.isArray(manifest.files) && manifest.files.includes(file)) {
          manifest.files = manifest.files.filter((f: unknown) => f !== file);
          writeFileAtomic(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
        }
      }
    }
  }

  /**
   * Managed files whose content is neither what synth last wrote nor what it would write now
   * (the latter covers a record that went stale, e.g. merged from two branches), and files
   * taken back from the user. Without a trustworthy record, every file that differs from what
   * synth would write now.
   */
  private editedFiles(): string[] {
    this.hashedBefore = new Map();
    const record = loadedRecord(this.project);
    const outdir = this.project.outdir;
    const checks = new PathChecks(outdir);
    const read = (file: string) => {
      const target = confined(outdir, file, 'the recorded file', true, checks);
      return isFile(target) ? fs.readFileSync(target) : undefined;
    };
    const watched = (file: string) => !this.handOver.includes(file) && !UNWATCHED.has(file);
    const differs = (file: string, content: Buffer) => this.wouldWrite(file) !== content.toString('utf-8');
    // What an interrupted synth was writing is generated content, as what the record holds.
    const journaled = (file: string, hash: string) => this.journal?.get(file)?.has(hash) ?? false;
    const edited = new Set<string>();
    if (record.conservative) {
      for (const file of [...this.project.files.map((f) => f.path), ...this.manifestFiles()].filter(watched)) {
        const content = read(file);
        if (content && !journaled(file, sha256(content)) && differs(file, content)) edited.add(file);
      }
    }
    for (const [file, hashes] of record.managed) {
      if (!watched(file)) continue;
      const content = read(file);
      if (!content) continue;
      const hash = sha256(content);
      this.hashedBefore.set(file, { content, hash });
      if (!hashes.has(hash) && !journaled(file, hash) && differs(file, content)) edited.add(file);
    }
    // A file taken back (no longer in handOver) holds the user's work until it is backed up,
    // unless it already is what synth would write.
    for (const file of record.handedOver) {
      if (this.handOver.includes(file)) continue;
      const content = read(file);
      if (content && differs(file, content)) edited.add(file);
    }
    return [...edited].sort();
  }

  /** The files projen's manifest lists (which its cleanup may delete), those with safe paths. */
  private manifestFiles(): string[] {
    try {
      const manifest = JSON.parse(fs.readFileSync(path.join(this.project.outdir, '.projen/files.json'), 'utf-8'));
      const checks = new PathChecks(this.project.outdir);
      return (Array.isArray(manifest.files) ? manifest.files : []).filter((f: unknown) => checks.problem(f) === undefined);
    } catch {
      return [];
    }
  }

  private backUp(files: string[]) {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    for (const file of files) {
      const backup = `${BACKUP_DIR}/${stamp}/${file}`;
      const source = confined(this.project.outdir, file, 'the file to back up');
      writeFileAtomic(confined(this.project.outdir, backup, 'the backup', false), fs.readFileSync(source));
      this.project.logger.warn(`${file} was edited by hand; ${FORCE_VARIABLE} is set, so it is regenerated. Your version is in ${backup}`);
    }
  }

  /** Keeps the record being replaced (broken, or conflicted) next to the backups. */
  private setAsideRecord() {
    const source = path.join(this.project.outdir, STATE_FILE);
    const stat = fs.lstatSync(source, { throwIfNoEntry: false });
    if (!stat?.isFile()) return;
    const backup = `${BACKUP_DIR}/${new Date().toISOString().replace(/[:.]/g, '-')}/${STATE_FILE}`;
    writeFileAtomic(confined(this.project.outdir, backup, 'the backup', false), fs.readFileSync(source));
    this.project.logger.warn(`${RECORD_VARIABLE}=${process.env[RECORD_VARIABLE]}: the previous sync record is kept in ${backup}`);
  }

  private explain(files: string[]): string {
    const unproven = this.interrupted !== undefined && this.journal === undefined;
    const lines = [unproven
      ? `projen-gitops: ${files.length} managed file${files.length === 1 ? ' differs' : 's differ'} from what synth recorded, and an interrupted synth may have written ${files.length === 1 ? 'it' : 'them'}; synth stopped before writing anything.`
      : `projen-gitops: ${files.length} managed file${files.length === 1 ? ' was' : 's were'} edited by hand; synth stopped before writing anything:`];
    if (unproven) {
      const { pid, started } = this.interrupted!;
      const shown = files.map(shellWord).join(' ');
      lines.push(
        `The previous synth (pid ${pid}, started ${started}) was interrupted before it recorded what it wrote, and left no`,
        `journal (${JOURNAL_FILE}: it ran an older projen-gitops, or the file was removed), so the files it wrote cannot`,
        'be told from hand edits. If you did not edit them, put back the committed versions and synth again:',
        `  git diff -- ${shown}    (check that no change is yours)`,
        `  git checkout -- ${shown} && npx projen`,
        'If you did edit them, pick a way forward per file below.',
      );
    } else if (this.journal !== undefined) {
      lines.push(`(An earlier synth did not finish; the files it wrote are known from ${JOURNAL_FILE} and are not listed.)`);
    }
    for (const file of files) {
      lines.push('', `  ${file}`);
      const yours = fs.readFileSync(path.join(this.project.outdir, file), 'utf-8');
      const last = this.lastGenerated(file);
      const generated = last ?? this.wouldWrite(file);
      if (generated === undefined) lines.push('    (no generated copy to compare; `git diff` shows your change)');
      else lines.push(...unifiedDiff(generated, yours, [last !== undefined ? 'generated' : 'generated now', 'yours']).map((l) => `    ${l}`));
    }
    const first = files[0];
    const target = this.project.tryFindFile(first);
    // A text file projen-gitops writes (a chart template, rendered manifests, HCL) takes no override.
    const objectFile = target instanceof ObjectFile && !(target instanceof ManagedFile && !target.overridable);
    // Only files a required check does not compare with synth's output can be handed over.
    const handable = files.filter((f) => !describedEntry(this.project, f)?.noHandOver);
    const refused = files.filter((f) => !handable.includes(f));
    lines.push(
      '',
      'Ways forward (pick one per file):',
      `  1. Make the change in .projenrc.ts, then put the file back with \`git checkout -- ${first}\`:`,
      '       set an option (docs/options.md in projen-gitops lists them)' + (objectFile ? ', or patch the file:' : '.'),
      ...(objectFile ? [`         project.tryFindObjectFile(${JSON.stringify(first)})?.addOverride("path.to.key", "value");`] : []),
      ...(handable.length > 0 ? [
        '  2. Hand it over to you: synth stops writing it. In .projenrc.ts:',
        `       handOver: [${handable.map((f) => JSON.stringify(f)).join(', ')}],`,
      ] : []),
      ...refused.map((f) => `     (${f} cannot be handed over: ${describedEntry(this.project, f)!.noHandOver})`),
      `  ${handable.length > 0 ? 3 : 2}. Overwrite your edit with the generated file, keeping a backup in ${BACKUP_DIR}/:`,
      `       ${FORCE_VARIABLE}=1 npx projen`,
    );
    return lines.join('\n');
  }

  /** What synth would write to a file now, or `undefined` if that cannot be told. */
  private wouldWrite(file: string): string | undefined {
    const target = this.project.tryFindFile(file);
    if (!target) return undefined;
    try {
      return renderFile(target);
    } catch (error) {
      if (error instanceof ProjenAdapterError) throw error;
      return undefined; // cannot tell: the file counts as edited, which only stops synth
    }
  }

  /** The last generated content, from git's HEAD when it matches the record. */
  private lastGenerated(file: string): string | undefined {
    const recorded = loadedRecord(this.project).managed.get(file);
    const result = spawnSync('git', ['show', `HEAD:./${file}`], { cwd: this.project.outdir, encoding: 'utf-8' });
    if (result.status !== 0 || !recorded?.has(sha256(result.stdout))) return undefined;
    return result.stdout;
  }
}

/** A path as one shell word (quoted when it holds anything but safe characters). */
function shellWord(file: string): string {
  return /^[\w./@+-]+$/.test(file) ? file : `'${file.replace(/'/g, "'\\''")}'`;
}

/** Gives back the sync lock after a failed synth (the guard takes it in preSynthesize). */
export function releaseSyncLock(project: Project) {
  const guard = SyncGuard.of(project);
  if (guard) guard._releaseAfterFailure();
  else releaseLock(project.outdir);
}

/**
 * A file as committed at HEAD in the git repository of `outdir` (`file` relative to it), or
 * `undefined` outside git, before the first commit, or when HEAD has no such file. Derived facts
 * that must follow content rather than the number of synths (a chart's version) start from it.
 */
export function committedFile(outdir: string, file: string): string | undefined {
  return committedFiles(outdir, [file]).get(file);
}

/**
 * `committedFile` for many files with one git process (`git cat-file --batch`): a process per
 * file cost a few milliseconds each, more than rendering the file (every chart reads its
 * Chart.yaml). Each file maps to its text, or `undefined` as `committedFile` says.
 */
export function committedFiles(outdir: string, files: readonly string[]): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>(files.map((f) => [f, undefined]));
  // One object name per line: a name with a line break cannot be asked for (no generated file has one).
  const asked = [...new Set(files)].filter((f) => !/[\r\n]/.test(f));
  if (asked.length === 0) return out;
  const result = spawnSync('git', ['cat-file', '--batch'], {
    cwd: outdir,
    input: asked.map((f) => `HEAD:./${f}\n`).join(''),
    maxBuffer: 1024 * 1024 * 1024,
  });
  if (result.status !== 0 || !Buffer.isBuffer(result.stdout)) return out;
  // Per name: "<oid> <type> <size>\n<content>\n", or "<name> missing\n" (or "ambiguous").
  const stdout = result.stdout;
  let at = 0;
  for (const file of asked) {
    const eol = stdout.indexOf(0x0a, at);
    if (eol < 0) break;
    const header = stdout.toString('utf-8', at, eol).split(' ');
    at = eol + 1;
    if (header.length !== 3 || !/^[0-9a-f]{40,64}$/.test(header[0])) continue;
    const size = Number(header[2]);
    if (header[1] === 'blob') out.set(file, stdout.toString('utf-8', at, at + size));
    at += size + 1;
  }
  return out;
}
