#!/usr/bin/env node
/** The `projen-gitops` command: its subcommands are listed once, in `COMMANDS`. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import { oneLine } from './args';
import { dependencyReview, dependencyReviewOptions, DependencyReviewError, DEPENDENCY_REVIEW_USAGE } from './dependency-review';
import { fleet, FleetError, fleetOptions, FLEET_USAGE } from './fleet';
import { metrics, MetricsError, metricsMarkdown, parseMetricsArgs, METRICS_USAGE } from './metrics';
import { ownSpec } from './own-spec';
import { pinBases, PinBasesError } from './pin-bases';
import { planComment, planCommentOptions, PlanCommentError, PLAN_COMMENT_USAGE } from './plan-comment';
import { parsePreviewArgs, preview } from './preview';
import { parsePromoteArgs, promote, PromoteError } from './promote';
import { parseProtectArgs, protect, ProtectError } from './protect';
import { parseRollbackArgs, rollback } from './rollback';
import { runTemplate, TemplateError, TEMPLATE_USAGE } from './template';
import { upgrade, UpgradeError, upgradeOptions, UPGRADE_USAGE } from './upgrade';
import { verifyImages, VerifyImagesError, verifyImagesOptions, VERIFY_IMAGES_USAGE } from './verify-images';
import { NEW_USAGE, runWizard, WizardError } from './wizard';
import { checkManifests, CHECK_MANIFESTS_USAGE } from '../helm/check-manifests';

const PROTECT_USAGE = `Usage: projen-gitops protect [options]

Creates or updates the repository rulesets in .github/rulesets/ on GitHub, by name:
running it twice changes nothing. The token comes from GH_TOKEN or GITHUB_TOKEN.

Options:
  --dir DIR          folder with the ruleset JSON files (default .github/rulesets)
  --repo OWNER/NAME  the repository (default $GITHUB_REPOSITORY, else the origin remote)
  --api-url URL      the REST API (default $GITHUB_API_URL, else https://api.github.com)
  --dry-run          print the requests; send no write
  -h, --help         show this help`;

async function runProtect(argv: string[]): Promise<number> {
  const options = parseProtectArgs(argv);
  if (options === 'help') {
    console.log(PROTECT_USAGE);
    return 0;
  }
  await protect(options);
  return 0;
}

const PROMOTE_USAGE = `Usage: projen-gitops promote --to ENV (--from ENV | --commit SHA --digest SERVICE=sha256:... ...)

Opens or updates the one pull request (branch promote/ENV) that moves image digests into
ENV's deploy/environments/ENV/images.yaml and re-renders it with \`npx projen\`: from the
previous environment (--from), or from a build of the default branch into the first one
(--commit and a --digest per published service). Only digests whose signature
\`cosign verify\` accepts for this repository's build workflow are promoted; exits 1 when one
is refused. Nothing is opened into a held environment.
Token: GH_TOKEN or GITHUB_TOKEN; API: GITHUB_API_URL (default https://api.github.com).

Gates (the environment's gates in .projenrc.ts) are evaluated first: a gate table in the body
and the commit status "Promotion gates (ENV)" (STATUS_TOKEN, else the token) on its head.

       projen-gitops promote --rollback ENV --reason TEXT
       projen-gitops promote --release-hold ENV

--rollback opens the pull request (branch rollback/ENV) that restores the digests ENV ran
before its last change (from the git history of its images.yaml) and writes a hold into that
file (the reason, who: GITHUB_ACTOR or git's user.name, and when); it closes the open
promotion pull request into ENV. While ENV is held, promote opens nothing into it.
--release-hold opens the pull request (branch release-hold/ENV) that lifts the hold and says
what will roll out. Both refuse a checkout with uncommitted or untracked files.

Options:
  --recheck        only re-evaluate the open pull request into ENV (gates, evidence); bring in nothing
  --now TIME       evaluate the gates at this ISO 8601 time (e.g. 2026-12-24T09:00:00Z; or PROJEN_GITOPS_NOW)
  --evidence FILE  write the full evidence (the body before it is cut to GitHub's limit) to FILE
  -h, --help       show this help`;

/** Synth in the promotion's scratch checkout; no post-synth install (the tools are the checkout's, linked). */
function renderIn(dir: string): void {
  const synth = spawnSync('npx', ['projen'], { cwd: dir, stdio: 'inherit', env: { ...process.env, PROJEN_DISABLE_POST: 'true' } });
  if (synth.status !== 0) throw new PromoteError(`npx projen failed (exit ${synth.status}); the manifests were not re-rendered`);
}

async function runPromote(argv: string[]): Promise<number> {
  const back = parseRollbackArgs(argv, process.env);
  if (back) {
    const done = await rollback({ ...back, cwd: process.cwd(), render: renderIn });
    if (process.env.GITHUB_OUTPUT) fs.appendFileSync(process.env.GITHUB_OUTPUT, `pull-request=${done.pullRequest}\n`);
    return 0;
  }
  const options = parsePromoteArgs(argv, process.env);
  if (options === 'help') {
    console.log(PROMOTE_USAGE);
    return 0;
  }
  const result = await promote({
    ...options,
    cwd: process.cwd(),
    render: renderIn,
  });
  // The workflow's next step (auto-merge) reads the pull request's number.
  if (result.pullRequest !== undefined && process.env.GITHUB_OUTPUT) fs.appendFileSync(process.env.GITHUB_OUTPUT, `pull-request=${result.pullRequest}\n`);
  return result.refused.length > 0 ? 1 : 0;
}

const PIN_BASES_USAGE = `Usage: projen-gitops pin-bases [--insecure]

Resolves every tag in base-images.lock.yaml to the digest its registry serves now (crane digest,
crane on PATH) and rewrites the lock; run \`npx projen\` afterwards so the Dockerfiles follow.
The pin-base-images workflow runs it weekly and opens a pull request when a digest moved.

Options:
  --insecure   the registries speak plain HTTP (a local test registry)
  -h, --help   show this help`;

const PREVIEW_USAGE = `Usage: projen-gitops preview [--exit-code]

Prints the patch \`npx projen\` would apply (standard output: \`git apply\` takes it), with a
summary on standard error, and writes nothing: synth runs in a scratch copy of the repository.
Exits 0 whether or not something would change, 2 when synth would stop (bad options,
hand-edited files).

Options:
  --exit-code  exit 1 when something would change (for scripts and CI), as git diff does
  -h, --help   show this help`;

/** A subcommand: its name, one line for `--help`, its usage (`help` prints them all) and how it runs. */
interface Command {
  readonly name: string;
  /** The arguments shown after the name in the command list (`[dir]`). */
  readonly args?: string;
  readonly summary: string;
  readonly usage: string;
  readonly run: (argv: string[]) => Promise<number> | number;
}

const log = (line: string) => console.log(line);

async function runVerifyImages(rest: string[]): Promise<number> {
  const options = verifyImagesOptions(rest, process.env);
  if (options === 'help') {
    console.log(VERIFY_IMAGES_USAGE);
    return 0;
  }
  const result = await verifyImages({ ...options, cwd: process.cwd() }).catch((e) => {
    throw e instanceof PromoteError ? new VerifyImagesError(e.message) : e;
  });
  return result.failed.length > 0 ? 1 : 0;
}

async function runMetrics(rest: string[]): Promise<number> {
  const options = parseMetricsArgs(rest, process.env);
  if (options === 'help') {
    console.log(METRICS_USAGE);
    return 0;
  }
  const report = await metrics({ ...options, cwd: process.cwd() });
  console.log(options.json ? JSON.stringify(report, null, 2) : metricsMarkdown(report));
  return 0;
}

async function runPlanComment(rest: string[]): Promise<number> {
  const options = planCommentOptions(rest, process.env, readPlan);
  if (!options) {
    console.log(PLAN_COMMENT_USAGE);
    return 0;
  }
  console.log(`plan of ${options.root}: ${await planComment(options)}`);
  return 0;
}

async function runDependencyReview(rest: string[]): Promise<number> {
  const options = dependencyReviewOptions(rest, process.env);
  if (!options) {
    console.log(DEPENDENCY_REVIEW_USAGE);
    return 0;
  }
  const result = await dependencyReview(options);
  if (process.env.GITHUB_STEP_SUMMARY) fs.appendFileSync(process.env.GITHUB_STEP_SUMMARY, `${result.summary}\n`);
  for (const line of result.log) console.log(line);
  return result.exitCode;
}

function runPinBases(rest: string[]): number {
  if (rest.some((a) => a === '-h' || a === '--help')) {
    console.log(PIN_BASES_USAGE);
    return 0;
  }
  const unknown = rest.filter((a) => a !== '--insecure');
  if (unknown.length > 0) throw new PinBasesError(`unknown argument ${JSON.stringify(unknown[0])}\n${PIN_BASES_USAGE}`);
  pinBases({ cwd: process.cwd(), insecure: rest.includes('--insecure') });
  return 0;
}

async function runUpgrade(rest: string[]): Promise<number> {
  const options = upgradeOptions(rest, process.env);
  if (!options) {
    console.log(UPGRADE_USAGE);
    return 0;
  }
  const result = await upgrade({ ...options, cwd: process.cwd(), log });
  if (result.body && process.env.GITHUB_STEP_SUMMARY) fs.appendFileSync(process.env.GITHUB_STEP_SUMMARY, `${result.body}\n`);
  return result.exitCode;
}

async function runFleet(rest: string[]): Promise<number> {
  const options = fleetOptions(rest, process.env);
  if (!options) {
    console.log(FLEET_USAGE);
    return 0;
  }
  const { json, ...fleetArgs } = options;
  const report = await fleet({ ...fleetArgs, log: (line) => console.error(line) });
  const { repositories, requests, budget } = report;
  console.log(json ? JSON.stringify({ repositories, requests, budget }, undefined, 2) : report.markdown);
  if (process.env.GITHUB_STEP_SUMMARY) fs.appendFileSync(process.env.GITHUB_STEP_SUMMARY, `${report.markdown}\n`);
  return 0;
}

function runPreview(rest: string[]): number {
  const options = parsePreviewArgs(rest);
  if (options === 'help') {
    console.log(PREVIEW_USAGE);
    return 0;
  }
  const result = preview(process.cwd());
  console.error(result.report);
  process.stdout.write(result.patch);
  return result.failed ? 2 : options.exitCode && result.changed.length > 0 ? 1 : 0;
}

function runNew(argv: string[]): Promise<number> {
  const tty = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  return runWizard(argv, {
    log,
    error: (line) => console.error(line),
    interactive: tty,
    progress: tty ? (text) => process.stdout.write(`\r\x1b[2K${text}`) : undefined,
  }, ownSpec);
}

/**
 * Every subcommand, in the order `--help` lists them: the one list `main` dispatches from, the
 * command list of `--help` and the usages of `help` are made from.
 */
export const COMMANDS: Command[] = [
  { name: 'new', args: '[dir]', summary: 'create a GitOps repository (the default command; asks what flags do not answer)', usage: NEW_USAGE, run: runNew },
  {
    name: 'template',
    args: '[dir]',
    summary: 'start a company template package built on projen-gitops',
    usage: TEMPLATE_USAGE,
    run: (rest) => runTemplate(rest, { log, error: (line) => console.error(line) }, ownSpec),
  },
  { name: 'protect', summary: 'create or update the repository rulesets on GitHub', usage: PROTECT_USAGE, run: runProtect },
  { name: 'preview', summary: 'print the patch `npx projen` would apply, writing nothing', usage: PREVIEW_USAGE, run: runPreview },
  { name: 'promote', summary: 'open the pull request that promotes image digests to an environment (or rolls back and holds it)', usage: PROMOTE_USAGE, run: runPromote },
  { name: 'verify-images', summary: 'verify every image digest a pull request changes (the required check)', usage: VERIFY_IMAGES_USAGE, run: runVerifyImages },
  { name: 'metrics', summary: 'print deployment frequency, lead time, change failure rate and time to restore per environment', usage: METRICS_USAGE, run: runMetrics },
  { name: 'check-manifests', summary: 'check the rendered manifests against helm template (the deploy check)', usage: CHECK_MANIFESTS_USAGE, run: (rest) => checkManifests(rest, log) },
  { name: 'plan-comment', summary: 'post an infra plan on its pull request (the infra workflow)', usage: PLAN_COMMENT_USAGE, run: runPlanComment },
  { name: 'dependency-review', summary: 'fail a pull request that adds a vulnerable or denied-license dependency', usage: DEPENDENCY_REVIEW_USAGE, run: runDependencyReview },
  { name: 'pin-bases', summary: 'resolve the base images\' tags to digests into the lock (the base-image workflow)', usage: PIN_BASES_USAGE, run: runPinBases },
  { name: 'fleet', summary: 'report every repository made from a template (versions, ring, drift, upgrades)', usage: FLEET_USAGE, run: runFleet },
  { name: 'upgrade', summary: 'bump the template after the ring\'s waiting time, re-synthesize, open the pull request', usage: UPGRADE_USAGE, run: runUpgrade },
];

/** What `projen-gitops --help` starts with: every subcommand with one line. */
function commandList(): string {
  const rows = [...COMMANDS.map((c) => [`${c.name}${c.args ? ` ${c.args}` : ''}`, c.summary]), ['help', 'print the help of every command']];
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return `Usage: projen-gitops <command> [options]   (projen-gitops <command> --help for its options)

Commands:
${rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`).join('\n')}`;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h') {
    console.log(`${commandList()}\n\n${NEW_USAGE}`);
    return 0;
  }
  if (command === 'help') {
    console.log([commandList(), ...COMMANDS.map((c) => c.usage)].join('\n\n'));
    return 0;
  }
  const found = COMMANDS.find((c) => c.name === command);
  // Without a command name, the arguments are the wizard's (`projen-gitops my-service --yes`).
  return found ? found.run(rest) : runNew(argv);
}

/** The plan file: a regular file of at most 50 MB (the comment keeps the first 64 kB). */
function readPlan(file: string): string {
  const stat = fs.statSync(file);
  if (!stat.isFile()) throw new Error(`${file} is no regular file`);
  if (stat.size > 50 * 1024 * 1024) throw new Error(`${file} holds ${stat.size} bytes, more than 50 MB`);
  return fs.readFileSync(file, 'utf-8');
}

/**
 * Runs a command line and returns its exit code. Every failure is one line on standard error
 * (no stack trace): the command's own errors with their message, anything else as unexpected.
 */
export async function cli(argv: string[], error: (line: string) => void = (line) => console.error(line)): Promise<number> {
  try {
    return await main(argv);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    const known: Array<[Function, string]> = [[ProtectError, 'protect'], [PlanCommentError, 'plan-comment'], [PromoteError, 'promote'], [DependencyReviewError, 'dependency-review'], [PinBasesError, 'pin-bases'], [UpgradeError, 'upgrade'], [FleetError, 'fleet'], [MetricsError, 'metrics'], [VerifyImagesError, 'verify-images']];
    const command = known.find(([type]) => err instanceof type)?.[1];
    if (command) error(`projen-gitops ${command}: ${oneLine(err.message)}`);
    else if (err instanceof WizardError) error(`projen-gitops: ${err.message}`);
    else if (err instanceof TemplateError) error(`projen-gitops template: ${oneLine(err.message)}`);
    else error(`projen-gitops${argv[0] && /^[a-z-]+$/.test(argv[0]) ? ` ${argv[0]}` : ''}: unexpected error: ${oneLine(err.message)} (run again with PROJEN_GITOPS_DEBUG=1 to see where)`);
    if (process.env.PROJEN_GITOPS_DEBUG) error(err.stack ?? '');
    return err instanceof WizardError || err instanceof TemplateError ? err.exitCode : 1;
  }
}

if (require.main === module) {
  void cli(process.argv.slice(2)).then((code) => process.exit(code));
}
