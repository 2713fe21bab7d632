/**
 * `projen-gitops upgrade`: the script of `.github/workflows/upgrade.yml`. Bumps the template
 * package (or projen-gitops used directly) to the newest release the range in package.json
 * allows whose publish time is older than the ring's waiting time (and not past the `latest`
 * dist-tag: moving `latest` back pauses a rollout), re-synthesizes until nothing changes, and
 * opens or updates one pull request that says why each file changed.
 */
import { spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as semver from 'semver';
import { githubApi } from './github-client';
import { BACKUP_DIR } from '../core/sync';
import { isRepository } from '../model/names';
import { METADATA_FILE, UPGRADE_BRANCH } from '../model/upgrades';

/** Thrown for a problem the user fixes (no metadata, bad token, registry unreachable). */
export class UpgradeError extends Error {}

/** What `npm view <package> --json` answers (the fields used). */
export interface NpmView {
  readonly 'versions'?: string[] | string;
  readonly 'time'?: { [version: string]: string };
  readonly 'dist-tags'?: { [tag: string]: string };
}

/** What a synth run answered. */
export interface SynthRun {
  readonly status: number;
  readonly output: string;
}

export interface UpgradeOptions {
  readonly cwd: string;
  readonly apiUrl: string;
  readonly token: string;
  /** `app` (checks run on the pull request) or `workflow` (the fallback token: they do not). */
  readonly tokenKind: 'app' | 'workflow';
  /** `owner/name`. */
  readonly repository: string;
  /** Synth rounds before giving up on a synth that never stops changing files. */
  readonly maxRounds?: number;
  readonly now?: Date;
  /** `npm view <package> --json`. */
  readonly view?: (pkg: string) => NpmView;
  /** Installs `pkg@version` as a devDependency (package.json and the lock), saved as exactly that version or as `^version`. */
  readonly install?: (pkg: string, version: string, exact: boolean) => void;
  /** `npx projen`. */
  readonly synth?: () => SynthRun;
  readonly log?: (line: string) => void;
}

export interface UpgradeResult {
  readonly exitCode: number;
  readonly from?: string;
  readonly to?: string;
  readonly pullRequest?: number;
  readonly body?: string;
}

/** The metadata synth writes (src/model/upgrades.ts). */
interface Metadata {
  readonly package: string;
  readonly ring: string;
  readonly waitDays: number;
  readonly files?: { [file: string]: { owner: string; purpose: string } };
  /** The template's defaults by name (`options.X` for its options). */
  readonly defaults?: { [name: string]: unknown };
}

/** The template defaults a release changed, added or removed, as Markdown list items. */
export function changedDefaults(before: { [name: string]: unknown } | undefined, after: { [name: string]: unknown } | undefined): string[] {
  if (!before || !after) return [];
  const show = (v: unknown) => {
    const text = JSON.stringify(v);
    return `\`${text.length > 120 ? `${text.slice(0, 117)}...` : text}\``;
  };
  const out: string[] = [];
  for (const name of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    const [a, b] = [before[name], after[name]];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    const what = name.startsWith('options.') ? `option \`${name.slice('options.'.length)}\`` : `\`${name}\``;
    if (a === undefined) out.push(`- default ${what} added: ${show(b)}`);
    else if (b === undefined) out.push(`- default ${what} removed (was ${show(a)})`);
    else out.push(`- default ${what}: ${show(a)} → ${show(b)}`);
  }
  return out;
}

const MARKER = '<!-- projen-gitops upgrade -->';
const DAY = 86_400_000;

/** The release to take: newest in range, old enough, not past `latest`; and the ones still waiting. */
export function chooseVersion(view: NpmView, range: string, installed: string, waitDays: number, now: Date): { version?: string; waiting: string[] } {
  const versions = (Array.isArray(view.versions) ? view.versions : view.versions ? [view.versions] : []).filter((v) => semver.valid(v));
  const latest = view['dist-tags']?.latest;
  const waiting: string[] = [];
  let best: string | undefined;
  for (const v of versions) {
    if (!semver.satisfies(v, range) || !semver.gt(v, installed)) continue;
    if (latest && semver.valid(latest) && semver.gt(v, latest)) continue;
    const published = Date.parse(view.time?.[v] ?? '');
    if (Number.isNaN(published)) continue;
    if (now.getTime() - published < waitDays * DAY) {
      waiting.push(`${v} (published ${new Date(published).toISOString().slice(0, 10)}, taken from ${new Date(published + waitDays * DAY).toISOString().slice(0, 16).replace('T', ' ')} UTC)`);
      continue;
    }
    if (!best || semver.gt(v, best)) best = v;
  }
  return { version: best, waiting };
}

/** The CHANGELOG.md sections of versions after `from` up to `to` (`## 1.1.0` or `## [1.1.0]` headings). */
export function releaseNotes(changelog: string, from: string, to: string): string | undefined {
  const sections = changelog.split(/^(?=#{1,3} \[?v?\d+\.\d+\.\d+)/m);
  const picked = sections.filter((s) => {
    const v = /^#{1,3} \[?v?(\d+\.\d+\.\d+[^\]\s)]*)/.exec(s)?.[1];
    return v && semver.valid(v) && semver.gt(v, from) && semver.lte(v, to);
  });
  return picked.length ? picked.map((s) => s.trim()).join('\n\n') : undefined;
}

/** The files synth refused to overwrite, from its "edited by hand" message (src/core/sync.ts). */
export function handEditedFiles(output: string): string[] {
  const start = output.indexOf('edited by hand; synth stopped');
  if (start < 0) return [];
  const end = output.indexOf('Ways forward', start);
  const part = output.slice(start, end < 0 ? undefined : end).split('\n').slice(1);
  return part.filter((l) => /^ {2}\S/.test(l)).map((l) => l.trim());
}

/** The image build args of the presets' Dockerfiles, and what the explanation calls them. */
const IMAGE_ARGS: Record<string, string> = { BUILD_IMAGE: 'build image', BASE_IMAGE: 'base image' };

/**
 * What changed in a file's diff that names its reason: action pins and base images. A preset's
 * Dockerfile names its images in build args (`ARG BASE_IMAGE="<tag>"`, and once pinned
 * `ARG BASE_IMAGE_SHA256="<digest>"`, which `FROM ${BASE_IMAGE}@sha256:${BASE_IMAGE_SHA256}`
 * reads): each side of the diff (its context lines and its own) gives the image's whole reference.
 */
export function pinChanges(diff: string): string[] {
  const removed = new Map<string, string>();
  const out: string[] = [];
  const args = { old: new Map<string, string>(), new: new Map<string, string>() };
  for (const line of diff.split('\n')) {
    const uses = /^([-+])\s*(?:-\s+)?uses:\s*([^@\s]+)@\S+(?:\s+#\s*(\S+))?/.exec(line);
    if (uses) {
      if (uses[1] === '-') removed.set(uses[2], uses[3] ?? '?');
      else if (removed.has(uses[2]) && removed.get(uses[2]) !== (uses[3] ?? '?')) out.push(`action \`${uses[2]}\` ${removed.get(uses[2])} → ${uses[3] ?? '?'}`);
      continue;
    }
    const arg = /^([-+ ])ARG (BUILD_IMAGE|BASE_IMAGE)(_SHA256)?="([^"]*)"$/.exec(line);
    if (arg) {
      const key = `${arg[2]}${arg[3] ?? ''}`;
      if (arg[1] !== '+') args.old.set(key, arg[4]);
      if (arg[1] !== '-') args.new.set(key, arg[4]);
      continue;
    }
    // A FROM that names its image itself (a build arg is explained by its ARG line above).
    const from = /^([-+])FROM\s+(?:--platform=\S+\s+)?([^\s$]+)(?:\s|$)/.exec(line);
    if (from) {
      if (from[1] === '-') {removed.set(`FROM ${from[2].split(/[:@]/)[0]}`, from[2]);} else {
        const before = removed.get(`FROM ${from[2].split(/[:@]/)[0]}`);
        out.push(before ? `base image \`${before}\` → \`${from[2]}\`` : `base image \`${from[2]}\``);
      }
    }
  }
  const reference = (side: Map<string, string>, name: string) => {
    const ref = side.get(name);
    const digest = side.get(`${name}_SHA256`);
    return ref === undefined ? undefined : digest ? `${ref}@sha256:${digest}` : ref;
  };
  for (const [name, what] of Object.entries(IMAGE_ARGS)) {
    const [before, after] = [reference(args.old, name), reference(args.new, name)];
    if (after !== undefined && before !== after) out.push(before ? `${what} \`${before}\` → \`${after}\`` : `${what} \`${after}\``);
  }
  return [...new Set(out)];
}

function defaultView(cwd: string) {
  return (pkg: string): NpmView => {
    const result = spawnSync('npm', ['view', pkg, '--json', 'versions', 'time', 'dist-tags'], { cwd, encoding: 'utf-8' });
    if (result.status !== 0) throw new UpgradeError(`npm view ${pkg} failed: ${(result.stderr || '').trim().split('\n').slice(-3).join(' ')}; check the registry in .npmrc and its token`);
    return JSON.parse(result.stdout);
  };
}

export async function upgrade(options: UpgradeOptions): Promise<UpgradeResult> {
  const cwd = options.cwd;
  const log = options.log ?? (() => undefined);
  const maxRounds = options.maxRounds ?? 4;
  const git = (...args: string[]) => run('git', args, cwd).stdout;
  const metadata = readJson<Metadata>(path.join(cwd, METADATA_FILE), `run \`npx projen\` with projen-gitops 1.x or later first (it writes ${METADATA_FILE})`);
  const pkg = metadata.package;
  const manifest = readJson<any>(path.join(cwd, 'package.json'), 'the repository has no package.json');
  const range: string | undefined = manifest.devDependencies?.[pkg] ?? manifest.dependencies?.[pkg];
  if (!range) throw new UpgradeError(`package.json does not depend on ${pkg} (${METADATA_FILE} names it); add it to devDeps in .projenrc.ts`);
  const installed = installedVersion(cwd, pkg) ?? semver.minVersion(range)?.version;
  if (!installed) throw new UpgradeError(`cannot tell which ${pkg} is installed; run \`npm ci\` first`);
  // An exact version is what `projen new --from` writes: it allows the releases of its major
  // (the upgrade moves the pin); a range written by hand is kept to.
  const allowed = semver.valid(range) ? `^${range} >=${installed}` : semver.validRange(range) ? `${range} >=${installed}` : `>=${installed}`;
  const view = (options.view ?? defaultView(cwd))(pkg);
  const chosen = chooseVersion(view, allowed, installed, metadata.waitDays, options.now ?? new Date());
  for (const w of chosen.waiting) log(`${pkg} ${w}: younger than ring ${metadata.ring}'s ${metadata.waitDays} days`);
  if (!chosen.version) {
    log(`${pkg} ${installed} is the newest release ring ${metadata.ring} takes (range ${range}); nothing to do`);
    return { exitCode: 0, from: installed };
  }
  const to = chosen.version;
  // The branch is built in this checkout: never with someone's uncommitted or untracked work in it.
  const dirty = git('status', '--porcelain', '--untracked-files=all').split('\n').filter(Boolean);
  if (dirty.length > 0) {
    throw new UpgradeError(`the checkout has ${dirty.length} uncommitted or untracked file(s) (${dirty.slice(0, 3).map((l) => l.slice(3)).join(', ')}${dirty.length > 3 ? ', ...' : ''}); commit or stash them first (the upgrade commits every change it makes, so it runs only in a clean checkout)`);
  }
  const base = git('rev-parse', '--abbrev-ref', 'HEAD').trim();
  const baseCommit = git('rev-parse', 'HEAD').trim();
  log(`upgrading ${pkg} ${installed} → ${to} (ring ${metadata.ring}, waits ${metadata.waitDays} days)`);
  git('checkout', '--quiet', '-B', UPGRADE_BRANCH);
  try {
    // The version in .projenrc.ts first: synth writes package.json from it (and would undo the bump).
    const spec = bumpSpec(cwd, pkg, to);
    (options.install ?? defaultInstall(cwd))(pkg, to, spec?.exact ?? semver.valid(range) !== null);
    // The new release's migrations of .projenrc.ts, before the first synth reads it.
    const migrations = applyMigrations(cwd, readMigrations(cwd, pkg), installed, to);
    // Synth until a round changes nothing: a new release may write files the next round reads.
    const synth = options.synth ?? defaultSynth(cwd);
    let tree = stage(git);
    let rounds = 0;
    let stable = false;
    let blocked: { files: string[]; output: string } | undefined;
    let failed: SynthRun | undefined;
    while (rounds < maxRounds) {
      rounds++;
      const result = synth();
      if (result.status !== 0) {
        const files = handEditedFiles(result.output);
        if (files.length) blocked = { files, output: result.output };
        else failed = result;
        break;
      }
      const next = stage(git);
      if (next === tree) {
        stable = true;
        break;
      }
      tree = next;
    }
    log(stable ? `synth stable after ${rounds} round${rounds === 1 ? '' : 's'}` : blocked ? `synth stopped: hand edits in ${blocked.files.join(', ')}` : failed ? `synth failed (exit ${failed.status})` : `synth still changed files after ${maxRounds} rounds`);

    const after = readJsonOr<Metadata>(path.join(cwd, METADATA_FILE)) ?? metadata;
    const files = git('diff', '--cached', '--name-status', '--no-renames', baseCommit).split('\n').filter(Boolean).map((l) => {
      const [status, file] = l.split('\t');
      return { status, file };
    });
    const describe = (file: string) => after.files?.[file] ?? metadata.files?.[file] ?? Object.entries(after.files ?? {}).find(([p]) => p.endsWith('/') && file.startsWith(p))?.[1];
    const groups = new Map<string, string[]>();
    for (const { status, file } of files) {
      const entry = describe(file);
      const key = file === 'package.json' || file === 'package-lock.json' ? `The bump of ${pkg}` : entry ? `${entry.owner}: ${entry.purpose}` : 'Tooling written by projen';
      const reasons = pinChanges(git('diff', '--cached', baseCommit, '--', file));
      if (file === '.projenrc.ts') {
        if (spec && spec.from !== spec.to) reasons.push(`\`${spec.from}\` → \`${spec.to}\``);
        reasons.push(...migrations.filter((m) => m.applied).map((m) => `${m.message.replace(/ in `\.projenrc\.ts`$/, '')} (migration ${m.version})`));
      }
      const verb = status === 'A' ? 'added' : status === 'D' ? 'deleted' : 'changed';
      groups.set(key, [...(groups.get(key) ?? []), `- \`${file}\` (${verb})${reasons.length ? `: ${reasons.join('; ')}` : ''}`]);
    }
    const todo: string[] = [];
    if (files.some((f) => f.file.startsWith('.github/rulesets/'))) todo.push('The rulesets changed: after merging, run `GH_TOKEN=... npx projen protect` (`--dry-run` first) so GitHub enforces them.');
    if (files.some((f) => f.file.startsWith('.github/workflows/')) && options.tokenKind === 'workflow') todo.push('Workflow files changed: the workflow token cannot push them; set up the GitHub App (variable `UPGRADE_APP_CLIENT_ID`, secret `UPGRADE_APP_PRIVATE_KEY`).');
    if (blocked) {
      todo.push(
        `**Synth stopped on hand edits**: ${blocked.files.map((f) => `\`${f}\``).join(', ')} ${blocked.files.length === 1 ? 'differs' : 'differ'} from what projen-gitops last wrote, so this pull request has the bump but not the re-generated files, and its drift check fails. On this branch (\`${UPGRADE_BRANCH}\`), per file:`,
        '  1. move the change into `.projenrc.ts` (an option or an override), restore the file with `git checkout origin/' + base + ' -- FILE`, run `npx projen` and push; or',
        '  2. keep it as yours: add it to `handOver: [...]` in `.projenrc.ts`, run `npx projen` and push; or',
        `  3. drop it: \`PROJEN_GITOPS_FORCE=1 npx projen\` (a backup is kept in \`${BACKUP_DIR}/\`), then push.`,
      );
    }
    for (const m of migrations.filter((x) => !x.applied)) todo.push(`**Migration ${m.version}**: ${m.message}`);
    if (failed) todo.push(`**Synth failed** (exit ${failed.status}); the last lines of its output are below. Fix \`.projenrc.ts\` on this branch and push.`);
    if (!stable && !blocked && !failed) todo.push(`**Synth did not settle**: every one of ${maxRounds} rounds changed files. Run \`npx projen\` on this branch and report it to the template's maintainers.`);

    let notes: string | undefined;
    const changelog = path.join(cwd, 'node_modules', pkg, 'CHANGELOG.md');
    if (fs.existsSync(changelog)) notes = releaseNotes(fs.readFileSync(changelog, 'utf-8'), installed, to);

    const defaults = changedDefaults(metadata.defaults, after.defaults);
    const title = `Upgrade ${pkg} ${installed} → ${to}`;
    const body = [
      `Upgrades **${pkg}** from ${installed} to **${to}** (ring \`${metadata.ring}\`: releases are taken ${metadata.waitDays} day${metadata.waitDays === 1 ? '' : 's'} after they are published), ${stable ? `re-synthesized with \`npx projen\` until nothing changed (${rounds} round${rounds === 1 ? '' : 's'})` : 'but **not** fully re-synthesized (see below)'}.`,
      '',
      ...(options.tokenKind === 'workflow' ? ['> [!WARNING]', '> Opened with the workflow token: GitHub starts no checks on this pull request, so the required checks stay pending. Set up the GitHub App (variable `UPGRADE_APP_CLIENT_ID`, secret `UPGRADE_APP_PRIVATE_KEY`), or close and reopen this pull request to run them.', ''] : []),
      ...(todo.length ? ['## What you must do', '', ...todo.map((t) => (t.startsWith('  ') ? t : `- ${t}`)), ''] : []),
      ...(defaults.length ? ['## What the template changed', '', 'Defaults this repository takes unless its `.projenrc.ts` sets them:', '', ...defaults, ''] : []),
      `## Changed files (${files.length})`,
      '',
      ...[...groups].flatMap(([key, lines]) => [`**${key}**`, '', ...lines, '']),
      ...(migrations.length ? ['## Migrations', '', ...migrations.map((m) => `- ${m.version}: ${m.applied ? `applied: ${m.message}` : `**needs your edit**: ${m.message}`}`), ''] : []),
      '## Release notes',
      '',
      notes ? notes.replace(/^#{1,3} /gm, '### ') : `No CHANGELOG.md in ${pkg} ${to}; see its releases.`,
      '',
      ...(blocked || failed ? ['<details><summary>Synth output</summary>', '', '```', (blocked?.output ?? failed!.output).split('\n').slice(-60).join('\n').replace(/```/g, "'''"), '```', '</details>', ''] : []),
      MARKER,
    ].join('\n');

    git('-c', 'user.name=projen-gitops upgrade', '-c', 'user.email=projen-gitops@users.noreply.github.com', 'commit', '--quiet', '--no-verify', '--allow-empty', '-m', title);
    const push = ['push', '--quiet', '--force', 'origin', `HEAD:refs/heads/${UPGRADE_BRANCH}`];
    const auth = /^https:/.test(git('remote', 'get-url', 'origin').trim()) ? ['-c', `http.extraheader=AUTHORIZATION: basic ${Buffer.from(`x-access-token:${options.token}`).toString('base64')}`] : [];
    const pushed = run('git', [...auth, ...push], cwd, true);
    if (pushed.status !== 0) {
      const workflows = files.some((f) => f.file.startsWith('.github/workflows/'));
      throw new UpgradeError(`git push of ${UPGRADE_BRANCH} failed: ${(pushed.stderr || '').trim().split('\n').slice(-3).join(' ')}${workflows && options.tokenKind === 'workflow'
        ? '; the upgrade changes workflow files, which the workflow token may never push: set up the GitHub App (variable UPGRADE_APP_CLIENT_ID, secret UPGRADE_APP_PRIVATE_KEY, with Workflows: write)'
        : ''}`);
    }

    const api = githubApi(options.apiUrl, options.token, (message) => new UpgradeError(message),
      'the token needs "Contents: write" and "Pull requests: write" (and "Workflows: write" for workflow files)');
    const [owner] = options.repository.split('/');
    const open = await api('GET', `/repos/${options.repository}/pulls?state=open&head=${encodeURIComponent(`${owner}:${UPGRADE_BRANCH}`)}&base=${encodeURIComponent(base)}`);
    let number: number;
    if (Array.isArray(open) && open.length > 0) {
      number = open[0].number;
      await api('PATCH', `/repos/${options.repository}/pulls/${number}`, { title, body });
      log(`updated pull request #${number}: ${title}`);
    } else {
      number = (await api('POST', `/repos/${options.repository}/pulls`, { title, head: UPGRADE_BRANCH, base, body, maintainer_can_modify: true })).number;
      log(`opened pull request #${number}: ${title}`);
    }
    return { exitCode: stable ? 0 : 1, from: installed, to, pullRequest: number, body };
  } finally {
    run('git', ['checkout', '--quiet', '--force', base], cwd, true);
  }
}

/**
 * A migration a template (or projen-gitops) release ships in its package.json, under
 * `"projen-gitops": { "migrations": [...] }`: data, never code, so an upgrade runs nothing the
 * package brings. Today one kind: an option renamed in `.projenrc.ts`.
 */
export interface Migration {
  /** The release that renamed the option: applied when upgrading past it. */
  readonly version: string;
  /** The option's old and new key in the options object of `.projenrc.ts`. */
  readonly renameOption: { readonly from: string; readonly to: string };
}

/** What became of one migration: applied, or the edit the user must make. */
export interface MigrationResult {
  readonly version: string;
  readonly applied: boolean;
  readonly message: string;
}

const KEY = /^[A-Za-z_$][A-Za-z0-9_$]{0,99}$/;

/** The migrations in the installed package's package.json (malformed entries are reported, not run). */
export function readMigrations(cwd: string, pkg: string): Migration[] {
  const manifest = readJsonOr<any>(path.join(cwd, 'node_modules', pkg, 'package.json'));
  const list = manifest?.['projen-gitops']?.migrations;
  if (!Array.isArray(list)) return [];
  return list.filter((m: any) => m && typeof m.version === 'string' && semver.valid(m.version)
    && KEY.test(m.renameOption?.from ?? '') && KEY.test(m.renameOption?.to ?? ''));
}

/**
 * Applies the migrations of the releases after `from` up to `to` to `.projenrc.ts`: a rename is
 * made where the old key occurs exactly once as an object key; otherwise the edit is named.
 */
export function applyMigrations(cwd: string, migrations: Migration[], from: string, to: string): MigrationResult[] {
  const file = path.join(cwd, '.projenrc.ts');
  const out: MigrationResult[] = [];
  for (const m of [...migrations].sort((a, b) => semver.compare(a.version, b.version))) {
    if (!semver.gt(m.version, from) || semver.gt(m.version, to)) continue;
    const { from: old, to: now } = m.renameOption;
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf-8') : '';
    const key = new RegExp(`(?<=[{,\\s])(['"]?)${old.replace(/\$/g, '\\$')}\\1(?=\\s*:)`, 'g');
    const count = [...text.matchAll(key)].length;
    if (count === 0) continue;
    if (count === 1) {
      fs.writeFileSync(file, text.replace(key, (_all, quote: string) => `${quote}${now}${quote}`));
      out.push({ version: m.version, applied: true, message: `option \`${old}\` renamed to \`${now}\` in \`.projenrc.ts\`` });
    } else {
      out.push({ version: m.version, applied: false, message: `rename the option \`${old}\` to \`${now}\` in \`.projenrc.ts\` (${count} places look like it; none was changed)` });
    }
  }
  return out;
}

/** What became of the package's version in `.projenrc.ts`. */
export interface SpecBump {
  /** The dependency as written before and after, e.g. `@acme/gitops-template@1.0.0`. */
  readonly from: string;
  readonly to: string;
  /** Whether it names one exact version (then package.json does too). */
  readonly exact: boolean;
}

/**
 * Moves the version of `pkg` in `.projenrc.ts` (`"pkg@1.0.0"` in its deps or devDeps, as
 * `projen new --from` writes it) to `version`, keeping its kind: an exact version stays exact,
 * `^`/`~` keep their prefix, another range that allows `version` is left as it is. Undefined
 * when `.projenrc.ts` names no version of `pkg` (there is nothing synth would undo).
 */
export function bumpSpec(cwd: string, pkg: string, version: string): SpecBump | undefined {
  const file = path.join(cwd, '.projenrc.ts');
  if (!fs.existsSync(file)) return undefined;
  const text = fs.readFileSync(file, 'utf-8');
  const escaped = pkg.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const pattern = new RegExp(`(["'\`])${escaped}@([^"'\`\n]+)\\1`, 'g');
  const found = [...text.matchAll(pattern)];
  if (found.length !== 1) return undefined;
  const [, quote, range] = found[0];
  const exact = semver.valid(range) !== null;
  const prefix = /^[\^~]/.exec(range)?.[0];
  const next = exact ? version : prefix && semver.valid(range.slice(1)) ? `${prefix}${version}` : range;
  if (next !== range) fs.writeFileSync(file, text.replace(pattern, `${quote}${pkg}@${next}${quote}`));
  return { from: `${pkg}@${range}`, to: `${pkg}@${next}`, exact };
}

/** Stages everything and returns the tree: equal trees mean a round changed nothing. */
function stage(git: (...args: string[]) => string): string {
  git('add', '--all');
  return git('write-tree').trim();
}

function installedVersion(cwd: string, pkg: string): string | undefined {
  const own = readJsonOr<any>(path.join(cwd, 'node_modules', pkg, 'package.json'))?.version;
  if (own) return own;
  return readJsonOr<any>(path.join(cwd, 'package-lock.json'))?.packages?.[`node_modules/${pkg}`]?.version;
}

/**
 * The environment without the GitHub tokens: the install and the synth run the new release's
 * code, which needs no token (only the push and the pull request do, in this process).
 */
function withoutTokens(): NodeJS.ProcessEnv {
  const { GH_TOKEN: _gh, GITHUB_TOKEN: _github, ...env } = process.env;
  return env;
}

function defaultInstall(cwd: string) {
  return (pkg: string, version: string, exact: boolean) => {
    const result = spawnSync('npm', ['install', '--save-dev', ...(exact ? ['--save-exact'] : []), '--ignore-scripts', '--no-audit', '--no-fund', `${pkg}@${version}`], { cwd, env: withoutTokens(), encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (result.status !== 0) throw new UpgradeError(`npm install ${pkg}@${version} failed: ${(result.stderr || '').trim().split('\n').slice(-3).join(' ')}`);
  };
}

function defaultSynth(cwd: string) {
  return (): SynthRun => {
    const result = spawnSync('npx', ['projen'], { cwd, env: withoutTokens(), encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { status: result.status ?? 1, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
  };
}

function readJson<T>(file: string, fix: string): T {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf-8'));
  } catch (e) {
    throw new UpgradeError(`cannot read ${path.basename(file)} (${(e as Error).message.split('\n')[0]}); ${fix}`);
  }
}

function readJsonOr<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf-8'));
  } catch {
    return undefined;
  }
}

function run(command: string, args: string[], cwd: string, mayFail = false): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, encoding: 'utf-8' });
  if (!mayFail && result.status !== 0) throw new UpgradeError(`${command} ${args.find((a) => !a.startsWith('-') && !a.includes('=')) ?? ''} failed: ${(result.stderr || result.error?.message || '').trim()}`);
  return result;
}

export const UPGRADE_USAGE = `Usage: projen-gitops upgrade [--max-rounds N] [--now TIME]

The upgrade workflow's script: bumps the package ${METADATA_FILE} names (the template, or
projen-gitops) to the newest release within the range in package.json that is older than
the ring's waiting time and not past its \`latest\` dist-tag, runs \`npx projen\` until nothing
changes (at most N rounds, default 4), and opens or updates the pull request from branch
${UPGRADE_BRANCH}. Exits 1 when synth did not settle (hand edits, a failure): the pull request
is still opened and says what to do. --now TIME (ISO 8601, e.g. 2026-12-10T06:00Z) judges
the ring's waiting time as if it were then: what a later ring takes on that day (tests, and
a rollout taken early by hand). Token: GH_TOKEN or GITHUB_TOKEN (UPGRADE_TOKEN_KIND=app
when it is a GitHub App's); API: GITHUB_API_URL; repository: GITHUB_REPOSITORY.`;

/** The command line: options from the arguments and the workflow's environment. */
export function upgradeOptions(argv: string[], env: NodeJS.ProcessEnv): Omit<UpgradeOptions, 'cwd' | 'log'> | undefined {
  let maxRounds: number | undefined;
  let now: Date | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '-h' || argv[i] === '--help') return undefined;
    if (argv[i] === '--max-rounds') {
      maxRounds = Number(argv[++i]);
      if (!Number.isInteger(maxRounds) || maxRounds < 1 || maxRounds > 10) throw new UpgradeError(`--max-rounds must be a whole number from 1 to 10, got ${JSON.stringify(argv[i])}; try --max-rounds 4`);
    } else if (argv[i] === '--now') {
      const value = argv[++i];
      // A date and time as ISO 8601 writes it (Date.parse alone also takes "1" or "May 5").
      now = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?$/.test(value ?? '') ? new Date(value) : undefined;
      if (!now || Number.isNaN(now.getTime())) throw new UpgradeError(`--now must be an ISO 8601 time, got ${JSON.stringify(value)}; try --now 2026-12-10T06:00Z`);
    } else {
      throw new UpgradeError(`unknown option '${argv[i]}' (see --help)`);
    }
  }
  const token = env.GH_TOKEN ?? env.GITHUB_TOKEN;
  if (!token) throw new UpgradeError('no token: set GH_TOKEN to one with "Contents: write" and "Pull requests: write"');
  const repository = env.GITHUB_REPOSITORY;
  if (!repository || !isRepository(repository)) throw new UpgradeError(`GITHUB_REPOSITORY must be owner/name, got ${JSON.stringify(repository)}; try GITHUB_REPOSITORY=acme/orders`);
  return {
    apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
    token,
    tokenKind: env.UPGRADE_TOKEN_KIND === 'app' ? 'app' : 'workflow',
    repository,
    maxRounds,
    ...(now ? { now } : {}),
  };
}
