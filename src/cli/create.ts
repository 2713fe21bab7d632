/**
 * Creates a repository with `projen new --from <spec>`, with the projen this package runs
 * against, without blocking (so progress can be shown and Ctrl-C handled), and takes back what
 * it made when anything fails (`FolderGuard`).
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface CreateOptions {
  /** The module spec for `--from` (projen needs the package name in front of a path). */
  readonly spec: string;
  /** Extra `projen new` arguments: the project options as switches (`--port 3000`). */
  readonly optionArgs?: string[];
  /** Further environment of `projen new` (the options it has no switch for). */
  readonly env?: Record<string, string>;
  /** Called with each chunk the child prints. */
  readonly onOutput?: (chunk: string) => void;
  /** What was in the folder before, when the caller took it already (else taken here). */
  readonly guard?: FolderGuard;
}

export interface CreateResult {
  readonly status: number | null;
  readonly output: string;
  /** Whether the attempt was cancelled (the directory was cleaned up). */
  readonly cancelled: boolean;
}

function projenDir(): string {
  return path.dirname(require.resolve('projen/package.json'));
}

/**
 * The exit code of a command that stopped, after its cleanup, because of `signal`: 128 plus the
 * signal's number, as a shell reports a process the signal ended (130 for SIGINT, 143 for SIGTERM).
 */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (os.constants.signals[signal] ?? os.constants.signals.SIGINT);
}

/** The version of projen this package runs against; new repositories get the same. */
export function projenVersion(): string {
  return JSON.parse(fs.readFileSync(path.join(projenDir(), 'package.json'), 'utf-8')).version;
}

/** What was at a path in a folder before: a folder, a file (its content and mode, when kept), or something else. */
interface Before {
  readonly kind: 'dir' | 'file' | 'other';
  readonly content?: Buffer;
  readonly mode?: number;
}

/** The folders a command leaves alone when they were there before: their own tools change them (git, npm). */
const LEFT_ALONE = new Set(['.git', 'node_modules']);
/** At most this many bytes of a folder's files are kept to put back (a folder this full is refused: see `FolderGuard.at`). */
export const KEPT_BYTES_LIMIT = 64 * 1024 * 1024;

/**
 * What a command that creates in `dir` may take back when it fails: the folder and the parents
 * it made, or, in a folder that was there before, every file and folder it added (at any depth)
 * and the content of every file it changed or deleted. `.git` and `node_modules` that were there
 * before are left alone. Nothing else is touched.
 */
export class FolderGuard {
  /** Remembers what is at `dir` now; throws when a folder there holds more than `KEPT_BYTES_LIMIT` bytes to keep. */
  static at(dir: string): FolderGuard {
    const absolute = path.resolve(dir);
    if (!fs.existsSync(absolute)) {
      // The topmost folder that is missing: the command makes it, with everything under it.
      let top = absolute;
      while (!fs.existsSync(path.dirname(top)) && path.dirname(top) !== top) top = path.dirname(top);
      return new FolderGuard(absolute, top, undefined);
    }
    const before = new Map<string, Before>();
    let bytes = 0;
    const walk = (rel: string) => {
      for (const entry of fs.readdirSync(path.join(absolute, rel), { withFileTypes: true })) {
        const file = path.join(rel, entry.name);
        if (rel === '' && LEFT_ALONE.has(entry.name)) {
          before.set(file, { kind: 'other' });
        } else if (entry.isDirectory()) {
          before.set(file, { kind: 'dir' });
          walk(file);
        } else if (entry.isFile()) {
          const stat = fs.statSync(path.join(absolute, file));
          bytes += stat.size;
          if (bytes > KEPT_BYTES_LIMIT) throw new FolderTooFullError(`${absolute} holds more than ${KEPT_BYTES_LIMIT / 1024 / 1024} MiB outside .git and node_modules, too much to keep a copy of to put back if creating fails; choose an empty folder`);
          before.set(file, { kind: 'file', content: fs.readFileSync(path.join(absolute, file)), mode: stat.mode });
        } else {
          before.set(file, { kind: 'other' });
        }
      }
    };
    walk('');
    return new FolderGuard(absolute, undefined, before);
  }

  private constructor(
    /** The folder. */
    readonly dir: string,
    /** The topmost folder that was missing (the folder itself or a parent), when the folder was. */
    private readonly made: string | undefined,
    private readonly before: Map<string, Before> | undefined,
  ) {}

  /** Takes back what was made since: the folder and the parents it made, or what changed in it. */
  undo() {
    if (this.made !== undefined) {
      fs.rmSync(this.made, { recursive: true, force: true });
      return;
    }
    const before = this.before!;
    if (!fs.existsSync(this.dir)) fs.mkdirSync(this.dir, { recursive: true });
    const walk = (rel: string) => {
      for (const entry of fs.readdirSync(path.join(this.dir, rel), { withFileTypes: true })) {
        const file = path.join(rel, entry.name);
        const was = before.get(file);
        const target = path.join(this.dir, file);
        if (was?.kind === 'other') continue;
        if (was === undefined || (was.kind === 'dir') !== entry.isDirectory()) {
          fs.rmSync(target, { recursive: true, force: true });
        } else if (was.kind === 'dir') {
          walk(file);
        }
      }
    };
    walk('');
    // Put back the files it changed or deleted (and the folders they are in), with their modes.
    for (const [file, was] of before) {
      const target = path.join(this.dir, file);
      if (was.kind === 'dir') {
        fs.mkdirSync(target, { recursive: true });
      } else if (was.kind === 'file') {
        const now = fs.lstatSync(target, { throwIfNoEntry: false });
        if (now?.isFile() && fs.readFileSync(target).equals(was.content!) && now.mode === was.mode) continue;
        if (now && !now.isFile()) fs.rmSync(target, { recursive: true, force: true });
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, was.content!);
        // eslint-disable-next-line no-bitwise
        fs.chmodSync(target, was.mode! & 0o7777);
      }
    }
  }
}

/** A folder with too much in it to keep a copy of (see `FolderGuard.at`). */
export class FolderTooFullError extends Error {}
FolderTooFullError.prototype.name = 'FolderTooFullError';

/** A running `projen new`; `cancel()` stops it and cleans up. */
export class Creation {
  readonly done: Promise<CreateResult>;
  private child?: ChildProcess;
  private cancelled = false;

  constructor(readonly dir: string, options: CreateOptions) {
    const guard = options.guard ?? FolderGuard.at(dir);
    fs.mkdirSync(dir, { recursive: true });
    const identity = spawnSync('git', ['config', 'user.email'], { cwd: dir, encoding: 'utf-8' }).stdout?.trim() ? {} : {
      GIT_AUTHOR_NAME: 'projen-gitops',
      GIT_AUTHOR_EMAIL: 'projen-gitops@users.noreply.invalid',
      GIT_COMMITTER_NAME: 'projen-gitops',
      GIT_COMMITTER_EMAIL: 'projen-gitops@users.noreply.invalid',
    };
    const args = [path.join(projenDir(), 'bin', 'projen'), 'new', '--from', options.spec, '--projen-version', projenVersion(), ...(options.optionArgs ?? [])];
    this.done = new Promise((resolve) => {
      let output = '';
      // CI=true would make projen install with `npm ci`, which needs a lockfile a new repo lacks.
      const env: NodeJS.ProcessEnv = { ...process.env, CI: '', ...identity, ...options.env };
      delete env.NODE_ENV; // NODE_ENV=test silences projen's log
      const child = spawn(process.execPath, args, { cwd: dir, env, detached: true });
      this.child = child;
      const collect = (chunk: Buffer) => {
        output += chunk.toString();
        options.onOutput?.(chunk.toString());
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      child.on('error', (error) => collect(Buffer.from(String(error))));
      child.on('close', (status) => {
        if (status !== 0 || this.cancelled) guard.undo();
        resolve({ status: this.cancelled ? null : status, output, cancelled: this.cancelled });
      });
    });
  }

  /** Stops `projen new` (and the installs it started) and removes what it made. */
  cancel() {
    if (this.cancelled) return;
    this.cancelled = true;
    const child = this.child;
    if (child?.pid === undefined || child.exitCode !== null) return;
    const signal = (name: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, name); // the whole process group: npm, git, ...
      } catch {
        child.kill(name);
      }
    };
    signal('SIGTERM');
    // Whatever ignores SIGTERM is killed; cleanup runs when the child has closed.
    const timer = setTimeout(() => signal('SIGKILL'), 5000);
    child.once('close', () => clearTimeout(timer));
  }
}

/** Runs `projen new --from <spec>` in `dir` to the end. */
export function createRepository(dir: string, options: CreateOptions): Promise<CreateResult> {
  return new Creation(dir, options).done;
}
