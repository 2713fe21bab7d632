#!/usr/bin/env node
/** The `projen-gitops` command: `new` (the default), `protect`, `preview`, `check-manifests`, `plan-comment` and `promote`. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import { ownSpec } from './own-spec';
import { pinBases, PinBasesError } from './pin-bases';
import { planComment, planCommentOptions, PlanCommentError, PLAN_COMMENT_USAGE } from './plan-comment';
import { parsePreviewArgs, preview } from './preview';
import { promote, PromoteError } from './promote';
import { parseProtectArgs, protect, ProtectError } from './protect';
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

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
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
  if (command === 'pin-bases') {
    if (rest.some((a) => a === '-h' || a === '--help')) {
      console.log(PIN_BASES_USAGE);
      return 0;
    }
    const unknown = rest.filter((a) => a !== '--insecure');
    if (unknown.length > 0) throw new PinBasesError(`unknown argument ${JSON.stringify(unknown[0])}\n${PIN_BASES_USAGE}`);
    pinBases({ cwd: process.cwd(), insecure: rest.includes('--insecure') });
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
    console.log(`${NEW_USAGE}\n\n${PROTECT_USAGE}\n\n${PREVIEW_USAGE}\n\n${PLAN_COMMENT_USAGE}\n\n${PROMOTE_USAGE}\n\n${PIN_BASES_USAGE}`);
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
    else if (error instanceof PinBasesError) console.error(`projen-gitops pin-bases: ${error.message}`);
    else if (error instanceof WizardError) console.error(`projen-gitops: ${error.message}`);
    else console.error(error.stack);
    process.exit(error instanceof WizardError ? error.exitCode : 1);
  },
);
