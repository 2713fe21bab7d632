#!/usr/bin/env node
/** The `projen-gitops` command: `new` (the default), `protect`, `preview` and `check-manifests`. */
import { ownSpec } from './own-spec';
import { parsePreviewArgs, preview } from './preview';
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
    console.log(`${NEW_USAGE}\n\n${PROTECT_USAGE}\n\n${PREVIEW_USAGE}`);
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
    else if (error instanceof WizardError) console.error(`projen-gitops: ${error.message}`);
    else console.error(error.stack);
    process.exit(error instanceof WizardError ? error.exitCode : 1);
  },
);
