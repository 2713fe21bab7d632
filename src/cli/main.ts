#!/usr/bin/env node
/** The `projen-gitops` command. */
import { protect, ProtectError } from './protect';

const USAGE = `Usage: projen-gitops <command> [options]

Commands:
  protect   Create or update the repository rulesets in .github/rulesets/ on GitHub
            (by name: running it twice changes nothing)

Options for protect:
  --dir DIR        folder with the ruleset JSON files (default .github/rulesets)
  --repo OWNER/NAME  the repository (default $GITHUB_REPOSITORY, else the origin remote)
  --api-url URL    the REST API (default $GITHUB_API_URL, else https://api.github.com)
  --dry-run        print the requests; send no write
  -h, --help       show this help

The token comes from GH_TOKEN or GITHUB_TOKEN.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help') {
    console.log(USAGE);
    return command ? 0 : 1;
  }
  if (command !== 'protect') {
    console.error(`projen-gitops: unknown command '${command}'\n\n${USAGE}`);
    return 1;
  }
  const options: { dir: string; repo?: string; apiUrl?: string; dryRun: boolean } = { dir: '.github/rulesets', dryRun: false };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const value = () => {
      const v = rest[++i];
      if (v === undefined || v.startsWith('--')) throw new ProtectError(`${arg} needs a value`);
      return v;
    };
    if (arg === '--dry-run') {options.dryRun = true;} else if (arg === '--dir') {options.dir = value();} else if (arg === '--repo') {options.repo = value();} else if (arg === '--api-url') {options.apiUrl = value();} else if (arg === '-h' || arg === '--help') {
      console.log(USAGE);
      return 0;
    } else {throw new ProtectError(`unknown option '${arg}' (see --help)`);}
  }
  await protect(options);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error instanceof ProtectError ? `projen-gitops protect: ${error.message}` : error.stack);
    process.exit(1);
  },
);
