/**
 * The wizard's questions as one typed table: each maps to a `GitOpsProject` option and a
 * `projen new` switch, and validates with the same checks the project uses.
 */
import { checkApprovals, checkHealthPath, checkImageName, checkOwner, checkPort, checkProjectName, checkRegistry, checkServiceName } from '../core/checks';
import { checkDnsLabel, DEFAULT_ENVIRONMENTS } from '../model/environments';
import { checkRepository } from '../model/repository';
import { Runtime } from '../model/runtime';
import { runtimeFacts, runtimeNames } from '../model/runtime-facts';
import { OPTION_DEFAULTS } from '../model/template-defaults';

export type Answer = string | number | string[];
export type Answers = Record<string, Answer>;

export interface Question {
  /** The `GitOpsProject` option. */
  readonly name: string;
  /** The wizard's flag and `projen new`'s switch (kebab case, without `--`). */
  readonly flag: string;
  readonly kind: 'text' | 'number' | 'select' | 'list';
  readonly message: string;
  /** One line for `--help`. */
  readonly help: string;
  readonly choices?: string[];
  /** The default, from the answers so far and the target folder's name. */
  readonly initial: (answers: Answers, context: { folderName?: string }) => Answer;
  /**
   * `undefined` when fine, else what is wrong and the fix; `answers` are the others known so far
   * (the main name must name jobs once there are further services).
   */
  readonly check: (value: Answer, answers?: Answers) => string | undefined;
  /** Left out of `.projenrc.ts` when equal to the default (keeps the file short). */
  readonly omitWhenDefault?: boolean;
  /** Not a `projen new` switch: written into `.projenrc.ts` after creation. */
  readonly afterCreation?: boolean;
  /** What a select shows for a choice, when not the choice itself. */
  readonly choiceTitles?: Record<string, string>;
}

/** `name` or `name:runtime`, as the services question takes them. */
export function parseService(text: string): { name: string; runtime: string } {
  const [name, runtime = Runtime.NODE] = text.split(':').map((s) => s.trim());
  return { name, runtime };
}

const text = (value: Answer) => String(value);
// pnpm and Yarn services live in folders of their own (the root package.json is the tooling's).
const ROOT_RUNTIMES = runtimeNames().filter((r) => !runtimeFacts(r as Runtime)?.needsFolder);
const optional = (check: (v: string) => string | undefined) => (value: Answer) => (text(value) === '' ? undefined : check(text(value)));

export const QUESTIONS: Question[] = [
  {
    name: 'name',
    flag: 'name',
    kind: 'text',
    message: 'Service name',
    help: 'the service (folder, package and image title)',
    // A suggestion that every later answer keeps valid: with further services the name also names jobs.
    initial: (_a, { folderName }) => (folderName && !checkProjectName(folderName) && !checkServiceName(folderName) ? folderName : 'my-service'),
    check: (v, answers = {}) => checkProjectName(text(v)) ?? mainNameProblem(text(v), answers),
  },
  {
    name: 'runtime',
    flag: 'runtime',
    kind: 'select',
    choices: ROOT_RUNTIMES,
    message: 'Runtime',
    help: `the service's runtime (${ROOT_RUNTIMES.join(', ')})`,
    initial: () => Runtime.NODE,
    omitWhenDefault: true,
    check: (v) => (ROOT_RUNTIMES.includes(text(v)) ? undefined : `must be one of ${ROOT_RUNTIMES.map((r) => `'${r}'`).join(', ')}, got ${JSON.stringify(v)}; try 'node'`),
  },
  {
    name: 'registry',
    flag: 'registry',
    kind: 'text',
    message: 'Container registry',
    help: 'the registry host images are pushed to',
    initial: () => OPTION_DEFAULTS.registry,
    omitWhenDefault: true,
    check: (v) => checkRegistry(text(v)),
  },
  {
    name: 'imageName',
    flag: 'image-name',
    kind: 'text',
    message: 'Image name in the registry (empty: the GitHub repository)',
    help: 'the image repository name, e.g. acme/orders',
    initial: () => '',
    omitWhenDefault: true,
    check: optional(checkImageName),
  },
  {
    name: 'port',
    flag: 'port',
    kind: 'number',
    message: 'Port the service listens on',
    help: 'the TCP port',
    initial: () => OPTION_DEFAULTS.port,
    check: (v) => checkPort(Number(v)),
  },
  {
    name: 'healthPath',
    flag: 'health-path',
    kind: 'text',
    message: 'Health check path',
    help: 'the HTTP path that answers while healthy',
    initial: () => OPTION_DEFAULTS.healthPath,
    check: (v) => checkHealthPath(text(v)),
  },
  {
    name: 'requiredApprovals',
    flag: 'required-approvals',
    kind: 'number',
    message: 'Approvals a pull request needs',
    help: 'approving reviews before merging (0 to 10)',
    initial: () => OPTION_DEFAULTS.requiredApprovals,
    check: (v) => checkApprovals(Number(v)),
  },
  {
    name: 'codeOwners',
    flag: 'code-owners',
    kind: 'list',
    message: 'Code owners, comma-separated (empty: none)',
    help: 'e.g. @acme/orders,@alice (CODEOWNERS, required review)',
    initial: () => [],
    omitWhenDefault: true,
    check: (v) => (v as string[]).map(checkOwner).find((m) => m !== undefined),
  },
  {
    name: 'services',
    flag: 'services',
    kind: 'list',
    afterCreation: true,
    message: 'Further services, comma-separated as name or name:runtime (empty: none)',
    help: 'e.g. worker:go,api (each in services/<name>)',
    initial: () => [],
    omitWhenDefault: true,
    check: (v, answers = {}) => {
      const names = new Set<string>();
      for (const item of v as string[]) {
        const { name, runtime } = parseService(item);
        // The grammar synth checks a service name with (a DNS label and job id), not the project name's.
        const problem = checkServiceName(name) ?? (runtimeNames().includes(runtime) ? undefined : `runtime must be one of ${runtimeNames().map((r) => `'${r}'`).join(', ')}, got '${runtime}'`);
        if (problem) return `'${item}': ${problem}`;
        if (names.has(name)) return `'${name}' is listed twice; give each service its own name`;
        if (name === answers.name) return `'${name}' is the main service's name; give the further service another name, e.g. '${name}-worker'`;
        names.add(name);
      }
      return undefined;
    },
  },
  {
    name: 'repository',
    flag: 'repository',
    kind: 'text',
    message: 'GitHub repository as owner/name (names the image in the Helm charts; empty: no deployment)',
    help: 'e.g. acme/orders: the charts and rendered manifests need the image name at synth time',
    initial: () => '',
    omitWhenDefault: true,
    check: optional(checkRepository),
  },
  {
    name: 'environments',
    flag: 'environments',
    kind: 'list',
    afterCreation: true,
    message: 'Environments in promotion order, comma-separated',
    help: 'e.g. dev,staging,prod (each gets values and rendered manifests under deploy/)',
    initial: () => DEFAULT_ENVIRONMENTS.map((e) => e.name),
    omitWhenDefault: true,
    check: (v) => {
      const names = v as string[];
      if (names.length === 0) return 'must list at least one environment; try dev,staging,prod';
      for (const [i, name] of names.entries()) {
        const problem = checkDnsLabel(name, 'dev');
        if (problem) return `'${name}': ${problem}`;
        if (names.indexOf(name) < i) return `'${name}' is listed twice; give each environment its own name`;
      }
      return undefined;
    },
  },
];

/**
 * The main service's name under the other answers: with further services, or deployed (a
 * repository), it names jobs and Kubernetes objects, so synth checks it with the service-name
 * grammar (a DNS label and a job id), not only the project name's. `undefined` when fine.
 */
export function mainNameProblem(name: string, answers: Answers): string | undefined {
  const services = (answers.services as string[] | undefined) ?? [];
  if (services.some((item) => parseService(item).name === name)) return `is also the name of a further service, got '${name}'; try '${name}-main'`;
  const repository = answers.repository as string | undefined;
  const why = services.length > 0 ? 'once there are further services' : repository ? `once the repository deploys (repository '${repository}')` : undefined;
  const problem = why ? checkServiceName(name) : undefined;
  return problem?.replace(/, got /, ` ${why}, got `);
}

/** The answer that keeps a company template's default: nothing is written. */
const TEMPLATE_DEFAULT = '';

/**
 * A question as asked for a company template: empty means "the template's default", which is
 * then left out of `.projenrc.ts` (the wizard does not know the template's defaults, and must
 * not write ours over them). The name has no default to keep.
 */
export function forTemplate(question: Question): Question {
  if (question.name === 'name') return question;
  const empty = (value: Answer) => value === '' || (Array.isArray(value) && value.length === 0);
  const select = question.kind === 'select';
  return {
    ...question,
    // A select has no empty entry: its first choice is the template's default (it always wrote ours).
    message: select ? question.message : `${question.message.replace(/ \(empty: [^)]*\)$/, '')} (empty: the template's default)`,
    ...(select ? { choices: [TEMPLATE_DEFAULT, ...question.choices!], choiceTitles: { ...question.choiceTitles, [TEMPLATE_DEFAULT]: "(the template's default)" } } : {}),
    initial: () => (question.kind === 'list' ? [] : TEMPLATE_DEFAULT),
    check: (value, answers) => (empty(value) ? undefined : question.check(value, answers)),
    omitWhenDefault: true,
  };
}

/** Turns raw input (a flag value or typed text) into the question's type. */
export function coerce(question: Question, raw: unknown): Answer {
  if (question.kind === 'number' && String(raw ?? '').trim() === '') return '';
  if (question.kind === 'number') return typeof raw === 'number' ? raw : Number(String(raw).trim());
  if (question.kind === 'list') {
    const items = Array.isArray(raw) ? raw.map(String) : String(raw ?? '').split(',');
    return items.map((s) => s.trim()).filter(Boolean);
  }
  return String(raw ?? '').trim();
}

/** The `projen new` switches for the answers (defaults left out where the table says so). */
export function toProjenArgs(answers: Answers, questions: Question[] = QUESTIONS): string[] {
  const args: string[] = [];
  for (const q of questions) {
    const value = answers[q.name];
    if (value === undefined || value === '' || q.afterCreation) continue;
    if (q.omitWhenDefault && JSON.stringify(value) === JSON.stringify(q.initial(answers, {}))) continue;
    if (Array.isArray(value)) for (const item of value) args.push(`--${q.flag}`, item);
    else args.push(`--${q.flag}`, String(value));
  }
  return args;
}
