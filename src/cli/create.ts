/**
 * Creates a repository with `projen new --from <spec>`, with the projen this package runs
 * against, without blocking (so progress can be shown and Ctrl-C handled), and removes what
 * it made when anything fails.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
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

/** The version of projen this package runs against; new repositories get the same. */
export function projenVersion(): string {
  return JSON.parse(fs.readFileSync(path.join(projenDir(), 'package.json'), 'utf-8')).version;
}

/** Files in `dir` now, to tell later what a failed attempt added. */
function snapshot(dir: string): Set<string> | undefined {
  return fs.existsSync(dir) ? new Set(fs.readdirSync(dir)) : undefined;
}

/** Removes what was added since `before` (everything, if the directory is new). */
function restore(dir: string, before: Set<string> | undefined) {
  if (!fs.existsSync(dir)) return;
  if (before === undefined) {
    fs.rmSync(dir, { recursive: true, force: true });
    return;
  }
  for (const entry of fs.readdirSync(dir)) {
    if (!before.has(entry)) fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
  }
}

/** A running `projen new`; `cancel()` stops it and cleans up. */
export class Creation {
  readonly done: Promise<CreateResult>;
  private child?: ChildProcess;
  private cancelled = false;

  constructor(readonly dir: string, options: CreateOptions) {
    const before = snapshot(dir);
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
        if (status !== 0 || this.cancelled) restore(dir, before);
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
