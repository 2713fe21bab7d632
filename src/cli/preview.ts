/**
 * `projen-gitops preview`: what `npx projen` would change, as a patch, without writing
 * anything. Synth runs for real, in a scratch copy of the repository.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseCommandLine } from './args';
import { filePatch } from './patch';
import { WizardError } from './wizard';

const SKIP = new Set(['node_modules', '.git']);

function files(root: string, prefix = ''): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const entry of fs.readdirSync(path.join(root, prefix), { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) for (const [k, v] of files(root, rel)) out.set(k, v);
    else if (entry.isFile()) out.set(rel, fs.readFileSync(path.join(root, rel)));
  }
  return out;
}

export interface PreviewResult {
  /** Files synth would create, change or delete. */
  readonly changed: string[];
  /** For people (standard error): what would change, or why synth would stop. */
  readonly report: string;
  /** The change as one patch that `git apply` takes (standard output); empty when none. */
  readonly patch: string;
  /** Whether synth itself would fail (bad options, edited files). */
  readonly failed: boolean;
}

/** Synthesizes a scratch copy of `dir` and compares it with `dir`; writes nothing in `dir`. */
export function preview(dir: string): PreviewResult {
  if (!fs.existsSync(path.join(dir, '.projenrc.ts'))) {
    throw new Error(`no .projenrc.ts in ${dir}; run preview at the repository root`);
  }
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-preview-'));
  try {
    const copy = path.join(scratch, 'repo');
    fs.cpSync(dir, copy, { recursive: true, filter: (source) => !SKIP.has(path.basename(source)) });
    if (fs.existsSync(path.join(dir, 'node_modules'))) fs.symlinkSync(path.join(dir, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
    const projen = path.join(dir, 'node_modules', '.bin', 'projen');
    const result = spawnSync(fs.existsSync(projen) ? projen : 'npx', fs.existsSync(projen) ? ['--no-post'] : ['projen', '--no-post'], {
      cwd: copy, encoding: 'utf-8', env: { ...process.env, PROJEN_DISABLE_POST: 'true' },
    });
    if (result.status !== 0) {
      return { changed: [], failed: true, patch: '', report: `synth would stop; nothing would change:\n${(result.stderr || result.stdout).trim()}` };
    }
    const before = files(dir);
    const after = files(copy);
    const changed = [...new Set([...before.keys(), ...after.keys()])].sort()
      .filter((file) => !(before.get(file)?.equals(after.get(file) ?? Buffer.alloc(0)) && after.has(file)));
    if (changed.length === 0) return { changed, failed: false, patch: '', report: 'npx projen would change nothing.' };
    const lines = [`npx projen would change ${changed.length} file${changed.length === 1 ? '' : 's'}:`];
    const patches: string[] = [];
    for (const file of changed) {
      const [old, next] = [before.get(file), after.get(file)];
      lines.push(`  ${old === undefined ? 'create' : next === undefined ? 'delete' : 'update'} ${file}`);
      if ([old, next].some((b) => b?.includes(0))) lines.push('    (binary: not in the patch)');
      else patches.push(filePatch(file, old?.toString('utf-8'), next?.toString('utf-8')));
    }
    return { changed, failed: false, patch: patches.join(''), report: lines.join('\n') };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** The `preview` command's options, or `'help'`. */
export function parsePreviewArgs(argv: string[]): { readonly exitCode: boolean } | 'help' {
  const { values, positionals } = parseCommandLine(argv, { 'exit-code': { type: 'boolean' }, 'help': { type: 'boolean', short: 'h' } },
    (message) => new WizardError(message));
  if (positionals.length > 0) throw new WizardError(`unexpected argument '${positionals[0]}' (see --help)`);
  return values.help ? 'help' : { exitCode: values['exit-code'] === true };
}
