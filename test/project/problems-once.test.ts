/**
 * Every option problem is reported once. Known-bad configurations, through the real synth: every
 * option of GitOpsProjectOptions and of each struct under it (environments and their gates,
 * windows and overrides, services, registryIdentity, signing, argocdOptions, fluxOptions,
 * templateDefaults, ...) given values of the wrong type and values outside its grammar, read from
 * the jsii manifest; on a repository deployed with Argo CD and one deployed with Flux. For each,
 * synth is refused with an OptionsError, writes nothing, and no problem line appears twice, nor
 * one option under two spellings (`services.my-api` and `services['my-api']`). Then the problems
 * that were reported twice or more (by the project's walk and a component's, once per service,
 * or again in other words by a renderer), each still reported exactly once, and alone at its option.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DeployEngine, GitOpsProject, GitOpsProjectOptions } from '../../src';
import { OptionsError } from '../../src/core/validation';
import { tempdir } from '../util';

process.env.PROJEN_DISABLE_POST = 'true';

interface TypeRef {
  readonly primitive?: string;
  readonly fqn?: string;
  readonly collection?: { readonly kind: string; readonly elementtype: TypeRef };
}
const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '.jsii'), 'utf-8'));
const structOf = (ref: TypeRef | undefined) => (ref?.fqn && manifest.types[ref.fqn]?.datatype ? ref.fqn as string : undefined);

/** The problem lines of a synth, or the error that is not an OptionsError. */
function problemLines(options: object): string[] {
  const outdir = tempdir('gitops-once-');
  try {
    new GitOpsProject({ name: 'orders', outdir, ...options } as GitOpsProjectOptions).synth();
    return [];
  } catch (error) {
    if (!(error instanceof OptionsError)) return [`not an OptionsError: ${String(error).split('\n')[0]}`];
    if (fs.readdirSync(outdir).length > 0) return ['a file was written'];
    return error.message.split('\n').slice(1);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** What is wrong with a list of problem lines: a line twice, an option under two spellings. */
function repeats(lines: string[]): string[] {
  const found: string[] = [];
  const seen = new Set<string>();
  for (const line of lines) {
    if (seen.has(line)) found.push(`twice: ${line}`);
    seen.add(line);
  }
  const options = new Map<string, string>();
  for (const line of lines) {
    const option = /^ {2}- ([^:]+):/.exec(line)?.[1] ?? line;
    const plain = option.replace(/\['([^']*)'\]/g, '.$1');
    if (options.has(plain) && options.get(plain) !== option) found.push(`two spellings: ${options.get(plain)} and ${option}`);
    options.set(plain, option);
  }
  return found;
}

/** Values an option of this type must refuse: the wrong type, and strings and numbers outside most grammars. */
function badValues(ref: TypeRef): unknown[] {
  if (ref.primitive === 'string') return [5, ' bad value\n', "     'freeze", ''];
  if (ref.primitive === 'number') return ['3', -1, 1.5, 1e9];
  if (ref.primitive === 'boolean') return ['false'];
  if (ref.collection?.kind === 'array') return ['x', [5], [' bad\n'], ['']];
  if (ref.collection?.kind === 'map') return [['x'], { 'bad key': 'v\n' }, { K: 5 }];
  if (ref.fqn && manifest.types[ref.fqn]?.kind === 'enum') return ['nope', 5];
  if (structOf(ref)) return [true, 'x'];
  return [];
}

type Path = Array<string | number>;

/** Every option under the struct `fqn` with a bad value: lists of structs at index 1, maps of structs at a name and a quoted name. */
function cases(fqn: string, at: Path = [], depth = 0): Array<[Path, unknown]> {
  return (manifest.types[fqn].properties ?? []).flatMap((p: { name: string; type: TypeRef }) => {
    const here = [...at, p.name];
    const own = badValues(p.type).map((v): [Path, unknown] => [here, v]);
    if (depth > 4) return own;
    const element = p.type.collection?.elementtype;
    const inner = structOf(p.type) ? cases(p.type.fqn!, here, depth + 1)
      : p.type.collection?.kind === 'array' && structOf(element) ? cases(element!.fqn!, [...here, 1], depth + 1)
        : p.type.collection?.kind === 'map' && structOf(element) ? [...cases(element!.fqn!, [...here, 'worker'], depth + 1), ...cases(element!.fqn!, [...here, 'my-api'], depth + 1)]
          : [];
    return [...own, ...inner];
  });
}

/** `base` with `value` at `at` (made where missing). */
function withValue(base: object, at: Path, value: unknown): object {
  const copy: any = structuredClone(base);
  let node = copy;
  for (const [i, key] of at.slice(0, -1).entries()) node = node[key] ??= typeof at[i + 1] === 'number' ? [] : {};
  node[at[at.length - 1]] = value;
  return copy;
}

const ARGO_CD = {
  repository: 'acme/orders',
  registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
  registryIdentity: { awsRoleArn: 'arn:aws:iam::123456789012:role/publish' },
  signing: { allowPublicLog: true },
  environments: [
    { name: 'dev' },
    { name: 'prod', gates: { windows: { deny: [{ name: 'freeze', start: '0 0 20 12 *', duration: '14d' }, { name: 'holidays', start: '0 0 1 8 *', duration: '7d' }] } } },
  ],
  services: [{ name: 'worker' }, { name: 'my-api' }],
};
const FLUX = { repository: 'acme/orders', deployEngine: DeployEngine.FLUX, environments: [{ name: 'dev' }, { name: 'prod' }], services: [{ name: 'worker' }, { name: 'my-api' }] };
const ALL = cases('projen-gitops.GitOpsProjectOptions');

describe.each([['Argo CD', ARGO_CD], ['Flux', FLUX]])('every option with a bad value, on a repository deployed with %s', (_engine, base) => {
  test('the base itself synthesizes', () => {
    expect(problemLines(base)).toEqual([]);
  });

  test(`no problem is reported twice (${ALL.length} configurations)`, () => {
    // The sweep is not empty, and every bad value is refused (an accepted one has no lines to compare),
    // but for the known gap below.
    expect(ALL.length).toBeGreaterThan(700);
    const accepted: string[] = [];
    const found = ALL.flatMap(([at, value]) => {
      const lines = problemLines(withValue(base, at, value));
      if (lines.length === 0) accepted.push(`${at.join('.')} = ${JSON.stringify(value)}`);
      const wrong = [...repeats(lines), ...lines.filter((l) => !l.startsWith('  - '))];
      return wrong.length > 0 ? [`${at.join('.')} = ${JSON.stringify(value)}:\n${wrong.join('\n')}`] : [];
    });
    expect(found).toEqual([]);
    // Known gap, left as it is: deliveryMetricsOptions are not read without deliveryMetrics: true
    // (no workflow is written), and unlike argocdOptions or fluxOptions they get no "has no effect".
    expect(accepted.filter((a) => !a.startsWith('deliveryMetricsOptions.'))).toEqual([]);
  });
});

/** Each once: problems that were reported twice or more before. */
describe('problems once, where they were reported more than once', () => {
  const once = (options: object, ...expected: string[]) => {
    const lines = problemLines({ ...ARGO_CD, ...options });
    expect(repeats(lines)).toEqual([]);
    for (const line of expected) expect({ line, times: lines.filter((l) => l === `  - ${line}`).length }).toEqual({ line, times: 1 });
    // Nor the same fact again in other words under the same option.
    const named = new Set(expected.map((line) => line.split(': ')[0]));
    expect(lines.filter((l) => named.has(l.slice(4).split(': ')[0]))).toEqual(expected.map((line) => `  - ${line}`));
  };
  const envs = (prod: object) => ({ environments: [{ name: 'dev' }, { name: 'prod', ...prod }] });

  test('an environment of the wrong type (the project walked the environments, then Environments again)', () => {
    once({ environments: [{ name: 'dev' }, 5] }, "environments[1]: must be an object (EnvironmentOptions), got 5; try { name: 'staging' }");
    once(envs({ autoMerge: 'false' }), "environments[1].autoMerge: must be true or false (a boolean, not a string in quotes), got 'false'; try false");
    once(envs({ gates: { approvals: '3' } }), "environments[1].gates.approvals: must be a whole number (not a string in quotes), got '3'; try 3");
    once(envs({ gates: { windows: { deny: [{ name: 5, start: '0 0 20 12 *', duration: '14d' }] } } }), "environments[1].gates.windows.deny[0].name: must be a string, got 5; try '5'");
  });

  test('a registry identity of the wrong type (the project walked it, then ContainerBuildWorkflow again)', () => {
    once({ registryIdentity: { awsRoleArn: 5 } }, "registryIdentity.awsRoleArn: must be a string, got 5; try '5'");
  });

  test('an environment\'s overrides outside their grammar (each service\'s chart checked them)', () => {
    once(envs({ overrides: { cpuRequest: 'lots' } }), "environments[1].overrides.cpuRequest: must be a CPU quantity like '100m' or '0.5', got 'lots'; try '100m'");
    once(envs({ overrides: { maxReplicas: -1 } }), 'environments[1].overrides.maxReplicas: must be an integer from 1 to 1000, got -1; try 10');
    once(envs({ overrides: { host: 'Not A Host' } }), "environments[1].overrides.host: must be a lowercase DNS name (optionally '*.' first), got 'Not A Host'; try 'orders.example.com'");
    once(envs({ services: { 'my-api': { memoryLimit: 'big' } } }), "environments[1].services['my-api'].memoryLimit: must be a memory quantity like '128Mi' or '1Gi', got 'big'; try '256Mi'");
  });

  test('an environment\'s overrides that break a cross-field rule for every service: one problem naming them', () => {
    once(envs({ overrides: { memoryRequest: '1Gi', memoryLimit: '128Mi' } }),
      "environments[1].overrides.memoryLimit: leaves 'orders', 'worker' and 'my-api' in prod a memory request (1Gi) above its limit (128Mi), which the API server refuses; try '1Gi'");
    once(envs({ overrides: { replicas: 5, maxReplicas: 3 } }),
      "environments[1].overrides.maxReplicas: leaves 'orders', 'worker' and 'my-api' in prod maxReplicas (3) below replicas (5), which the API server refuses for the autoscaler; try 5");
  });

  test('one host for every service of an environment: one problem, with a host per service as the fix', () => {
    once(envs({ overrides: { host: 'shop.example.com' } }),
      "environments[1].overrides.host: gives 'orders', 'worker' and 'my-api' in prod the host 'shop.example.com' on the same cluster (the ingress controller would route it to one of them); give the others a host of their own: environments[1].services: { worker: { host: 'worker-prod.shop.example.com' }, 'my-api': { host: 'my-api-prod.shop.example.com' } }");
  });

  test('a type problem and a component\'s problem of one option meet under one spelling', () => {
    once(envs({ services: { 'my-api': { replicas: 'two' } } }), "environments[1].services['my-api'].replicas: must be a whole number (not a string in quotes), got 'two'; try 2");
    once({ templateDefaults: { template: '@acme/gitops-template', ringWaitDays: { 'Early Birds': 'x' } } }, "templateDefaults.ringWaitDays['Early Birds']: must be a whole number (not a string in quotes), got 'x'; try 1");
  });

  test('a name outside the project name\'s grammar: its problem, not again as the AppProject\'s, the Kustomizations\' or a service\'s', () => {
    once({ name: 'Bad Name' }, "name: must be lowercase letters, digits, '.', '_' or '-' (it names the folder, package and image), got 'Bad Name'; try 'bad-name'");
    const flux = problemLines({ ...FLUX, name: 'Bad Name' });
    expect(flux.filter((l) => /^ {2}- (name|serviceName):/.test(l))).toEqual(["  - name: must be lowercase letters, digits, '.', '_' or '-' (it names the folder, package and image), got 'Bad Name'; try 'bad-name'"]);
  });

  test('a template ring outside the grammar: one problem (the template checked its grammar, the upgrades that it is a ring)', () => {
    once({ templateDefaults: { template: '@acme/gitops-template', ring: 'Bad Ring' } }, "templateDefaults.ring: must be one of the template's rings ('canary', 'early', 'default', 'late'), got 'Bad Ring'; try 'default'");
  });

  test('two services of one name: the name\'s problem (their charts collided: "There is already a file under deploy/charts/worker/Chart.yaml"), not again as their folder\'s', () => {
    expect(problemLines({ ...ARGO_CD, services: [{ name: 'worker' }, { name: 'worker' }] })).toEqual(["  - services[1].name: must be unique, got 'worker' twice; try 'worker-2'"]);
    expect(problemLines({ ...ARGO_CD, services: [{ name: 'orders' }] })).toEqual(["  - services[0].name: must be unique, got 'orders' twice; try 'orders-2'"]);
  });

  test('a repository URL outside its grammar with Flux: the URL\'s problem, not again as Flux\'s scheme', () => {
    const lines = problemLines({ ...FLUX, repositoryUrl: 'not a url' });
    expect(lines.filter((l) => l.startsWith('  - repositoryUrl:'))).toEqual([expect.stringMatching(/^ {2}- repositoryUrl: must be a git URL .*got "not a url"; try '.*'$/)]);
  });
});
