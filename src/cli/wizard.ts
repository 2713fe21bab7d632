/**
 * `projen-gitops [new] [dir]`: asks the questions (or takes them from flags, or the defaults
 * with --yes), then creates the repository with `projen new --from <this package>`.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import prompts from 'prompts';
import { parseCommandLine } from './args';
import { Creation } from './create';
import { installLineEditing } from './prompt-editing';
import { Answer, Answers, coerce, parseService, Question, QUESTIONS, toProjenArgs } from './questions';
import { DEFAULT_ENVIRONMENTS } from '../model/environments';

export interface WizardIo {
  readonly log: (line: string) => void;
  readonly error: (line: string) => void;
  /** Whether questions can be asked (a terminal); without one, --yes is needed. */
  readonly interactive: boolean;
  /** Progress text that may be redrawn (a terminal); `undefined` prints nothing. */
  readonly progress?: (text: string) => void;
}

/** A failure for people: printed without a stack, exit code 2 for usage, 1 otherwise. */
export class WizardError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
  }
}

export const NEW_USAGE = `Usage: projen-gitops [new] [dir] [options]

Creates a GitOps repository in dir (default: ./<name>) with projen new, asking for
whatever the options below do not answer.

Options:
${[
  ...QUESTIONS.map((q) => [`--${q.flag} <${q.kind === 'list' ? 'a,b' : q.kind === 'number' ? 'n' : 'value'}>`, q.help]),
  ['--from <spec>', 'the projen-gitops package to create from (default: this version;'],
  ['', 'e.g. projen-gitops@file:/path/to/projen-gitops.tgz)'],
  ['-y, --yes', 'take the defaults for every question no flag answers'],
  ['--force', 'create in a folder that is not empty'],
  ['-h, --help', 'show this help'],
].map(([left, right]) => `  ${left.padEnd(27)}${right}`).join('\n')}`;

interface Parsed {
  dir?: string;
  flags: Map<string, unknown>;
  yes: boolean;
  force: boolean;
  from?: string;
  help: boolean;
}

export function parseArgs(argv: string[]): Parsed {
  const { values, positionals } = parseCommandLine(argv, {
    ...Object.fromEntries(QUESTIONS.map((q) => [q.flag, { type: 'string' as const }])),
    from: { type: 'string' },
    yes: { type: 'boolean', short: 'y' },
    force: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  }, (message) => new WizardError(message));
  if (positionals.length > 1) throw new WizardError(`unexpected argument '${positionals[1]}': give one directory (see --help)`);
  const flags = new Map<string, unknown>(QUESTIONS.filter((q) => values[q.flag] !== undefined).map((q) => [q.flag, values[q.flag]]));
  return {
    dir: positionals[0],
    flags,
    yes: values.yes === true,
    force: values.force === true,
    from: values.from as string | undefined,
    help: values.help === true,
  };
}

/** One question until a valid answer; `undefined` when the user cancels. */
async function ask(question: Question, initial: Answer, io: WizardIo): Promise<Answer | undefined> {
  installLineEditing();
  for (;;) {
    let cancelled = false;
    const response = await prompts({
      name: 'value',
      // Numbers are asked as text: prompts' number prompt mishandles editing after an error.
      type: question.kind === 'select' ? 'select' : 'text',
      message: question.message,
      initial: question.kind === 'select' ? Math.max(0, question.choices!.indexOf(String(initial))) : question.kind === 'list' ? (initial as string[]).join(',') : String(initial),
      choices: question.choices?.map((c) => ({ title: c, value: c })),
      // Immediate feedback while typing (an empty entry means the default); the loop below
      // checks injected answers too.
      validate: (value: unknown) => question.check(coerce(question, value === '' ? initial : value)) ?? true,
    } as prompts.PromptObject, { onCancel: () => { cancelled = true; return false; } });
    if (cancelled || !('value' in response)) return undefined;
    const value = coerce(question, response.value === '' ? initial : response.value);
    const problem = question.check(value);
    if (!problem) return value;
    io.error(`${question.name} ${problem}`);
  }
}

/** Creates the repository; returns the exit code (replaced in tests). */
export type Creator = (dir: string, spec: string, optionArgs: string[], io: WizardIo) => Promise<number>;

/** Runs the wizard; returns the process exit code. */
export async function runWizard(argv: string[], io: WizardIo, defaultSpec: string | (() => string), creator: Creator = create): Promise<number> {
  const args = parseArgs(argv);
  if (args.help) {
    io.log(NEW_USAGE);
    return 0;
  }
  // Flags first: a bad flag fails before any question is asked.
  const answers: Answers = {};
  const flagged = new Set<string>();
  const problems: string[] = [];
  for (const question of QUESTIONS) {
    if (!args.flags.has(question.flag)) continue;
    const value = coerce(question, args.flags.get(question.flag));
    const problem = question.check(value);
    if (problem) problems.push(`--${question.flag} ${problem}`);
    answers[question.name] = value;
    flagged.add(question.name);
  }
  if (problems.length > 0) throw new WizardError(problems.join('\n'));
  if (!io.interactive && !args.yes) {
    throw new WizardError('not a terminal: pass --yes (with flags for the answers) to create without questions');
  }
  // Before any question: a package that cannot be installed fails now, not after the answers.
  let spec = args.from;
  if (spec === undefined) {
    try {
      spec = typeof defaultSpec === 'string' ? defaultSpec : defaultSpec();
    } catch (error) {
      throw new WizardError((error as Error).message);
    }
  }

  const folderName = args.dir ? path.basename(path.resolve(args.dir)) : undefined;
  for (const question of QUESTIONS) {
    if (flagged.has(question.name)) continue;
    const initial = question.initial(answers, { folderName });
    if (args.yes) {
      answers[question.name] = initial;
      continue;
    }
    const value = await ask(question, initial, io);
    if (value === undefined) {
      io.error('Cancelled: nothing was created.');
      return 130;
    }
    answers[question.name] = value;
  }

  const dir = path.resolve(args.dir ?? String(answers.name));
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0 && !args.force) {
    if (!io.interactive || args.yes) {
      throw new WizardError(`${dir} exists and is not empty; choose another folder, or pass --force to create in it`);
    }
    let cancelled = false;
    const { ok } = await prompts({ name: 'ok', type: 'confirm', message: `${dir} is not empty. Create the repository in it anyway (files with the names of generated ones are overwritten)?`, initial: false },
      { onCancel: () => { cancelled = true; return false; } });
    if (cancelled || !ok) {
      io.error('Cancelled: nothing was created.');
      return 130;
    }
  }

  const services = ((answers.services as string[] | undefined) ?? []).map(parseService);
  if (services.some((svc) => svc.name === answers.name)) {
    throw new WizardError(`a further service is named like the main one ('${answers.name}'); give it another name`);
  }
  const code = await creator(dir, spec, toProjenArgs(answers), io);
  if (code !== 0) return code;
  const environments = answers.environments as string[] | undefined;
  const defaults = DEFAULT_ENVIRONMENTS.map((e) => e.name);
  const customEnvironments = environments && JSON.stringify(environments) !== JSON.stringify(defaults) ? environments : undefined;
  if ((services.length > 0 || customEnvironments) && addServices(dir, services, io, customEnvironments) !== 0) return 1;
  // Last, once everything is made: nothing may follow "Done".
  printNextSteps(dir, io);
  return 0;
}

function printNextSteps(dir: string, io: WizardIo) {
  const rel = path.relative(process.cwd(), dir);
  io.log([
    '',
    `Done: ${dir}`,
    '',
    'Next steps:',
    `  cd ${rel && !rel.startsWith('..') ? rel : dir}`,
    '  cat README.md                      # what is here and who owns each file',
    '  $EDITOR .projenrc.ts && npx projen  # change options; every dependent file follows',
    '  git remote add origin <url> && git push -u origin HEAD',
    '  GH_TOKEN=<token> npx projen protect # after the first pull request: protect main',
  ].join('\n'));
}

/** Writes further services into the new `.projenrc.ts` (projen new has no switch for them) and synthesizes. */
function addServices(dir: string, services: Array<{ name: string; runtime: string }>, io: WizardIo, environments?: string[]): number {
  const rcPath = path.join(dir, '.projenrc.ts');
  const rc = fs.readFileSync(rcPath, 'utf-8');
  const list = services.map((svc) => `{ name: ${JSON.stringify(svc.name)}, runtime: Runtime.${svc.runtime.toUpperCase()} }`).join(', ');
  const lines = [
    ...(services.length > 0 ? [`  services: [${list}],`] : []),
    ...(environments ? [`  environments: [${environments.map((e) => `{ name: ${JSON.stringify(e)} }`).join(', ')}],`] : []),
  ];
  fs.writeFileSync(rcPath, (services.length > 0 ? rc.replace(/import \{ GitOpsProject \} from "projen-gitops";/, 'import { GitOpsProject, Runtime } from "projen-gitops";') : rc)
    .replace('new GitOpsProject({', `new GitOpsProject({\n${lines.join('\n')}`));
  const env: NodeJS.ProcessEnv = { ...process.env, CI: '' };
  delete env.NODE_ENV;
  const result = spawnSync('npx', ['projen'], { cwd: dir, encoding: 'utf-8', env });
  if (result.status !== 0) {
    io.error(`${result.stdout}\n${result.stderr}`.trim());
    io.error(`Adding the services to .projenrc.ts failed; the repository in ${dir} is there without them.`);
    return 1;
  }
  spawnSync('git', ['add', '-A'], { cwd: dir });
  spawnSync('git', ['commit', '-qm', 'chore: add services'], { cwd: dir, env: { ...env, GIT_AUTHOR_NAME: env.GIT_AUTHOR_NAME ?? 'projen-gitops', GIT_AUTHOR_EMAIL: env.GIT_AUTHOR_EMAIL ?? 'projen-gitops@users.noreply.invalid', GIT_COMMITTER_NAME: env.GIT_COMMITTER_NAME ?? 'projen-gitops', GIT_COMMITTER_EMAIL: env.GIT_COMMITTER_EMAIL ?? 'projen-gitops@users.noreply.invalid' } });
  if (services.length > 0) io.log(`  ✓ added ${services.map((svc) => `${svc.name} (${svc.runtime})`).join(', ')} in services/`);
  if (environments) io.log(`  ✓ environments ${environments.join(' → ')}`);
  return 0;
}

async function create(dir: string, spec: string, optionArgs: string[], io: WizardIo): Promise<number> {
  io.log(`Creating ${dir} from ${spec}`);
  // Progress from what appears on disk: sturdier than parsing projen's and npm's logs.
  const phases: Array<[string, string]> = [
    ['node_modules/projen-gitops/package.json', 'installed projen and projen-gitops'],
    ['.projenrc.ts', 'wrote .projenrc.ts'],
    ['README.md', 'synthesized the repository'],
    ['.git/HEAD', 'installed its tools and made the first commit'],
  ];
  const started = Date.now();
  let reported = 0;
  const seconds = () => Math.round((Date.now() - started) / 1000);
  const report = () => {
    while (reported < phases.length && fs.existsSync(path.join(dir, phases[reported][0]))) {
      io.progress?.('');
      io.log(`  ✓ ${phases[reported][1]} (${seconds()} s)`);
      reported++;
    }
  };
  const creation = new Creation(dir, { spec, optionArgs });
  const ticker = setInterval(() => {
    report();
    io.progress?.(`  … ${seconds()} s`);
  }, 500);
  let interrupted = false;
  const interrupt = () => {
    if (interrupted) return; // a second Ctrl-C must not leave a half-made folder either
    interrupted = true;
    io.error('\nInterrupted: removing what was created…');
    creation.cancel();
  };
  // Kept until projen new has closed and the cleanup is done.
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  const result = await creation.done;
  clearInterval(ticker);
  if (result.status === 0) report();
  process.removeListener('SIGINT', interrupt);
  process.removeListener('SIGTERM', interrupt);
  io.progress?.('');

  if (result.cancelled) {
    io.error('Cancelled: nothing was left behind.');
    return 130;
  }
  if (result.status !== 0) {
    io.error(result.output.split('\n').slice(-40).join('\n'));
    io.error(`projen new failed (exit ${result.status}); nothing was left behind in ${dir}.`);
    return 1;
  }
  return 0;
}
