/**
 * The deployment rules synth checks (issue 22), against the real API server: what synth
 * refuses as a rule of the API server (a memory request above the limit, an autoscaler with
 * no replica or a maximum below its minimum, an AppProject named with '_') is what the API
 * server rejects when the check is switched off; and a bounded fuzz of the deployment options
 * (environments, namespaces, clusters, resources, replicas, hosts) where every configuration
 * synth accepts is accepted by the API server, object by object, without a warning, and every
 * one refused for an API server rule is rejected by it. kubectl shows the YAML 1.1 class:
 * what we write is read as names, an unquoted `on` is not.
 * FC_E2E_RUNS sets the number of fuzz cases (default 40: each costs a few dozen dry runs, about 0.1 s).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import { ControlPlane, controlPlaneTools, kubectlBinary, kubePins, parseObjects, Verdict } from './apiserver';
import { ARGOCD_NAMESPACE } from './kube-fixtures';
import { GitOpsProject, GitOpsProjectOptions, ServiceDeploymentOptions } from '../../src';
import { stringifyForKubernetes } from '../../src/core/kube-yaml';
import { OptionsError, Problem } from '../../src/core/validation';
import { readTree, tempdir } from '../util';

process.env.PROJEN_DISABLE_POST = 'true';
const RUNS = Number(process.env.FC_E2E_RUNS ?? 40);

const tools = controlPlaneTools();
if (tools.missing !== undefined) {
  if (process.env.CI) throw new Error(`kube-apiserver is required under CI=true: ${tools.missing}`);
  console.warn(`API server tests SKIPPED: ${tools.missing}`);
}
const describeWithApiServer = tools.missing === undefined ? describe : describe.skip;
const kubectl = tools.missing === undefined ? kubectlBinary() : undefined;
const testWithKubectl = kubectl?.path !== undefined ? test : test.skip;

interface Generated {
  readonly problems: Problem[];
  /** deploy/rendered and deploy/argocd, parsed: present when synth accepted, or when `bypass` switched the checks off. */
  readonly files: Record<string, any[]>;
}

/** Synthesizes `options`; with `bypass` the option checks are switched off (to show what the API server says about what they refuse). */
function generate(options: Partial<GitOpsProjectOptions>, bypass = false): Generated {
  const outdir = tempdir('gitops-rules-');
  try {
    const project = new GitOpsProject({ name: 'orders', repository: 'acme/orders', ...options, outdir });
    let problems: Problem[] = [];
    if (bypass) {
      for (const c of project.components) {
        if (c.constructor.name === 'OptionsValidation') (c as any).preSynthesize = () => undefined;
      }
    }
    try {
      project.synth();
    } catch (e) {
      if (!(e instanceof OptionsError)) throw e;
      problems = e.problems;
      return { problems, files: {} };
    }
    const tree = readTree(outdir);
    const files = Object.fromEntries(Object.entries(tree).filter(([f]) => /^deploy\/(rendered\/[^/]+\/[^/]+|argocd\/[^/]+)\.yaml$/.test(f)).map(([f, text]) => [f, parseObjects(text)]));
    return { problems, files };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

function problemsOf(verdicts: Verdict[]): string[] {
  return verdicts.flatMap((v) => [...(v.message !== undefined ? [`${v.object}: rejected (${v.status}): ${v.message}`] : []), ...v.warnings.map((w) => `${v.object}: warning: ${w}`)]);
}

/** The rules synth checks on behalf of the API server: their messages say so. */
const API_SERVER_RULE = /the API server refuses|API server refuses/;

describeWithApiServer(`deployment rules against kube-apiserver ${kubePins().kube}`, () => {
  let plane: ControlPlane;

  beforeAll(async () => {
    plane = await ControlPlane.start(tools as any);
    await plane.createRestrictedNamespace(ARGOCD_NAMESPACE);
    for (const dir of (tools as any).crdDirs as string[]) {
      for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) await plane.installCrds(fs.readFileSync(path.join(dir, file), 'utf-8'));
    }
  }, 300_000);

  afterAll(async () => {
    await plane?.stop();
  });

  /** Every object of the generated files dry-run in its namespace (Argo CD's objects in Argo CD's). */
  async function verdicts(files: Record<string, any[]>): Promise<string[]> {
    const found: string[] = [];
    for (const [file, objects] of Object.entries(files)) {
      const namespace = file.startsWith('deploy/argocd/') ? ARGOCD_NAMESPACE : objects[0]?.metadata?.namespace;
      if (namespace !== ARGOCD_NAMESPACE) await plane.createRestrictedNamespace(namespace);
      found.push(...problemsOf(await plane.dryRunAll(objects, namespace)).map((p) => `${file}: ${p}`));
    }
    return found;
  }

  describe('what synth refuses for the API server, the API server rejects (checks switched off)', () => {
    const cases: Array<[string, Partial<GitOpsProjectOptions>, RegExp]> = [
      ['a memory request above the limit after an override', { environments: [{ name: 'dev', overrides: { memoryRequest: '512Mi' } }] }, /Deployment\/orders: rejected .*must be less than or equal to memory limit/],
      ['replicas 0 with an autoscaler', { deployment: { maxReplicas: 4 }, environments: [{ name: 'dev', overrides: { replicas: 0 } }] }, /HorizontalPodAutoscaler\/orders: rejected .*minReplicas: Invalid value: 0: must be greater than or equal to 1/],
      ['maxReplicas below replicas', { deployment: { maxReplicas: 2, replicas: 3 }, environments: [{ name: 'dev' }] }, /HorizontalPodAutoscaler\/orders: rejected .*maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`/],
      ['a project name with _ as the AppProject name', { name: 'my_orders', serviceName: 'orders', environments: [{ name: 'dev' }] }, /AppProject\/my_orders: rejected .*a lowercase RFC 1123 subdomain/],
    ];
    test.each(cases)('%s', async (_label, options, rejected) => {
      expect(generate(options).problems.length).toBeGreaterThan(0);
      const bypassed = generate(options, true);
      expect(Object.keys(bypassed.files).length).toBeGreaterThan(0);
      expect((await verdicts(bypassed.files)).join('\n')).toMatch(rejected);
    });
  });

  test('the fuzz: accepted by synth is accepted by the API server; refused for an API server rule is rejected by it', async () => {
    const quantity = fc.constantFrom('64Mi', '128Mi', '256Mi', '512Mi', '1Gi', '1G');
    // Hosts mostly of the service's own (a shared one now and then: refused, not the API server's rule).
    const deployment = (hosts: string[]): fc.Arbitrary<ServiceDeploymentOptions> => fc.record({
      replicas: fc.integer({ min: 0, max: 4 }),
      maxReplicas: fc.integer({ min: 1, max: 5 }),
      memoryRequest: quantity,
      memoryLimit: quantity,
      cpuRequest: fc.constantFrom('50m', '100m', '0.5', '1'),
      servicePort: fc.constantFrom(80, 8080),
      ...(hosts.length > 0 ? { host: fc.constantFrom(...hosts) } : {}),
    }, { requiredKeys: [] });
    const environment = fc.record({
      name: fc.constantFrom('dev', 'staging', 'prod', 'qa'),
      namespace: fc.option(fc.constantFrom('apps', 'orders-live', 'team-a'), { nil: undefined }),
      cluster: fc.option(fc.constantFrom('https://kubernetes.default.svc', 'https://prod.k8s.example.com:6443'), { nil: undefined }),
      overrides: fc.option(deployment([]), { nil: undefined }),
    }, { requiredKeys: ['name'] });
    const config = fc.record({
      deployment: deployment(['orders.example.com', 'orders.example.org']),
      environments: fc.uniqueArray(environment, { minLength: 1, maxLength: 3, selector: (e) => e.name }),
      services: fc.option(deployment(['web.example.com', 'web.example.org', 'web.example.org', 'orders.example.org']).map((d) => [{ name: 'web', path: 'services/web', deployment: d }]), { nil: undefined }),
    });
    const counts = { accepted: 0, refusedForApiServer: 0, refusedOtherwise: 0 };
    const reasons: string[] = [];
    await fc.assert(fc.asyncProperty(config, async (options) => {
      const opts = JSON.parse(JSON.stringify(options)) as Partial<GitOpsProjectOptions>;
      const result = generate(opts);
      if (result.problems.length === 0) {
        counts.accepted++;
        expect({ options: opts, found: await verdicts(result.files) }).toEqual({ options: opts, found: [] });
        return;
      }
      const forApiServer = result.problems.filter((p) => API_SERVER_RULE.test(p.message));
      if (forApiServer.length === 0 || forApiServer.length !== result.problems.length) {
        // Refused for our own rules (unique hosts or namespaces, ...): the API server has no say.
        counts.refusedOtherwise++;
        reasons.push(...result.problems.filter((p) => !API_SERVER_RULE.test(p.message)).map((p) => p.message.replace(/,.*$/, '')));
        return;
      }
      counts.refusedForApiServer++;
      const found = await verdicts(generate(opts, true).files);
      expect({ options: opts, problems: forApiServer.map((p) => p.option), rejected: found.some((f) => / rejected /.test(f)) }).toEqual({ options: opts, problems: forApiServer.map((p) => p.option), rejected: true });
    }), { numRuns: RUNS, seed: Number(process.env.FC_SEED ?? 22) });
    console.log(`deployment fuzz (${RUNS} cases): ${JSON.stringify(counts)}; refused otherwise for: ${[...new Set(reasons)].join(' | ')}`);
    expect(counts.accepted).toBeGreaterThan(0);
  }, 600_000);

  testWithKubectl('kubectl reads what we write as names; an unquoted YAML 1.1 boolean is no name (known-bad)', async () => {
    await plane.createRestrictedNamespace('yaml-names');
    const apply = (text: string) => spawnSync(kubectl!.path!, ['--kubeconfig', plane.kubeconfig(), 'apply', '--server-side', '--dry-run=server', '--validate=strict',
      '--field-manager=projen-gitops-e2e', '-n', 'yaml-names', '-f', '-'], { encoding: 'utf-8', input: text });
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'names', labels: { env: 'on' } }, data: { value: 'no' } };
    const good = apply(stringifyForKubernetes(configMap));
    expect(good.stderr).toBe('');
    expect(good.status).toBe(0);
    const bad = apply('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: names\n  labels:\n    env: on\ndata:\n  value: no\n');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/bool|cannot unmarshal|expected string/i);
  });
});
