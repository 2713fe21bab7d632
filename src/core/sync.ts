/**
 * Sync without loss. Synth records what it wrote (a content hash per managed file, the seeds
 * it wrote, the files handed over) in `.projen/gitops-state.json`. Before anything is written,
 * a managed file whose content no longer matches its record was edited by hand: synth stops
 * and says how to keep the change. Deleted seeds stay deleted. After synth, it reports per file
 * what changed.
 */
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Component, ObjectFile, Project } from 'projen';
import { describedFiles, describeFile, FileOwner } from './file-catalog';
import { unifiedDiff } from './line-diff';
import { addValidation } from './validation';

export const STATE_FILE = '.projen/gitops-state.json';
export const FORCE_VARIABLE = 'PROJEN_GITOPS_FORCE';
export const BACKUP_DIR = '.gitops-backups';

/** Files whose edits are not policed: projen's own bookkeeping, and package.json, which npm edits. */
const UNWATCHED = new Set(['package.json', '.projen/files.json', '.projen/deps.json', '.projen/tasks.json', STATE_FILE]);

interface SyncState {
  readonly managed: Record<string, string>;
  readonly seeded: string[];
  readonly handedOver: string[];
}

const states = new WeakMap<Project, SyncState | null>();

/** The state recorded by the last synth, or `undefined` before the first one. */
export function recordedState(project: Project): SyncState | undefined {
  if (!states.has(project)) {
    const file = path.join(project.outdir, STATE_FILE);
    let state: SyncState | null = null;
    try {
      if (fs.existsSync(file)) state = JSON.parse(fs.readFileSync(file, 'utf-8'));
    } catch {
      state = null; // an unreadable record is treated as none: nothing to compare against
    }
    states.set(project, state);
  }
  return states.get(project) ?? undefined;
}

function sha256(content: Buffer | string): string {
  return createHash('sha256').update(content).digest('hex');
}

interface ResolveOptions {
  readonly args?: unknown[];
  readonly omitEmpty?: boolean;
}

/**
 * Resolves lazy values in a file's object model the way projen does when it writes the file
 * (functions called, `toJSON` honoured, undefined dropped, empty omitted on request).
 */
function resolveLazy(value: any, options: ResolveOptions): any {
  if (value == null) return value;
  if (typeof value.toJSON === 'function') return resolveLazy(value.toJSON(), options);
  if (typeof value === 'function') return resolveLazy(value(...(options.args ?? [])), options);
  if (typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    if (options.omitEmpty && value.length === 0) return undefined;
    return value.map((x) => resolveLazy(x, options)).filter((x) => x != null);
  }
  const result: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const resolved = resolveLazy(v, options);
    if (resolved !== undefined) result[k] = resolved;
  }
  return options.omitEmpty && Object.keys(result).length === 0 ? undefined : result;
}

/**
 * A file written once, when it does not exist, then the user's. The contents are rendered
 * only when the file is actually written; a seed the user deleted stays deleted.
 */
class SeededFile extends Component {
  constructor(project: Project, private readonly filePath: string, private readonly contents: () => string) {
    super(project);
  }

  synthesize() {
    const target = path.join(this.project.outdir, this.filePath);
    if (fs.existsSync(target)) return;
    if (recordedState(this.project)?.seeded.includes(this.filePath)) {
      this.project.logger.debug(`${this.filePath} was deleted after it was seeded: not written again`);
      return;
    }
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, this.contents());
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
 * `GitOpsProject` has one; call `recordSynth()` after `synth()` in other projects.
 */
export class SyncGuard extends Component {
  /** The project's guard, if it has one. */
  public static of(project: Project): SyncGuard | undefined {
    return project.components.find((c): c is SyncGuard => c instanceof SyncGuard);
  }

  private readonly handOver: string[];

  constructor(project: Project, options: SyncGuardOptions = {}) {
    super(project);
    this.handOver = [...(options.handOver ?? [])];
    addValidation(project, () => this.handOver
      .filter((file) => !project.tryFindFile(file))
      .map((file) => ({
        option: 'handOver',
        message: `lists '${file}', which is not a file projen writes here; use one of the managed files listed in README.md (e.g. 'Dockerfile')`,
      })));
    describeFile(project, {
      path: STATE_FILE,
      owner: FileOwner.MANAGED,
      purpose: 'What synth last wrote (a hash per managed file): how hand edits are detected. Commit it.',
      change: 'Never by hand; it follows every synth.',
    });
    for (const file of this.handOver) {
      describeFile(project, {
        path: file,
        owner: FileOwner.SEEDED,
        purpose: 'Handed over to you (`handOver` in .projenrc.ts): synth no longer writes it.',
        change: 'Edit it directly. Remove it from `handOver` to have it generated again.',
      });
    }
  }

  /** Paths handed over (a copy). */
  public get handedOver(): string[] {
    return [...this.handOver];
  }

  preSynthesize() {
    const edited = this.editedFiles();
    if (edited.length > 0) {
      if (!['1', 'true', 'yes'].includes((process.env[FORCE_VARIABLE] ?? '').toLowerCase())) {
        throw new EditedFilesError(this.explain(edited));
      }
      this.backUp(edited);
    }
    this.releaseHandedOver();
  }

  /**
   * Records what synth wrote and reports per file what changed. Call after `synth()`.
   */
  public recordSynth() {
    const outdir = this.project.outdir;
    const before = recordedState(this.project);
    const managed: Record<string, string> = {};
    for (const file of this.project.files) {
      const target = path.join(outdir, file.path);
      if (UNWATCHED.has(file.path) || this.handOver.includes(file.path) || !fs.existsSync(target)) continue;
      managed[file.path] = sha256(fs.readFileSync(target));
    }
    const seeds = describedFiles(this.project).filter((f) => f.owner === FileOwner.SEEDED && f.path !== '.projenrc.ts' && !this.handOver.includes(f.path));
    const seeded = new Set(before?.seeded ?? []);
    for (const seed of seeds) if (fs.existsSync(path.join(outdir, seed.path))) seeded.add(seed.path);
    const state: SyncState = {
      managed: Object.fromEntries(Object.keys(managed).sort().map((k) => [k, managed[k]])),
      seeded: [...seeded].sort(),
      handedOver: [...this.handOver].sort(),
    };
    const text = `${JSON.stringify(state, null, 2)}\n`;
    const file = path.join(outdir, STATE_FILE);
    if (!fs.existsSync(file) || fs.readFileSync(file, 'utf-8') !== text) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
    }
    states.set(this.project, state);
    if (before) this.report(before.managed, state.managed, state.handedOver);
  }

  private report(before: Record<string, string>, after: Record<string, string>, handedOver: string[]) {
    const lines: string[] = [];
    for (const [file, hash] of Object.entries(after)) {
      if (!(file in before)) lines.push(`created  ${file}`);
      else if (before[file] !== hash) lines.push(`updated  ${file}`);
    }
    for (const file of Object.keys(before)) {
      if (!(file in after)) lines.push(handedOver.includes(file) ? `handed over to you: ${file}` : `removed  ${file}`);
    }
    for (const line of lines) this.project.logger.info(line);
  }

  /** Handed-over files leave projen's manifest, so its cleanup never deletes them. */
  private releaseHandedOver() {
    const outdir = this.project.outdir;
    const manifestPath = path.join(outdir, '.projen/files.json');
    const before = recordedState(this.project)?.handedOver ?? [];
    for (const file of this.handOver) {
      const target = path.join(outdir, file);
      if (!fs.existsSync(target)) {
        // Deleted after it was handed over: it stays deleted. Not handed over yet: written
        // one last time by this synth, then released on the next.
        if (before.includes(file)) this.project.tryRemoveFile(file);
        continue;
      }
      this.project.tryRemoveFile(file);
      fs.chmodSync(target, 0o644); // writable: it is yours now
      if (fs.existsSync(manifestPath)) {
        const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf-8'));
        if (Array.isArray(manifest.files) && manifest.files.includes(file)) {
          manifest.files = manifest.files.filter((f: string) => f !== file);
          fs.chmodSync(manifestPath, 0o644);
          fs.writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
        }
      }
    }
  }

  /**
   * Managed files whose content is neither what synth last wrote nor what it would write now
   * (the latter covers a record that went stale, e.g. merged from two branches), and files
   * taken back from the user.
   */
  private editedFiles(): string[] {
    const state = recordedState(this.project);
    if (!state) return [];
    const exists = (file: string) => fs.existsSync(path.join(this.project.outdir, file));
    const edited = Object.entries(state.managed)
      .filter(([file]) => !this.handOver.includes(file) && !UNWATCHED.has(file))
      .filter(([file, hash]) => {
        if (!exists(file)) return false;
        const content = fs.readFileSync(path.join(this.project.outdir, file));
        return sha256(content) !== hash && this.wouldWrite(file) !== content.toString('utf-8');
      })
      .map(([file]) => file);
    // A file taken back (no longer in handOver) holds the user's work until it is backed up,
    // unless it already is what synth would write.
    const reclaimed = (state.handedOver ?? [])
      .filter((file) => !this.handOver.includes(file) && exists(file))
      .filter((file) => this.wouldWrite(file) !== fs.readFileSync(path.join(this.project.outdir, file), 'utf-8'));
    return [...edited, ...reclaimed].sort();
  }

  private backUp(files: string[]) {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    for (const file of files) {
      const backup = path.join(BACKUP_DIR, stamp, file);
      const target = path.join(this.project.outdir, backup);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.copyFileSync(path.join(this.project.outdir, file), target);
      this.project.logger.warn(`${file} was edited by hand; ${FORCE_VARIABLE} is set, so it is regenerated. Your version is in ${backup}`);
    }
  }

  private explain(files: string[]): string {
    const lines = [
      `projen-gitops: ${files.length} managed file${files.length === 1 ? ' was' : 's were'} edited by hand; synth stopped before writing anything:`,
    ];
    for (const file of files) {
      lines.push('', `  ${file}`);
      const yours = fs.readFileSync(path.join(this.project.outdir, file), 'utf-8');
      const last = this.lastGenerated(file);
      const generated = last ?? this.wouldWrite(file);
      if (generated === undefined) lines.push('    (no generated copy to compare; `git diff` shows your change)');
      else lines.push(...unifiedDiff(generated, yours, [last !== undefined ? 'generated' : 'generated now', 'yours']).map((l) => `    ${l}`));
    }
    const first = files[0];
    const objectFile = this.project.tryFindFile(first) instanceof ObjectFile;
    lines.push(
      '',
      'Ways forward (pick one per file):',
      `  1. Make the change in .projenrc.ts, then put the file back with \`git checkout -- ${first}\`:`,
      '       set an option (docs/options.md in projen-gitops lists them)' + (objectFile ? ', or patch the file:' : '.'),
      ...(objectFile ? [`         project.tryFindObjectFile(${JSON.stringify(first)})?.addOverride("path.to.key", "value");`] : []),
      '  2. Hand it over to you: synth stops writing it. In .projenrc.ts:',
      `       handOver: [${files.map((f) => JSON.stringify(f)).join(', ')}],`,
      `  3. Overwrite your edit with the generated file, keeping a backup in ${BACKUP_DIR}/:`,
      `       ${FORCE_VARIABLE}=1 npx projen`,
    );
    return lines.join('\n');
  }

  /** What synth would write to a file now, or `undefined` if that cannot be told. */
  private wouldWrite(file: string): string | undefined {
    const target = this.project.tryFindFile(file) as unknown as { synthesizeContent?: (resolver: unknown) => string | undefined } | undefined;
    try {
      return target?.synthesizeContent?.({ resolve: (value: unknown, options?: ResolveOptions) => resolveLazy(value, options ?? {}) });
    } catch {
      return undefined;
    }
  }

  /** The last generated content, from git's HEAD when it matches the record. */
  private lastGenerated(file: string): string | undefined {
    const recorded = recordedState(this.project)?.managed[file];
    const result = spawnSync('git', ['show', `HEAD:./${file}`], { cwd: this.project.outdir, encoding: 'utf-8' });
    if (result.status !== 0 || sha256(result.stdout) !== recorded) return undefined;
    return result.stdout;
  }
}
