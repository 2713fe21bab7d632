/**
 * The external tools the tests validate with (scripts/tools.json), found the way
 * scripts/install-tools.sh installs them, and the one way a test depends on one:
 *
 * - `testWith(tools)` / `describeWith(tools)` for a test that is nothing without its tools:
 *   when one is missing, the test is skipped and a warning printed (`describeUnless(absent)`
 *   when the tools are found another way, e.g. built caches: the caller says which is missing);
 * - `tool(name)` inside a running test, for one check among others (e.g. shellcheck after
 *   actionlint): when missing, that check is left out and a warning printed.
 *
 * Either way the skip is recorded, and `test/tool-skips-reporter.js` prints at the end of the
 * run how many tests were skipped (or ran without a check) for which tool. Under `CI=true` a
 * missing tool fails instead: CI installs every tool, so a missing one is a broken setup.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

interface ToolsFile {
  readonly debian: Record<string, string>;
  /** Tools no registry reachable here provides, found on PATH: name -> where to get one. */
  readonly path?: Record<string, string>;
  readonly pypi: Record<string, { readonly version: string }>;
  readonly go: Record<string, { readonly version: string }>;
  /** Built from the Go module proxy by a script of their own (cached like the Go tools). */
  readonly built?: Record<string, { readonly version: string; readonly script: string }>;
}

const TOOLS: ToolsFile = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'scripts', 'tools.json'), 'utf-8'));

/** Every tool a test may need. */
export type ToolName = string;

/** Where scripts/install-tools.sh puts the PyPI and Go tools. */
export const TOOLS_CACHE = process.env.PROJEN_GITOPS_TOOLS_CACHE ?? path.join(os.homedir(), '.cache', 'projen-gitops-tools');

/** Under CI every tool must be there. */
export const IN_CI = !!process.env.CI && !/^(0|false)$/i.test(process.env.CI);

/** The pinned version of a PyPI or Go tool (Debian tools come at the distribution's version). */
export function toolVersion(name: ToolName): string | undefined {
  return (TOOLS.pypi[name] ?? TOOLS.go[name] ?? TOOLS.built?.[name])?.version;
}

/** How to install a tool, for messages. */
export function installHint(name: ToolName): string {
  if (TOOLS.debian[name]) return `apt-get install ${TOOLS.debian[name]}, or bash scripts/install-tools.sh`;
  if (TOOLS.path?.[name]) return TOOLS.path[name];
  if (TOOLS.built?.[name]) return `bash ${TOOLS.built[name].script} (${name} ${toolVersion(name)} into ${TOOLS_CACHE})`;
  if (toolVersion(name)) return `bash scripts/install-tools.sh (${name} ${toolVersion(name)} into ${TOOLS_CACHE})`;
  throw new Error(`test/tools.ts: ${name} is not in scripts/tools.json`);
}

const found = new Map<ToolName, string | undefined>();

/**
 * The absolute path of a tool, or `undefined` when it is not installed: Debian tools from
 * PATH, the PyPI and Go tools from their versioned folder in the cache (never another
 * version found on PATH).
 */
export function findTool(name: ToolName): string | undefined {
  if (!found.has(name)) {
    installHint(name); // unknown names fail here
    let where: string | undefined;
    if (TOOLS.debian[name] || TOOLS.path?.[name]) {
      where = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, name)).find(executable);
    } else {
      const dir = path.join(TOOLS_CACHE, `${name}-${toolVersion(name)}`);
      const bin = path.join(dir, 'bin', name);
      where = fs.existsSync(path.join(dir, '.complete')) && executable(bin) ? bin : undefined;
    }
    found.set(name, where);
  }
  return found.get(name);
}

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The tools among `names` that are not installed. */
export function missingTools(names: ToolName[]): ToolName[] {
  return names.filter((name) => findTool(name) === undefined);
}

interface SkipRecord {
  readonly tool: ToolName;
  readonly file: string;
  /** A skipped test or describe block (title), or a test that ran without a check (full name). */
  readonly kind: 'test' | 'describe' | 'check';
  readonly title: string;
}

const warned = new Set<string>();

function record(skip: SkipRecord, what: string, why = `${skip.tool} is not installed (${installHint(skip.tool)})`) {
  const log = process.env.PROJEN_GITOPS_TOOL_SKIPS;
  if (log) fs.appendFileSync(log, JSON.stringify(skip) + '\n');
  const key = `${skip.tool} ${skip.kind === 'check' ? '' : skip.title}`;
  if (warned.has(key)) return;
  warned.add(key);
  console.warn(`SKIPPED: ${what}: ${why}; under CI=true this fails`);
}

function missingMessage(missing: ToolName[]): string {
  return `${missing.join(', ')} not installed, and CI=true: a missing tool fails under CI (${missing.map(installHint).join('; ')})`;
}

/** The test file being run (set by jest before it loads the file). */
function testFile(): string {
  return expect.getState().testPath ?? '(unknown test file)';
}

/** `test`, or, when one of `tools` is missing, a skipped test (recorded and warned); under CI a failing one. */
export function testWith(tools: ToolName[]): (title: string, fn: jest.ProvidesCallback, timeout?: number) => void {
  const missing = missingTools(tools);
  if (missing.length === 0) return test;
  return (title, fn, timeout) => {
    if (IN_CI) return test(title, () => { throw new Error(missingMessage(missing)); }, timeout);
    for (const name of missing) record({ tool: name, file: testFile(), kind: 'test', title }, `test "${title}"`);
    return test.skip(title, fn, timeout);
  };
}

/** `describe`, or, when one of `tools` is missing, a skipped block (each test in it counted); under CI a failing test. */
export function describeWith(tools: ToolName[]): (title: string, fn: () => void) => void {
  const missing = missingTools(tools);
  if (missing.length === 0) return describe;
  return (title, fn) => {
    if (IN_CI) return describe(title, () => test(`needs ${missing.join(', ')}`, () => { throw new Error(missingMessage(missing)); }));
    for (const name of missing) record({ tool: name, file: testFile(), kind: 'describe', title }, `tests in "${title}"`);
    return describe.skip(title, fn);
  };
}

/**
 * `describe` for a block whose tools are found another way than by name (a build cache, root,
 * several tools checked in order: the GitOps loop's `loopTools()`): `absent`, when set, names
 * the one missing (`tool`, the name the end-of-run count gives) and why (`missing`). Then the
 * block is skipped, recorded and warned like `describeWith`; under CI a failing test.
 */
export function describeUnless(absent: { readonly tool?: string; readonly missing?: string }): (title: string, fn: () => void) => void {
  if (absent.missing === undefined) return describe;
  const name = absent.tool ?? 'unknown';
  const why = absent.missing;
  return (title, fn) => {
    if (IN_CI) return describe(title, () => test(`needs ${name}`, () => { throw new Error(`${name} is missing, and CI=true: a missing tool fails under CI (${why})`); }));
    record({ tool: name, file: testFile(), kind: 'describe', title }, `tests in "${title}"`, why);
    return describe.skip(title, fn);
  };
}

/**
 * The path of a tool one check of the running test needs, or `undefined` when it is missing:
 * the caller leaves that check out (recorded and warned). Under CI a missing tool throws.
 */
export function tool(name: ToolName): string | undefined {
  const where = findTool(name);
  if (where !== undefined) return where;
  if (IN_CI) throw new Error(missingMessage([name]));
  const state = expect.getState();
  record({ tool: name, file: testFile(), kind: 'check', title: state.currentTestName ?? '(outside a test)' }, `checks with ${name} in ${path.basename(state.testPath ?? '')}`);
  return undefined;
}
