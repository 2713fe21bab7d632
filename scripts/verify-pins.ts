/*
 * Checks the pin table (src/github/actions.ts) against the actions' own repositories:
 * each SHA is the commit of its tag, each runtime is what the tag's action.yml declares, and
 * the newest release tag is named when it is not the pinned one. It needs local git copies of
 * the repositories (clones, or mirrors named `<owner>+<repo>/repo`), so it is part of the
 * release checklist (docs/release.md), not of the build:
 *
 *   npx ts-node --project test/tsconfig.json scripts/verify-pins.ts <folder of copies>
 *
 * Exits 1 when a SHA or a runtime is wrong or a repository is missing, 0 otherwise (an
 * available upgrade is printed, not failed on: Renovate proposes it).
 */
import { execFileSync } from 'child_process';
import { existsSync } from 'fs';
import { join } from 'path';
import { ACTIONS, COMPOSITE_USES, PinnedAction } from '../src/github/actions';

const root = process.argv[2];
if (!root) {
  console.error('usage: verify-pins.ts <folder holding the action repositories as <owner>+<repo>/repo or <owner>/<repo>>');
  process.exit(2);
}

function gitDir(repo: string): string | undefined {
  const [owner, name] = repo.split('/');
  const candidates = [join(root, `${owner}+${name}`, 'repo'), join(root, owner, name)];
  // Owners are case-insensitive on GitHub (azure/login is Azure/login).
  for (const c of candidates) if (existsSync(c)) return c;
  const lower = candidates.map((c) => c.toLowerCase());
  const found = execFileSync('ls', [root], { encoding: 'utf8' }).split('\n')
    .map((entry) => join(root, entry, 'repo')).find((c) => lower.includes(c.toLowerCase()));
  return found && existsSync(found) ? found : undefined;
}

const git = (dir: string, ...args: string[]) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
const semver = (tag: string) => tag.slice(1).split('.').map(Number);
const newer = (a: string, b: string) => { const [x, y] = [semver(a), semver(b)]; for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] > y[i]; return false; };

let failed = false;
const rows: string[] = [];
for (const [key, pin] of Object.entries(ACTIONS) as Array<[string, PinnedAction]>) {
  const repo = pin.action.split('/').slice(0, 2).join('/');
  const sub = pin.action.split('/').slice(2).join('/');
  const dir = gitDir(repo);
  if (!dir) { rows.push(`${key}\t${pin.action}\tMISSING repository copy`); failed = true; continue; }
  const problems: string[] = [];
  let sha = '';
  try { sha = git(dir, 'rev-parse', `${pin.version}^{commit}`); } catch { problems.push(`no tag ${pin.version}`); }
  if (sha && sha !== pin.sha) problems.push(`SHA is ${sha}`);
  let using = '';
  for (const file of ['action.yml', 'action.yaml']) {
    try {
      const meta = git(dir, 'show', `${pin.version}:${sub ? `${sub}/` : ''}${file}`);
      using = /^runs:\s*$[\s\S]*?^\s+using:\s*['"]?([\w-]+)/m.exec(meta)?.[1] ?? '';
      break;
    } catch { /* try the other name */ }
  }
  if (using !== pin.runtime) problems.push(`runs.using is '${using}', the table says '${pin.runtime}'`);
  const tags = git(dir, 'tag').split('\n').filter((t) => /^v\d+\.\d+\.\d+$/.test(t));
  const newest = tags.reduce((a, b) => (newer(b, a) ? b : a), pin.version);
  if (problems.length) failed = true;
  rows.push(`${key}\t${pin.action}\t${pin.version}\t${pin.runtime}\t${problems.length ? problems.join('; ') : 'ok'}${newest !== pin.version ? `\tnewer: ${newest}` : ''}`);
}
/** `runs.using` and the steps' `uses:` of an action's metadata at a commit or tag, or undefined when there is none. */
function metadata(dir: string, at: string, sub: string): { using: string; uses: string[] } | undefined {
  for (const file of ['action.yml', 'action.yaml']) {
    try {
      const meta = git(dir, 'show', `${at}:${sub ? `${sub}/` : ''}${file}`);
      return {
        using: /^runs:\s*$[\s\S]*?^\s+using:\s*['"]?([\w-]+)/m.exec(meta)?.[1] ?? '',
        uses: [...meta.matchAll(/^\s*(?:-\s+)?uses:\s*['"]?([^\s'"#]+)/gm)].map((m) => m[1]),
      };
    } catch { /* try the other name */ }
  }
  return undefined;
}

// What the composite actions run (COMPOSITE_USES): their steps' uses: at the recorded commit, and
// for each of those, its tag's commit and its runtime there.
for (const [ref, nested] of Object.entries(COMPOSITE_USES)) {
  const [action, sha] = ref.split('@');
  const dir = gitDir(action.split('/').slice(0, 2).join('/'));
  if (!dir) { rows.push(`composite\t${ref}\tMISSING repository copy`); failed = true; continue; }
  const meta = metadata(dir, sha, action.split('/').slice(2).join('/'));
  const recorded = nested.map((n) => n.uses);
  const problems = !meta ? ['no action.yml at that commit']
    : JSON.stringify(meta.uses.filter((u) => !u.startsWith('./'))) === JSON.stringify(recorded) ? [] : [`its steps use ${meta.uses.join(', ') || 'nothing'}; the table says ${recorded.join(', ') || 'nothing'}`];
  for (const inner of nested) {
    const [innerAction, innerSha] = inner.uses.split('@');
    const innerDir = gitDir(innerAction.split('/').slice(0, 2).join('/'));
    if (!innerDir) { problems.push(`${inner.uses}: MISSING repository copy`); continue; }
    let tagged = '';
    try { tagged = git(innerDir, 'rev-parse', `${inner.version}^{commit}`); } catch { problems.push(`${inner.uses}: no tag ${inner.version}`); }
    if (tagged && tagged !== innerSha) problems.push(`${inner.uses}: ${inner.version} is ${tagged}`);
    const using = metadata(innerDir, innerSha, innerAction.split('/').slice(2).join('/'))?.using ?? '';
    if (using !== inner.runtime) problems.push(`${inner.uses}: runs.using is '${using}', the table says '${inner.runtime}'`);
  }
  if (problems.length) failed = true;
  rows.push(`composite\t${ref}\t${problems.length ? problems.join('; ') : 'ok'}`);
}
console.log(rows.join('\n'));
process.exit(failed ? 1 : 0);
