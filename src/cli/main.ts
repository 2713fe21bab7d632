#!/usr/bin/env node
/** The `projen-gitops` command: `new` (the default), `template`, `protect`, `preview`, `check-manifests`, `plan-comment`, `promote`, `dependency-review`, `upgrade` and `fleet`. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import { dependencyReview, dependencyReviewOptions, DependencyReviewError, DEPENDENCY_REVIEW_USAGE } from './dependency-review';
import { fleet, FleetError, fleetOptions, FLEET_USAGE } from './fleet';
import { ownSpec } from './own-spec';
import { planComment, planCommentOptions, PlanCommentError, PLAN_COMMENT_USAGE } from './plan-comment';
import { parsePreviewArgs, preview } from './preview';
import { promote, PromoteError } from './promote';
import { parseProtectArgs, protect, ProtectError } from './protect';
import { runTemplate, TemplateError, TEMPLATE_USAGE } from './template';
import { upgrade, UpgradeError, upgradeOptions, UPGRADE_USAGE } from './upgrade';
import { NEW_USAGE, runWizard, WizardError } from './wizard';
import { checkManifests } from '../helm/check-manifests';

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
is refused. Token: GH_TOKEN or GITHUB_TOKEN; API: GITHUB_API_URL (default https://api.github.com).`;

async function runPromote(argv: string[]): Promise<number> {
  const options: { to?: string; from?: string; commit?: string; digests: Record<string, string> } = { digests: {} };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new PromoteError(`${arg} needs a value`);
      return v;
    };
    if (arg === '--to') {options.to = value();} else if (arg === '--from') {options.from = value();} else if (arg === '--commit') {options.commit = value();} else if (arg === '--digest') {
      const [service, digest] = value().split('=');
      options.digests[service] = digest ?? '';
    } else if (arg === '-h' || arg === '--help') {
      console.log(PROMOTE_USAGE);
      return 0;
    } else {throw new PromoteError(`unknown option '${arg}' (see --help)`);}
  }
  if (!options.to) throw new PromoteError('--to ENV is needed (see --help)');
  const token = process.env.GH_TOKEN ?? process.env.GITHUB_TOKEN;
  if (!token) throw new PromoteError('no token: set GH_TOKEN (the GitHub App token, or the workflow token) to one with "Contents: write" and "Pull requests: write"');
  const result = await promote({
    to: options.to,
    from: options.from,
    commit: options.commit,
    digests: options.digests,
    cwd: process.cwd(),
    apiUrl: process.env.GITHUB_API_URL ?? 'https://api.github.com',
    token,
    render: () => {
      const synth = spawnSync('npx', ['projen'], { stdio: 'inherit' });
      if (synth.status !== 0) throw new PromoteError(`npx projen failed (exit ${synth.status}); the manifests were not re-rendered`);
    },
  });
  // The workflow's next step (auto-merge) reads the pull request's number.
  if (result.pullRequest !== undefined && process.env.GITHUB_OUTPUT) fs.appendFileSync(process.env.GITHUB_OUTPUT, `pull-request=${result.pullRequest}\n`);
  return result.refused.length > 0 ? 1 : 0;
}

const PREVIEW_USAGE = `Usage: projen-gitops preview [--exit-code]

Prints the patch \`npx projen\` would apply (standard output: \`git apply\` takes it), with a
summary on standard error, and writes nothing: synth runs in a scratch copy of the repository.
Exits 0 whether or not something would change, 2 when synth would stop (bad options,
hand-edited files).

Options:
  --exit-code  exit 1 when something would change (for scripts and CI), as git diff does
  -h, --help   show this help`;

/** Every subcommand with one line: what `projen-gitops --help` starts with. */
const COMMANDS = `Usage: projen-gitops <command> [options]   (projen-gitops <command> --help for its options)

Commands:
  new [dir]          create a GitOps repository (the default command; asks what flags do not answer)
  template [dir]     start a company template package built on projen-gitops
  protect            create or update the repository rulesets on GitHub
  preview            print the patch \`npx projen\` would apply, writing nothing
  promote            open the pull request that promotes image digests to an environment
  check-manifests    check the rendered manifests against helm template (the deploy check)
  plan-comment       post an infra plan on its pull request (the infra workflow)
  dependency-review  review the dependency changes of a pull request (its workflow)
  fleet              report every repository made from a template (versions, ring, drift, upgrades)
  upgrade            bump the template after the ring's waiting time, re-synthesize, open the pull request
  help               print the help of every command`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h') {
    console.log(`${COMMANDS}\n\n${NEW_USAGE}`);
    return 0;
  }
  if (command === 'template') {
    return runTemplate(rest, { log: (line) => console.log(line), error: (line) => console.error(line) }, ownSpec);
  }
  if (command === 'protect') return runProtect(rest);
  if (command === 'plan-comment') {
    const options = planCommentOptions(rest, process.env, (file) => fs.readFileSync(file, 'utf-8'));
    if (!options) {
      console.log(PLAN_COMMENT_USAGE);
      return 0;
    }
    console.log(`plan of ${options.root}: ${await planComment(options)}`);
    return 0;
  }
  if (command === 'promote') return runPromote(rest);
  if (command === 'dependency-review') {
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
  if (command === 'upgrade') {
    const options = upgradeOptions(rest, process.env);
    if (!options) {
      console.log(UPGRADE_USAGE);
      return 0;
    }
    const result = await upgrade({ ...options, cwd: process.cwd(), log: (line) => console.log(line) });
    if (result.body && process.env.GITHUB_STEP_SUMMARY) fs.appendFileSync(process.env.GITHUB_STEP_SUMMARY, `${result.body}\n`);
    return result.exitCode;
  }
  if (command === 'fleet') {
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
  if (command === 'check-manifests') return checkManifests(rest, (line) => console.log(line));
  if (command === 'preview') {
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
  const newArgs = command === 'new' ? rest : argv;
  if (command === 'help') {
    console.log(`${COMMANDS}\n\n${NEW_USAGE}\n\n${TEMPLATE_USAGE}\n\n${PROTECT_USAGE}\n\n${PREVIEW_USAGE}\n\n${PLAN_COMMENT_USAGE}\n\n${PROMOTE_USAGE}\n\n${DEPENDENCY_REVIEW_USAGE}\n\n${UPGRADE_USAGE}\n\n${FLEET_USAGE}`);
    return 0;
  }
  const tty = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  return runWizard(newArgs, {
    log: (line) => console.log(line),
    error: (line) => console.error(line),
    interactive: tty,
    progress: tty ? (text) => process.stdout.write(`\r\x1b[2K${text}`) : undefined,
  }, ownSpec);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    if (error instanceof ProtectError) console.error(`projen-gitops protect: ${error.message}`);
    else if (error instanceof PlanCommentError) console.error(`projen-gitops plan-comment: ${error.message}`);
    else if (error instanceof PromoteError) console.error(`projen-gitops promote: ${error.message}`);
    else if (error instanceof DependencyReviewError) console.error(`projen-gitops dependency-review: ${error.message}`);
    else if (error instanceof FleetError) console.error(`projen-gitops fleet: ${error.message}`);
    else if (error instanceof UpgradeError) console.error(`projen-gitops upgrade: ${error.message}`);
    else if (error instanceof WizardError) console.error(`projen-gitops: ${error.message}`);
    else if (error instanceof TemplateError) console.error(`projen-gitops template: ${error.message}`);
    else console.error(error.stack);
    process.exit(error instanceof WizardError ? error.exitCode : error instanceof TemplateError ? 2 : 1);
  },
);
