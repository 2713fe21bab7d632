/**
 * OpenSSF Scorecard's Pinned-Dependencies rules for Dockerfiles, ported line for line from
 * ossf/scorecard v5.2.1 so the stand-ins in test/scorecard.test.ts decide as Scorecard does:
 *
 * - `FROM` lines: checks/raw/pinned_dependencies.go, `validateDockerfilesPinning`;
 * - package manager installs in `RUN` lines: checks/raw/pinned_dependencies.go,
 *   `validateDockerfileInsecureDownloads`, which hands each RUN's command to
 *   checks/raw/shell_download_validate.go (`validateShellFileAndRecord`,
 *   `collectUnpinnedPackageManagerDownload`: `isPipUnpinnedDownload`, `isNpmUnpinnedDownload`,
 *   `isGoUnpinnedDownload`).
 *
 * Scorecard parses Dockerfiles with BuildKit's parser and shell with mvdan.cc/sh/v3; here
 * dockerfile-ast reads the instructions (it joins continued lines and separates flags as
 * BuildKit does) and mvdan-sh, mvdan/sh compiled to JavaScript, parses the shell, so the words
 * Scorecard's `extractCommand` sees are the same. Not ported: Scorecard's other download rules
 * (`curl | sh`, downloaded files run later; choco and NuGet), and heredoc RUNs (none generated).
 */
import { DockerfileParser } from 'dockerfile-ast';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { syntax } = require('mvdan-sh');

/** One dependency Scorecard records, and whether it counts as pinned. */
export interface ScorecardDependency {
  readonly line: number;
  readonly kind: 'container image' | 'pip' | 'npm' | 'go';
  /** The image as the FROM names it, or the install's words as Scorecard extracts them. */
  readonly name: string;
  readonly pinned: boolean;
}

// pinned_dependencies.go: "FROM something@sha256:${ARG}" or 64 hex digits (Go's MatchString is unanchored).
const PINNED_FROM = /.*@sha256:([a-f\d]{64}|\$\{.*\})/;

/**
 * validateDockerfilesPinning: each `FROM` as the parser gives it (ARG values never resolved),
 * pinned when its image matches PINNED_FROM or names a stage that was; `scratch` is no dependency.
 */
export function dockerfileImages(text: string): ScorecardDependency[] {
  const deps: ScorecardDependency[] = [];
  const pinnedAs = new Map<string, boolean>();
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    // BuildKit keeps the keyword as written; Scorecard compares it with "FROM" exactly.
    if (instruction.getInstruction() !== 'FROM') continue;
    // The values after the flags (`--platform=...`), whitespace-delimited, as BuildKit splits them.
    const values = instruction.getArguments().map((a) => a.getValue());
    const line = instruction.getRange().start.line + 1;
    if (values.length > 0 && values[0].toLowerCase() === 'scratch') {
      if (values.length === 3 && values[1].toLowerCase() === 'as') pinnedAs.set(values[2], true);
      continue;
    }
    if (values.length === 3 && values[1].toLowerCase() === 'as') {
      const pinned = (pinnedAs.get(values[0]) ?? false) || PINNED_FROM.test(values[0]);
      pinnedAs.set(values[2], pinned);
      deps.push({ line, kind: 'container image', name: values[0], pinned });
    } else if (values.length === 1) {
      deps.push({ line, kind: 'container image', name: values[0], pinned: (pinnedAs.get(values[0]) ?? false) || PINNED_FROM.test(values[0]) });
    } else {
      throw new Error(`line ${line}: ${instruction.getTextContent()}: Scorecard stops with an internal error on a FROM of ${values.length} values`);
    }
  }
  return deps;
}

/** validateDockerfileInsecureDownloads: each RUN's command (flags left out), through the shell rules. */
export function dockerfileInstalls(text: string): ScorecardDependency[] {
  const deps: ScorecardDependency[] = [];
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    if (instruction.getInstruction() !== 'RUN') continue;
    const line = instruction.getRange().start.line + 1;
    // After the flags (`--mount=...`), continued lines joined and comment lines left out, as
    // BuildKit gives it; a JSON array's elements joined with spaces, as Scorecard joins them.
    const content = (instruction.getArgumentsContent() ?? '').trim();
    const command = content.startsWith('[') ? safeJson(content)?.join(' ') ?? content : content;
    deps.push(...shellInstalls(command, line));
  }
  return deps;
}

const safeJson = (text: string): string[] | undefined => {
  try {
    const parsed = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.map(String) : undefined;
  } catch {
    return undefined;
  }
};

/**
 * validateShellFileAndRecord, the package manager part: every simple command of the script,
 * and the script of `sh -c '...'` (an interpreter that is a shell) recursively. A script the
 * parser refuses is skipped, as Scorecard records it as a processing error and goes on.
 */
export function shellInstalls(script: string, line: number): ScorecardDependency[] {
  let file: any;
  try {
    file = syntax.NewParser().Parse(script, 'run');
  } catch {
    return [];
  }
  const deps: ScorecardDependency[] = [];
  syntax.Walk(file, (node: any) => {
    if (!node || syntax.NodeType(node) !== 'CallExpr') return true;
    const cmd = extractCommand(node);
    const interpreter = extractInterpreterAndCommand(cmd);
    if (interpreter && isShellInterpreterOrCommand([interpreter])) {
      const inner = extractInterpreterCommandFromArgs(node);
      if (inner !== undefined) deps.push(...shellInstalls(inner, line));
    }
    if (cmd.length === 0) return true;
    const name = cmd.join(' ');
    if (isGoDownload(cmd)) deps.push({ line, kind: 'go', name, pinned: !isGoUnpinnedDownload(cmd) });
    else if (isPipDownload(cmd)) deps.push({ line, kind: 'pip', name, pinned: !isPipUnpinnedDownload(cmd) });
    else if (isNpmDownload(cmd)) deps.push({ line, kind: 'npm', name, pinned: !isNpmUnpinnedDownload(cmd) });
    return true;
  });
  return deps;
}

// shell_download_validate.go: the interpreters, in Scorecard's order.
const SUPPORTED_SHELLS = ['sh', 'bash', 'mksh'];
const SHELL_NAMES = [...SUPPORTED_SHELLS, 'dash', 'ksh'];
const PYTHON_INTERPRETERS = ['python', 'python3', 'python2.7'];
const SHELL_INTERPRETERS = ['exec', 'su', ...SHELL_NAMES];
const OTHER_INTERPRETERS = ['perl', 'ruby', 'php', 'node', 'nodejs', 'java'];
const INTERPRETERS = ['dotnet', 'nuget', ...OTHER_INTERPRETERS, ...SHELL_INTERPRETERS, ...SHELL_NAMES, ...PYTHON_INTERPRETERS];

const base = (name: string) => name.replace(/\/+$/, '').split('/').pop() ?? '';
const isBinaryName = (expected: string, name: string) => base(name).toLowerCase() === expected.toLowerCase();
const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** extractCommand: the words of one part that are a literal, a single-quoted or a plain double-quoted string; `sudo` dropped. */
function extractCommand(call: any): string[] {
  const out: string[] = [];
  for (const word of call.Args ?? []) {
    if (word.Parts.length !== 1) continue;
    const part = word.Parts[0];
    switch (syntax.NodeType(part)) {
      case 'SglQuoted':
        out.push(`'${part.Value}'`);
        break;
      case 'DblQuoted':
        if (part.Parts.length === 1 && syntax.NodeType(part.Parts[0]) === 'Lit') out.push(`"${part.Parts[0].Value}"`);
        break;
      case 'Lit':
        if (!eq(part.Value, 'sudo')) out.push(part.Value);
        break;
      default:
    }
  }
  return out;
}

/** isCommand: the binary `b`, then a later flag with a `c` in it (`-c`, `-ec`). */
function isCommand(cmd: string[], b: string): boolean {
  let isBin = false;
  for (const c of cmd) {
    if (isBinaryName(b, c)) isBin = true;
    else if (isBin && c.startsWith('-') && c.includes('c')) return true;
  }
  return false;
}

function extractInterpreterAndCommand(cmd: string[]): string | undefined {
  return cmd.length === 0 ? undefined : INTERPRETERS.find((b) => isCommand(cmd, b));
}

function isShellInterpreterOrCommand(cmd: string[]): boolean {
  if (cmd.length === 0 || isPythonCommand(cmd)) return false;
  return !OTHER_INTERPRETERS.some((b) => isBinaryName(b, cmd[0]));
}

/** extractInterpreterCommandFromArgs: the first quoted argument's text. */
function extractInterpreterCommandFromArgs(call: any): string | undefined {
  for (const word of call.Args ?? []) {
    if (word.Parts.length !== 1) continue;
    const part = word.Parts[0];
    const type = syntax.NodeType(part);
    if (type === 'DblQuoted') {
      if (part.Parts.length === 1 && syntax.NodeType(part.Parts[0]) === 'Lit') return part.Parts[0].Value;
    } else if (type === 'SglQuoted') {
      return part.Value;
    }
  }
  return undefined;
}

function isPythonCommand(cmd: string[]): boolean {
  return PYTHON_INTERPRETERS.some((p) => isBinaryName(p, cmd[0]));
}

function isPipInstall(cmd: string[]): boolean {
  return cmd.length >= 2 && (isBinaryName('pip', cmd[0]) || isBinaryName('pip3', cmd[0])) && eq(cmd[1], 'install');
}

function extractPipCommand(cmd: string[]): string[] | undefined {
  for (let i = 1; i < cmd.length; i++) {
    if (eq(cmd[i], '-m') && i < cmd.length - 1 && eq(cmd[i + 1], 'pip')) return cmd.slice(i + 1);
  }
  return undefined;
}

function isPythonPipInstall(cmd: string[]): boolean {
  if (!isPythonCommand(cmd)) return false;
  const pip = extractPipCommand(cmd);
  return pip !== undefined && isPipInstall(pip);
}

const isFlag = (word: string) => /^(-{1,2}\w+)+$/.test(word);

function isPinnedEditableSource(source: string): boolean {
  if (!/^(git|svn|hg|bzr).+$/.test(source)) return true;
  return /^git(\+(https?|ssh|git))?:\/\/.*(.git)?@[a-fA-F0-9]{40}(#egg=.*)?$/.test(source);
}

/** isUnpinnedPipInstall: pinned with `--require-hashes`, or installing wheel files only, or an editable local/VCS-by-hash source with `--no-deps`. */
function isUnpinnedPipInstall(cmd: string[]): boolean {
  let hasNoDeps = false;
  let isEditableInstall = false;
  let isPinnedEditableInstall = true;
  let hasRequireHashes = false;
  let hasAdditionalArgs = false;
  let hasWheel = false;
  for (let i = 2; i < cmd.length; i++) {
    if (eq(cmd[i], '--no-deps')) {
      hasNoDeps = true;
      continue;
    }
    if (['-e', '--editable'].includes(cmd[i])) {
      isEditableInstall = true;
      continue;
    }
    if (eq(cmd[i], '--require-hashes')) {
      hasRequireHashes = true;
      break;
    }
    if (isFlag(cmd[i])) continue;
    if (cmd[i].endsWith('.whl')) {
      hasWheel = true;
      continue;
    }
    if (isEditableInstall) {
      if (!isPinnedEditableSource(cmd[i])) isPinnedEditableInstall = false;
      continue;
    }
    hasAdditionalArgs = true;
  }
  if (isEditableInstall) return !hasNoDeps || !isPinnedEditableInstall;
  if (hasRequireHashes) return false;
  if (hasAdditionalArgs) return true;
  if (hasWheel) return false;
  return true;
}

const isPipDownload = (cmd: string[]) => isPipInstall(cmd) || isPythonPipInstall(cmd);

function isPipUnpinnedDownload(cmd: string[]): boolean {
  if (isPipInstall(cmd) && isUnpinnedPipInstall(cmd)) return true;
  return isPythonPipInstall(cmd) && isUnpinnedPipInstall(extractPipCommand(cmd) ?? []);
}

function isNpmDownload(cmd: string[]): boolean {
  if (!isBinaryName('npm', cmd[0])) return false;
  return cmd.slice(1).some((c) => ['install', 'i', 'install-test', 'update', 'ci'].some((v) => eq(c, v)));
}

/** `npm ci` verifies the lock file's hashes; every other install is unpinned. */
const isNpmUnpinnedDownload = (cmd: string[]) => !cmd.slice(1).some((c) => eq(c, 'ci'));

function isGoDownload(cmd: string[]): boolean {
  // `go install` with go.mod and go.sum present is not flagged: only `go get`/`go install <pkg>`.
  return cmd.length > 2 && isBinaryName('go', cmd[0]) && ['get', 'install'].includes(cmd[1]);
}

function isGoUnpinnedDownload(cmd: string[]): boolean {
  let insecure = false;
  for (let i = 1; i < cmd.length - 1; i++) {
    while (i < cmd.length - 1 && ['-d', '-f', '-t', '-u', '-v', '-fix', '-insecure'].includes(cmd[i + 1])) {
      if (cmd[i + 1] === '-insecure') insecure = true;
      i++;
    }
    if (i + 1 >= cmd.length) return false;
    const pkg = cmd[i + 1];
    if (!/\w+\.\w+\/\w+/.test(pkg)) return false;
    const parts = pkg.split('@');
    if (parts.length !== 2) continue;
    const version = parts[1];
    if (version === 'none' || /^[A-Fa-f0-9]{40,}$/.test(version) || (!insecure && /^v\d+\.\d+\.\d+(-[0-9A-Za-z-.]+)?(\+[0-9A-Za-z-.]+)?$/.test(version))) return false;
  }
  return true;
}
