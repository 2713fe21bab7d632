/**
 * `projen-gitops [new] [dir]`: asks the questions (or takes them from flags, or the defaults
 * with --yes), then creates the repository with `projen new --from <this package>`.
 */
import * as fs from 'fs';
import * as path from 'path';
import prompts from 'prompts';
import { parseCommandLine } from './args';
import { Creation, FolderGuard, FolderTooFullError, signalExitCode } from './create';
import { installLineEditing } from './prompt-editing';
import { Answer, Answers, coerce, forTemplate, parseService, Question, QUESTIONS, toProjenArgs } from './questions';
import { fixOf } from '../core/checks';
import { NEW_OPTIONS_VARIABLE } from '../core/creation';
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
  ['--from <spec>', 'the package to create from: a company template (@acme/gitops-template),'],
  ['', 'or projen-gitops (default: this version; e.g. projen-gitops@file:/x.tgz)'],
  ['--<option> <value>', "with a company template: one of the template's own options"],
  ['-y, --yes', 'take the defaults for every question no flag answers'],
  ['--force', 'create in a folder that is not empty'],
  ['-h, --help', 'show this help'],
].map(([left, right]) => `  ${left.padEnd(27)}${right}`).join('\n')}`;

interface Parsed {
  dir?: string;
  flags: Map<string, unknown>;
  /** A company template's own options (`--team payments`), passed on to `projen new`. */
  templateArgs: string[];
  yes: boolean;
  force: boolean;
  from?: string;
  help: boolean;
}

/** Whether `--from` names a company template rather than projen-gitops itself. */
export function isTemplateSpec(spec: string | undefined): boolean {
  return spec !== undefined && !/^projen-gitops(@|$)/.test(spec);
}

const OWN_FLAGS = new Set([...QUESTIONS.map((q) => q.flag), 'from', 'yes', 'force', 'help']);
const TEMPLATE_FLAG = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/;

export function parseArgs(argv: string[]): Parsed {
  // With a company template, flags of its own (`--team payments`) go to projen new, which
  // knows the template's options from its jsii manifest and refuses unknown ones.
  const fromIndex = argv.findIndex((a) => a === '--from' || a.startsWith('--from='));
  const from = fromIndex < 0 ? undefined : argv[fromIndex].startsWith('--from=') ? argv[fromIndex].slice(7) : argv[fromIndex + 1];
  const templateArgs: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const match = TEMPLATE_FLAG.exec(argv[i]);
    if (isTemplateSpec(from) && match && !OWN_FLAGS.has(match[1]) && match[1] !== 'y' && match[1] !== 'h') {
      const value = match[2] ?? argv[++i];
      if (value === undefined || value.startsWith('--')) throw new WizardError(`--${match[1]} needs a value (see --help)`);
      templateArgs.push(`--${match[1]}`, value);
    } else {
      rest.push(argv[i]);
    }
  }
  const { values, positionals } = parseCommandLine(rest, {
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
    templateArgs,
    yes: values.yes === true,
    force: values.force === true,
    from: values.from as string | undefined,
    help: values.help === true,
  };
}

/** What `prompts` is asked for a question: its type, message, choices (with their titles) and check. */
export function promptOf(question: Question, initial: Answer, answers: Answers): prompts.PromptObject {
  return {
    name: 'value',
    // Numbers are asked as text: prompts' number prompt mishandles editing after an error.
    type: question.kind === 'select' ? 'select' : 'text',
    message: question.message,
    initial: question.kind === 'select' ? Math.max(0, question.choices!.indexOf(String(initial))) : question.kind === 'list' ? (initial as string[]).join(',') : String(initial),
    choices: question.choices?.map((c) => ({ title: question.choiceTitles?.[c] ?? c, value: c })),
    // Immediate feedback while typing (an empty entry means the default); the loop in `ask`
    // checks injected answers too.
    validate: (value: unknown) => question.check(coerce(question, value === '' ? initial : value), answers) ?? true,
  } as prompts.PromptObject;
}

/** One question until a valid answer (under the answers so far); `undefined` when the user cancels. */
async function ask(question: Question, initial: Answer, answers: Answers, io: WizardIo): Promise<Answer | undefined> {
  installLineEditing();
  for (;;) {
    let cancelled = false;
    const response = await prompts(promptOf(question, initial, answers), { onCancel: () => { cancelled = true; return false; } });
    if (cancelled || !('value' in response)) return undefined;
    const value = coerce(question, response.value === '' ? initial : response.value);
    const problem = question.check(value, answers);
    if (!problem) return value;
    io.error(`${question.name} ${problem}`);
  }
}

/** Creates the repository; returns the exit code (replaced in tests). */
export type Creator = (
  dir: string, spec: string, optionArgs: string[], io: WizardIo, env?: Record<string, string>, guard?: FolderGuard,
) => Promise<number>;

/** Runs the wizard; returns the process exit code. */
export async function runWizard(argv: string[], io: WizardIo, defaultSpec: string | (() => string), creator: Creator = create): Promise<number> {
  const args = parseArgs(argv);
  if (args.help) {
    io.log(NEW_USAGE);
    return 0;
  }
  // With a company template, what is not answered stays the template's default.
  const questions = isTemplateSpec(args.from) ? QUESTIONS.map(forTemplate) : QUESTIONS;
  // Flags first: a bad flag fails before any question is asked, each checked under all the others
  // (`--name my.service --services worker`: the name must then name jobs).
  const answers: Answers = {};
  const flagged = new Set<string>();
  for (const question of questions) {
    if (!args.flags.has(question.flag)) continue;
    answers[question.name] = coerce(question, args.flags.get(question.flag));
    flagged.add(question.name);
  }
  const problems = questions.filter((q) => flagged.has(q.name)).map((q) => ({ q, problem: q.check(answers[q.name], answers) }))
    .filter(({ problem }) => problem !== undefined).map(({ q, problem }) => `--${q.flag} ${problem}`);
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
  const nameQuestion = questions.find((q) => q.name === 'name')!;
  // Once a question was asked, a failure prints the command that gives the same answers (they are not lost).
  let asked = false;
  const again = () => (asked ? `\nTo try again without questions:\n  ${equivalentCommand(args.dir ?? String(answers.name), spec!, answers, questions, args.templateArgs)}` : '');
  for (const question of questions) {
    if (flagged.has(question.name)) continue;
    const initial = question.initial(answers, { folderName });
    if (args.yes) {
      answers[question.name] = initial;
    } else {
      const value = await ask(question, initial, answers, io);
      if (value === undefined) {
        io.error('Cancelled: nothing was created.');
        return 130;
      }
      answers[question.name] = value;
      asked = true;
    }
    // The main name, checked again as soon as an answer makes synth check it more strictly
    // (further services, a repository): asked again now, not refused after the last question.
    const nameProblem = question !== nameQuestion && answers.name !== undefined ? nameQuestion.check(answers.name, answers) : undefined;
    // With --yes only a default can cause it (a flagged name is checked with the flags).
    if (nameProblem && args.yes) throw new WizardError(`name ${nameProblem}`);
    if (nameProblem) {
      io.error(`name ${nameProblem}`);
      const fix = fixOf(nameProblem);
      const name = await ask(nameQuestion, typeof fix === 'string' ? fix : String(answers.name), answers, io);
      if (name === undefined) {
        io.error('Cancelled: nothing was created.');
        return 130;
      }
      answers.name = name;
    }
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
      io.error(`Cancelled: nothing was created.${again()}`);
      return 130;
    }
  }

  const services = ((answers.services as string[] | undefined) ?? []).map(parseService);
  const environments = answers.environments as string[] | undefined;
  const defaults = DEFAULT_ENVIRONMENTS.map((e) => e.name);
  const changed = isTemplateSpec(args.from) || JSON.stringify(environments) !== JSON.stringify(defaults);
  const customEnvironments = environments && environments.length > 0 && changed ? environments : undefined;
  // projen new has no switch for lists of structs: the project writes them into .projenrc.ts
  // itself while it is created (no edit of the file afterwards).
  const created = {
    ...(services.length > 0 ? { services } : {}),
    ...(customEnvironments ? { environments: customEnvironments.map((name) => ({ name })) } : {}),
  };
  const env: Record<string, string> = Object.keys(created).length > 0 ? { [NEW_OPTIONS_VARIABLE]: JSON.stringify(created) } : {};
  // What is there now, to take back if a check after projen new fails (projen new takes back its own failures).
  let guard: FolderGuard;
  try {
    guard = FolderGuard.at(dir);
  } catch (error) {
    if (error instanceof FolderTooFullError) throw new WizardError(error.message);
    throw error;
  }
  const code = await creator(dir, spec, [...toProjenArgs(answers, questions), ...args.templateArgs], io, env, guard);
  if (code !== 0) {
    io.error(`To try again without questions:\n  ${equivalentCommand(args.dir ?? String(answers.name), spec, answers, questions, args.templateArgs)}`);
    return code;
  }
  const missing = services.filter((svc) => !fs.existsSync(path.join(dir, 'services', svc.name)));
  if (missing.length > 0) {
    guard.undo();
    io.error(`projen new did not add ${missing.map((svc) => svc.name).join(', ')}: does ${spec} pass its options on to GitOpsProject? Nothing was left behind in ${dir}.${again()}`);
    return 1;
  }
  if (services.length > 0) io.log(`  ✓ added ${services.map((svc) => `${svc.name} (${svc.runtime})`).join(', ')} in services/`);
  if (customEnvironments) io.log(`  ✓ environments ${customEnvironments.join(' → ')}`);
  // Last, once everything is made: nothing may follow "Done".
  printNextSteps(dir, io);
  return 0;
}

/** The `projen-gitops new` command that gives the same answers without questions. */
function equivalentCommand(dir: string, spec: string, answers: Answers, questions: Question[], templateArgs: string[]): string {
  const quote = (s: string) => (/^[A-Za-z0-9@%+=:,./_-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);
  const flags = questions.flatMap((q) => {
    const value = answers[q.name];
    if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) return [];
    return [`--${q.flag}`, Array.isArray(value) ? value.join(',') : String(value)];
  });
  return ['npx', 'projen-gitops', 'new', dir, '--yes', '--from', spec, ...flags, ...templateArgs].map(quote).join(' ');
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

async function create(
  dir: string, spec: string, optionArgs: string[], io: WizardIo, env: Record<string, string> = {}, guard?: FolderGuard,
): Promise<number> {
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
  // The folder as it was before the wizard's own checks: one walk (and one copy of its files), not two.
  const creation = new Creation(dir, { spec, optionArgs, env, guard });
  const ticker = setInterval(() => {
    report();
    io.progress?.(`  … ${seconds()} s`);
  }, 500);
  let interrupted: NodeJS.Signals | undefined;
  const interrupt = (signal: NodeJS.Signals) => {
    if (interrupted) return; // a second Ctrl-C must not leave a half-made folder either
    interrupted = signal;
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
    // As a shell reports the signal: 130 for Ctrl-C, 143 for SIGTERM.
    return signalExitCode(interrupted ?? 'SIGINT');
  }
  if (result.status !== 0) {
    io.error(result.output.split('\n').slice(-40).join('\n'));
    io.error(`projen new failed (exit ${result.status}); nothing was left behind in ${dir}.`);
    return 1;
  }
  return 0;
}
