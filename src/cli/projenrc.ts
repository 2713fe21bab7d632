#!/usr/bin/env node
/**
 * `projen-gitops-rc [FILE]`: runs `.projenrc.ts` (the default task of a generated repository).
 *
 * TypeScript is stripped with esbuild and the JavaScript is cached under
 * `node_modules/.cache/projen-gitops/`, keyed by the source, so a re-synth with an unchanged
 * `.projenrc.ts` starts plain Node.js: no compiler is even loaded. tsx takes about 0.6 s to
 * start here; a cache hit takes about 1 ms. Like tsx it does not type-check:
 * `npx projen typecheck` (part of `npx projen build` and of the drift check) runs tsc.
 *
 * Local `.ts` files that `.projenrc.ts` imports go through the same cache. Stack traces point
 * at the TypeScript lines (inline source maps, read only when a stack is printed).
 *
 * This file loads nothing but Node.js built-ins: it is on the path of every synth.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as Module from 'module';
import * as path from 'path';
import * as v8 from 'v8';

/** The parts of esbuild's API used here (esbuild is a dev dependency of generated repositories). */
interface Esbuild {
  transformSync(code: string, options: Record<string, unknown>): { code: string };
}

interface EsbuildMessage {
  text: string;
  location?: { file: string; line: number; column: number; lineText: string } | null;
}

/** A `.ts` file esbuild could not parse: the message names the file, line and column. */
export class ProjenrcSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProjenrcSyntaxError';
  }
}

/** How many compiled files the cache keeps; the oldest go first. */
const CACHE_ENTRIES = 50;

/**
 * Compiles TypeScript to CommonJS, through the cache in `cacheDir`. The key covers the file's
 * path, its source and this package's version, so any change compiles afresh.
 */
export function compileTypeScript(filename: string, source: string, cacheDir: string, resolveFrom = process.cwd()): string {
  const key = createHash('sha256').update(`${ownVersion()}\0${filename}\0${source}`).digest('hex').slice(0, 32);
  const cached = path.join(cacheDir, `${key}.js`);
  try {
    return fs.readFileSync(cached, 'utf-8');
  } catch {
    // not cached yet
  }
  const code = transform(filename, source, resolveFrom);
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    const temporary = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, code);
    fs.renameSync(temporary, cached);
    prune(cacheDir);
  } catch {
    // A read-only node_modules only costs the compile next time.
  }
  return code;
}

function transform(filename: string, source: string, resolveFrom: string): string {
  let esbuild: Esbuild;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    esbuild = require(require.resolve('esbuild', { paths: [resolveFrom, __dirname] }));
  } catch {
    throw new ProjenrcSyntaxError(`projen-gitops: cannot compile ${path.relative(resolveFrom, filename)}: esbuild is not installed. Run \`npm install\` (it is a dev dependency of this repository).`);
  }
  try {
    return esbuild.transformSync(source, {
      loader: 'ts',
      format: 'cjs',
      target: `node${process.versions.node.split('.')[0]}`,
      sourcefile: filename,
      sourcemap: 'inline',
    }).code;
  } catch (error) {
    const messages: EsbuildMessage[] = (error as { errors?: EsbuildMessage[] }).errors ?? [];
    if (messages.length === 0) throw error;
    const shown = messages.map(({ text, location }) => {
      if (!location) return `  ${text}`;
      const where = `${path.relative(resolveFrom, location.file) || location.file}:${location.line}:${location.column + 1}`;
      return `  ${where}: ${text}\n    ${location.lineText}\n    ${' '.repeat(location.column)}^`;
    });
    throw new ProjenrcSyntaxError(`projen-gitops: ${path.relative(resolveFrom, filename)} does not compile (no file was changed):\n${shown.join('\n')}`);
  }
}

function prune(cacheDir: string) {
  const entries = fs.readdirSync(cacheDir).filter((name) => name.endsWith('.js'));
  if (entries.length <= CACHE_ENTRIES) return;
  const byAge = entries
    .map((name) => ({ name, mtime: fs.statSync(path.join(cacheDir, name)).mtimeMs }))
    .sort((a, b) => a.mtime - b.mtime);
  for (const { name } of byAge.slice(0, entries.length - CACHE_ENTRIES)) fs.rmSync(path.join(cacheDir, name), { force: true });
}

let version: string | undefined;
function ownVersion(): string {
  version ??= JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf-8')).version as string;
  return version;
}

/** The compiled JavaScript of each `.ts` file loaded, for mapping stack traces back. */
const compiledFiles = new Map<string, string>();
const sourceMaps = new Map<string, { findEntry(line: number, column: number): { originalLine?: number; originalColumn?: number } } | undefined>();

/** A position in a compiled `.ts` file mapped back to its source (1-based), if it can be. */
function originalPosition(file: string, line: number, column: number): { line: number; column: number } | undefined {
  const code = compiledFiles.get(file);
  if (code === undefined) return undefined;
  if (!sourceMaps.has(file)) {
    const data = /\/\/# sourceMappingURL=data:application\/json;base64,(\S+)\s*$/.exec(code)?.[1];
    const SourceMap = (Module as unknown as { SourceMap: new (payload: object) => never }).SourceMap;
    sourceMaps.set(file, data ? new SourceMap(JSON.parse(Buffer.from(data, 'base64').toString('utf-8'))) : undefined);
  }
  const entry = sourceMaps.get(file)?.findEntry(line - 1, column - 1);
  return entry?.originalLine === undefined ? undefined : { line: entry.originalLine + 1, column: (entry.originalColumn ?? 0) + 1 };
}

/**
 * Stack traces show `.ts` line numbers. Node's own source map support (`--enable-source-maps`)
 * would do it too, but it scans every module loaded afterwards, projen's hundreds included
 * (about 40 ms per synth); this maps only the frames of files compiled here, and only when a
 * stack is printed.
 */
function mapStackTraces() {
  Error.prepareStackTrace = (error, frames) => {
    const lines = frames.map((frame) => {
      const file = frame.getFileName();
      const line = frame.getLineNumber();
      const column = frame.getColumnNumber();
      const original = file && line !== null && column !== null ? originalPosition(file, line, column) : undefined;
      const text = String(frame);
      return `    at ${original ? text.replace(`${file}:${line}:${column}`, `${file}:${original.line}:${original.column}`) : text}`;
    });
    return [Error.prototype.toString.call(error), ...lines].join('\n');
  };
}

/**
 * Lets `require()` load `.ts` files through the cache. It replaces any handler already there:
 * Node.js 22.18 and later register their own type stripping for `.ts`, which would load an
 * `import`ing `.projenrc.ts` as ESM (no extensionless local imports, no `__dirname`) and skip
 * the cache.
 */
export function registerTypeScript(cacheDir: string) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const extensions = require.extensions;
  extensions['.ts'] = (module, filename) => {
    const compiled = compileTypeScript(filename, fs.readFileSync(filename, 'utf-8'), cacheDir);
    compiledFiles.set(filename, compiled);
    (module as unknown as { _compile(code: string, filename: string): void })._compile(compiled, filename);
  };
}

/** Runs the file as the main module; returns the exit code for a file that cannot run. */
export function runProjenrc(argv: string[]): number {
  const file = path.resolve(argv[0] ?? '.projenrc.ts');
  if (!fs.existsSync(file)) {
    console.error(`projen-gitops-rc: ${path.relative(process.cwd(), file)} does not exist`);
    return 1;
  }
  mapStackTraces();
  registerTypeScript(path.resolve('node_modules', '.cache', 'projen-gitops'));
  process.argv = [process.argv[0], file, ...argv.slice(1)];
  try {
    // As the main module, like `node file.js`: `require.main === module` holds in the file.
    (Module as unknown as { _load(request: string, parent: null, isMain: boolean): unknown })._load(file, null, true);
  } catch (error) {
    // Printed here rather than rethrown: Node.js would head it with this file's source line.
    console.error(error instanceof ProjenrcSyntaxError ? error.message : (error as Error)?.stack ?? String(error));
    return 1;
  }
  return 0;
}

if (require.main === module) {
  // A synth runs for a second or two. V8's optimizing compiler (TurboFan) compiles the code
  // that gets hot on background threads, and that CPU was more than the optimized code saved
  // before the process exits: 1, 50 and 200 services × 3 environments took 0.58, 1.05 and
  // 2.06 s with it and 0.56, 0.93 and 2.00 s without (docs/benchmarks.md). The interpreter
  // and the baseline compiler still run; the output is the same.
  v8.setFlagsFromString('--no-opt');
  const code = runProjenrc(process.argv.slice(2));
  if (code !== 0) process.exitCode = code; // keeps an exit code .projenrc.ts set itself
}
