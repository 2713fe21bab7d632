process.env.PROJEN_DISABLE_POST = 'true'; // no npm install in unit tests

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Component } from 'projen';
import { parse } from 'yaml';
import { schemaProblems } from './kubernetes-schemas';
import { helm, withHelm } from './tools';
import { GitOpsProject, GitOpsProjectOptions, HelmChart, Runtime } from '../../src';
import { renderFile } from '../../src/core/projen-adapter';
import { OptionsError } from '../../src/core/validation';
import { compareManifests, parseManifests, podSecurityViolations } from '../../src/helm/manifests';
import { restrictedViolations } from '../../src/helm/pod-security';
import { valuesProblems } from '../../src/helm/values';
import { readTree, tempdir } from '../util';

const ENVIRONMENTS = [
  { name: 'dev' },
  { name: 'staging', overrides: { replicas: 3 } },
  { name: 'prod', overrides: { maxReplicas: 10, memoryLimit: '512Mi' }, services: { worker: { host: 'worker.example.com', gateway: 'gateway-system/public' } } },
];

/**
 * A repository with two services (Node.js at the root, Go in services/worker), synthesized to
 * disk (after `patch`: the escape hatches).
 */
function twoServices(
  outdir = tempdir(),
  options: Partial<GitOpsProjectOptions> = {},
  patch?: (project: GitOpsProject) => void,
): { outdir: string; project: GitOpsProject } {
  const project = new GitOpsProject({
    name: 'orders',
    outdir,
    repository: 'Acme/Orders',
    environments: ENVIRONMENTS,
    deployment: { host: 'orders.example.com', ingressClassName: 'nginx', allowFromNamespaces: ['ingress-nginx'] },
    ...options,
  });
  project.addService({ name: 'worker', runtime: Runtime.GO, port: 9090, healthPath: '/ready', uid: 20002 });
  patch?.(project);
  project.synth();
  return { outdir, project };
}

const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), 'utf-8');
const releases = () => ['dev', 'staging', 'prod'].flatMap((env) => ['orders', 'worker'].map((service) => ({ env, service, namespace: `orders-${env}` })));
const valueArgs = (env: string, service: string) => ['-f', `deploy/environments/${env}/values/${service}.yaml`, '-f', `deploy/environments/${env}/images.yaml`];

describe('a repository with two services', () => {
  const { outdir } = twoServices();

  test('has a chart per service, values per environment, images.yaml and rendered manifests', () => {
    const files = Object.keys(readTree(outdir)).filter((f) => f.startsWith('deploy/')).sort();
    expect(files).toMatchSnapshot();
    expect(read(outdir, 'deploy/charts/worker/templates/deployment.yaml')).toContain('{{ include "chart.image" . | quote }}');
  });

  withHelm()('every chart passes helm lint --strict with every environment\'s values', () => {
    for (const { env, service, namespace } of releases()) {
      const result = helm(['lint', '--strict', `deploy/charts/${service}`, '--namespace', namespace, ...valueArgs(env, service)], outdir);
      expect({ env, service, status: result.status, out: result.stdout + result.stderr }).toMatchObject({ status: 0 });
    }
  });

  withHelm()('the rendered manifests are what a real helm template produces (compared as parsed documents)', () => {
    for (const { env, service, namespace } of releases()) {
      const result = helm(['template', service, `deploy/charts/${service}`, '--namespace', namespace, ...valueArgs(env, service)], outdir);
      expect(result.stderr).toBe('');
      expect({ env, service, diff: compareManifests(result.stdout, read(outdir, `deploy/rendered/${env}/${service}.yaml`)) }).toEqual({ env, service, diff: [] });
    }
  });

  test('every rendered object validates against the Kubernetes schemas, closed to unknown fields', () => {
    for (const { env, service } of releases()) {
      for (const object of parseManifests(read(outdir, `deploy/rendered/${env}/${service}.yaml`))) {
        expect({ env, service, kind: object.kind, problems: schemaProblems(object) }).toEqual({ env, service, kind: object.kind, problems: [] });
      }
    }
  });

  test('every pod spec meets the restricted Pod Security Standard', () => {
    for (const { env, service } of releases()) {
      expect(podSecurityViolations(read(outdir, `deploy/rendered/${env}/${service}.yaml`))).toEqual([]);
    }
  });

  test('environments differ as configured: replicas, autoscaling, Ingress and HTTPRoute', () => {
    const kinds = (env: string, service: string) => parseManifests(read(outdir, `deploy/rendered/${env}/${service}.yaml`)).map((o) => o.kind);
    expect(kinds('dev', 'orders')).toEqual(['NetworkPolicy', 'PodDisruptionBudget', 'ServiceAccount', 'Service', 'Deployment', 'Ingress']);
    expect(kinds('prod', 'worker')).toEqual(['NetworkPolicy', 'PodDisruptionBudget', 'ServiceAccount', 'Service', 'Deployment', 'HorizontalPodAutoscaler', 'HTTPRoute']);
    const deployment = (env: string) => parseManifests(read(outdir, `deploy/rendered/${env}/orders.yaml`)).find((o) => o.kind === 'Deployment');
    expect(deployment('dev').spec.replicas).toBe(2);
    expect(deployment('staging').spec.replicas).toBe(3);
    expect(deployment('prod').spec.replicas).toBeUndefined(); // the autoscaler decides
    expect(deployment('prod').spec.template.spec.containers[0].resources.limits.memory).toBe('512Mi');
    expect(parse(read(outdir, 'deploy/environments/dev/values/orders.yaml'))).toEqual({});
    expect(parse(read(outdir, 'deploy/environments/staging/values/orders.yaml'))).toEqual({ replicas: 3 });
  });

  test('the image is named at synth time from owner/name, lowercased, by tag until a digest is pinned', () => {
    const image = (service: string) => parseManifests(read(outdir, `deploy/rendered/dev/${service}.yaml`)).find((o) => o.kind === 'Deployment').spec.template.spec.containers[0].image;
    expect(image('orders')).toBe('ghcr.io/acme/orders:main');
    expect(image('worker')).toBe('ghcr.io/acme/orders/worker:main');
  });
});

describe('known-bad fixtures: every validator can fail', () => {
  const { outdir } = twoServices();
  const deployment = () => parseManifests(read(outdir, 'deploy/rendered/dev/orders.yaml')).find((o) => o.kind === 'Deployment');

  test('the restricted check rejects a privileged, root pod without seccomp (https://kubernetes.io/docs/concepts/security/pod-security-standards/)', () => {
    const bad = deployment();
    const spec = bad.spec.template.spec;
    spec.securityContext = { runAsUser: 0 };
    spec.hostNetwork = true;
    spec.volumes.push({ name: 'host', hostPath: { path: '/' } });
    spec.containers[0].securityContext = { privileged: true, capabilities: { add: ['SYS_ADMIN'] } };
    expect(restrictedViolations(spec)).toEqual(expect.arrayContaining([
      expect.stringContaining('hostNetwork'),
      expect.stringContaining('hostPath is not an allowed volume type'),
      expect.stringContaining('privileged'),
      expect.stringContaining('allowPrivilegeEscalation must be false'),
      expect.stringContaining('runAsNonRoot must be true'),
      expect.stringContaining('runAsUser must not be 0'),
      expect.stringContaining('seccompProfile.type'),
      expect.stringContaining('capabilities.drop must include ALL'),
      expect.stringContaining("may only add NET_BIND_SERVICE (Capabilities), got 'SYS_ADMIN'"),
    ]));
  });

  test('the closed schemas reject an unknown field and a wrong type', () => {
    const bad = deployment();
    bad.spec.template.spec.containers[0].secuirtyContext = {};
    bad.spec.replicas = 'two';
    expect(schemaProblems(bad)).toEqual([
      'Deployment/orders: /spec/replicas must be integer',
      'Deployment/orders: /spec/template/spec/containers/0/secuirtyContext is not a field of apps/v1/Deployment',
    ]);
  });

  test('the comparison notices a changed, a missing and an extra object', () => {
    const ours = read(outdir, 'deploy/rendered/dev/orders.yaml');
    expect(compareManifests(ours, ours.replace('containerPort: 8080', 'containerPort: 8081'))).toEqual([
      'Deployment/orders-dev/orders.spec.template.spec.containers.0.ports.0.containerPort: expected 8080, got 8081',
    ]);
    expect(compareManifests(ours, ours.replace('kind: ServiceAccount', 'kind: ServiceAccounts'))).toEqual([
      'ServiceAccount/orders-dev/orders: missing',
      'ServiceAccounts/orders-dev/orders: not expected',
    ]);
  });

  withHelm()('helm lint fails on a misspelt values key: the schema is closed', () => {
    fs.writeFileSync(path.join(outdir, 'misspelt.yaml'), 'replicaz: 3\n');
    const result = helm(['lint', '--strict', 'deploy/charts/orders', '-f', 'misspelt.yaml'], outdir);
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/replicaz/);
  });
});

describe('the chart version follows content against the committed Chart.yaml', () => {
  const git = (dir: string, ...args: string[]) => {
    const result = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd: dir, encoding: 'utf-8' });
    expect({ args, status: result.status, err: result.stderr }).toMatchObject({ status: 0 });
  };
  const version = (dir: string, service = 'orders') => parse(read(dir, `deploy/charts/${service}/Chart.yaml`)).version;

  test('a port change and its revert, each synthesized twice, give back the committed version and file', () => {
    const { outdir } = twoServices();
    git(outdir, 'init', '-q');
    git(outdir, 'add', '-A');
    git(outdir, 'commit', '-q', '-m', 'initial');
    const committed = read(outdir, 'deploy/charts/orders/Chart.yaml');
    expect(version(outdir)).toBe('0.1.0');
    twoServices(outdir, { port: 9000 });
    twoServices(outdir, { port: 9000 });
    expect(version(outdir)).toBe('0.1.1');
    twoServices(outdir, { port: 9001 });
    expect(version(outdir)).toBe('0.1.1'); // still one change against the commit
    twoServices(outdir);
    expect(version(outdir)).toBe('0.1.0');
    expect(read(outdir, 'deploy/charts/orders/Chart.yaml')).toBe(committed);
    expect(version(outdir, 'worker')).toBe('0.1.0');
  });
});

describe('one synth follows a change everywhere', () => {
  test('changing the port changes the Dockerfile, the chart values and every rendered manifest; the chart version is bumped', () => {
    const { outdir } = twoServices();
    expect(parse(read(outdir, 'deploy/charts/orders/Chart.yaml')).version).toBe('0.1.0');
    const before = readTree(outdir);
    twoServices(outdir); // no change: no file changes
    expect(readTree(outdir)).toEqual(before);

    twoServices(outdir, { port: 9000 });
    expect(read(outdir, 'Dockerfile')).toMatch(/^EXPOSE 9000$/m);
    expect(parse(read(outdir, 'deploy/charts/orders/values.yaml')).port).toBe(9000);
    expect(parse(read(outdir, 'deploy/charts/orders/Chart.yaml')).version).toBe('0.1.1');
    expect(parse(read(outdir, 'deploy/charts/worker/Chart.yaml')).version).toBe('0.1.0'); // unchanged chart, same version
    for (const env of ['dev', 'staging', 'prod']) {
      const objects = parseManifests(read(outdir, `deploy/rendered/${env}/orders.yaml`));
      const container = objects.find((o) => o.kind === 'Deployment').spec.template.spec.containers[0];
      expect(container.ports[0].containerPort).toBe(9000);
      expect(objects.find((o) => o.kind === 'NetworkPolicy').spec.ingress[0].ports[0].port).toBe(9000);
    }
    const again = readTree(outdir);
    twoServices(outdir, { port: 9000 });
    expect(readTree(outdir)).toEqual(again);
  });

  test('a digest written by automation is read, never overwritten, and is not a hand edit', () => {
    const { outdir } = twoServices();
    const digest = `sha256:${'a'.repeat(64)}`;
    const file = path.join(outdir, 'deploy/environments/staging/images.yaml');
    fs.writeFileSync(file, `images:\n  worker:\n    digest: "${digest}"\n`);
    twoServices(outdir); // would throw EditedFilesError if it counted as a hand edit
    expect(fs.readFileSync(file, 'utf-8')).toContain(digest);
    const image = (env: string) => parseManifests(read(outdir, `deploy/rendered/${env}/worker.yaml`)).find((o) => o.kind === 'Deployment').spec.template.spec.containers[0].image;
    expect(image('staging')).toBe(`ghcr.io/acme/orders/worker@${digest}`);
    expect(image('dev')).toBe('ghcr.io/acme/orders/worker:main');
    expect(read(outdir, 'README.md')).toMatch(/\| `deploy\/environments\/staging\/images.yaml` \| written by automation \|/);
  });

  test('a malformed images.yaml stops synth, naming the file, and changes nothing', () => {
    const { outdir } = twoServices();
    fs.writeFileSync(path.join(outdir, 'deploy/environments/dev/images.yaml'), 'images:\n  orders:\n    digest: latest\n');
    const before = readTree(outdir);
    expect(() => twoServices(outdir, { port: 9000 })).toThrow(/deploy\/environments\/dev\/images.yaml: images.orders must be \{ digest: 'sha256:<64 hex digits>' \}/);
    expect(readTree(outdir)).toEqual(before);
  });
});

describe('port, uid and health path agree across Dockerfile, values, Deployment and probes', () => {
  const presets = Object.values(Runtime).filter((r) => r !== Runtime.CUSTOM);
  test.each(presets)('%s', (runtime) => {
    const outdir = tempdir();
    const project = new GitOpsProject({ name: 'shop', outdir, repository: 'acme/shop', environments: [{ name: 'dev' }] });
    project.addService({ name: 'api', runtime, port: 7070, healthPath: '/alive', uid: 12345 });
    project.synth();
    const dockerfile = read(outdir, 'services/api/Dockerfile');
    expect(dockerfile).toMatch(/^EXPOSE 7070$/m);
    expect(dockerfile).toMatch(/^USER 12345:12345$/m);
    expect(dockerfile).toMatch(/HEALTH_PATH=("?)\/alive\1/);
    const values = parse(read(outdir, 'deploy/charts/api/values.yaml'));
    expect(values).toMatchObject({ port: 7070, healthPath: '/alive', runAsUser: 12345, runAsGroup: 12345 });
    const pod = parseManifests(read(outdir, 'deploy/rendered/dev/api.yaml')).find((o) => o.kind === 'Deployment').spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsUser: 12345, runAsGroup: 12345, runAsNonRoot: true });
    const container = pod.containers[0];
    expect(container.ports).toEqual([{ name: 'http', containerPort: 7070, protocol: 'TCP' }]);
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
      expect(container[probe].httpGet).toEqual({ path: '/alive', port: 'http' });
    }
  });
});

describe('escape hatches: values.yaml and Chart.yaml are projen ObjectFiles', () => {
  const cpu = (outdir: string, env: string, service = 'orders') =>
    parseManifests(read(outdir, `deploy/rendered/${env}/${service}.yaml`)).find((o) => o.kind === 'Deployment').spec.template.spec.containers[0].resources.requests.cpu;
  /** An environment's values file is made when the synth starts: a component reaches it in preSynthesize. */
  class StagingWorkerReplicas extends Component {
    preSynthesize() {
      this.project.tryFindObjectFile('deploy/environments/staging/values/worker.yaml')!.addOverride('replicas', 4);
    }
  }
  const overridden = (outdir?: string) => twoServices(outdir, {}, (project) => {
    HelmChart.of(project)!.valuesFile.addOverride('resources.requests.cpu', '250m');
    project.tryFindObjectFile('deploy/charts/orders/Chart.yaml')!.addOverride('annotations.team', 'payments');
    new StagingWorkerReplicas(project);
  });
  const replicas = (outdir: string, env: string, service: string) =>
    parseManifests(read(outdir, `deploy/rendered/${env}/${service}.yaml`)).find((o) => o.kind === 'Deployment').spec.replicas;

  test('GIVEN an override of values.yaml WHEN synthesized THEN values.yaml, every rendered manifest and the chart version follow it; the other chart does not', () => {
    const plain = twoServices().outdir;
    const { outdir } = overridden();
    expect(parse(read(outdir, 'deploy/charts/orders/values.yaml')).resources.requests).toEqual({ cpu: '250m', memory: '128Mi' });
    expect(read(outdir, 'deploy/charts/orders/values.yaml')).toMatch(/^# The values of the orders chart/);
    for (const env of ['dev', 'staging', 'prod']) {
      expect(cpu(plain, env)).toBe('100m');
      expect(cpu(outdir, env)).toBe('250m');
      expect(cpu(outdir, env, 'worker')).toBe('100m');
    }
    // The environment's values file: its rendered manifests follow, the other environments' do not.
    expect(parse(read(outdir, 'deploy/environments/staging/values/worker.yaml')).replicas).toBe(4);
    expect([replicas(plain, 'staging', 'worker'), replicas(outdir, 'staging', 'worker'), replicas(outdir, 'dev', 'worker'), replicas(outdir, 'staging', 'orders')]).toEqual([3, 4, 2, 3]);
    const chart = parse(read(outdir, 'deploy/charts/orders/Chart.yaml'));
    expect(chart.annotations.team).toBe('payments');
    // values.yaml is part of the content hash: another hash than the chart without the override.
    expect(chart.annotations['projen-gitops.dev/content-hash']).not.toBe(parse(read(plain, 'deploy/charts/orders/Chart.yaml')).annotations['projen-gitops.dev/content-hash']);
    expect(read(outdir, 'deploy/charts/worker/Chart.yaml')).toBe(read(plain, 'deploy/charts/worker/Chart.yaml'));
  });

  test('GIVEN the same overrides WHEN synthesized a second time THEN nothing changes and nothing counts as a hand edit', () => {
    const { outdir } = overridden();
    const before = readTree(outdir);
    overridden(outdir); // would throw EditedFilesError if a file differed from the record
    expect(readTree(outdir)).toEqual(before);
  });

  withHelm()('with the overrides, every chart passes helm lint --strict and helm template renders what synth rendered', () => {
    const { outdir } = overridden();
    for (const { env, service, namespace } of releases()) {
      const lint = helm(['lint', '--strict', `deploy/charts/${service}`, '--namespace', namespace, ...valueArgs(env, service)], outdir);
      expect({ env, service, status: lint.status, out: lint.stdout + lint.stderr }).toMatchObject({ status: 0 });
      const result = helm(['template', service, `deploy/charts/${service}`, '--namespace', namespace, ...valueArgs(env, service)], outdir);
      expect({ env, service, diff: compareManifests(result.stdout, read(outdir, `deploy/rendered/${env}/${service}.yaml`)) }).toEqual({ env, service, diff: [] });
    }
  });

  const bad = (project: GitOpsProject) => {
    HelmChart.of(project, 'orders')!.valuesFile.addOverride('replicas', 'three');
    HelmChart.of(project, 'worker')!.valuesFile.addOverride('replicaz', 3);
    HelmChart.of(project, 'worker')!.valuesFile.addDeletionOverride('port');
  };

  test('known-bad: synth refuses an override values.schema.json refuses, naming the file, the key, the value and the fix, and writes nothing', () => {
    const outdir = tempdir();
    expect(() => twoServices(outdir, {}, bad)).toThrow(OptionsError);
    expect(() => twoServices(outdir, {}, bad)).toThrow([
      "  - HelmChart.of(project, 'orders').valuesFile (deploy/charts/orders/values.yaml): replicas: must be a whole number, got 'three'; try 2",
      "  - HelmChart.of(project, 'worker').valuesFile (deploy/charts/worker/values.yaml): port: is required by the chart's values.schema.json; remove the deletion override (it was 9090)",
      "  - HelmChart.of(project, 'worker').valuesFile (deploy/charts/worker/values.yaml): replicaz: is no value of the chart (its values.schema.json is closed, so helm lint and the deploy check fail); remove the override, or add the key to values.schema.json and a template that reads it; the chart's keys here:",
    ].join('\n'));
    expect(fs.readdirSync(outdir)).toEqual([]);
  });

  withHelm()('known-bad: the same values fail the real helm lint (the check synth runs first agrees with helm)', () => {
    const { outdir } = twoServices();
    const project = new GitOpsProject({ name: 'orders', outdir: tempdir(), repository: 'Acme/Orders', environments: ENVIRONMENTS });
    project.addService({ name: 'worker', runtime: Runtime.GO, port: 9090, healthPath: '/ready', uid: 20002 });
    bad(project);
    // What synth would have written, put in place by hand: helm must refuse it too.
    for (const service of ['orders', 'worker']) {
      fs.writeFileSync(path.join(outdir, `deploy/charts/${service}/values.yaml`), renderFile(HelmChart.of(project, service)!.valuesFile)!);
    }
    const orders = helm(['lint', '--strict', 'deploy/charts/orders'], outdir);
    expect(orders.status).not.toBe(0);
    expect(orders.stdout + orders.stderr).toMatch(/replicas/);
    const worker = helm(['lint', '--strict', 'deploy/charts/worker'], outdir);
    expect(worker.status).not.toBe(0);
    expect(worker.stdout + worker.stderr).toMatch(/replicaz/);
    expect(worker.stdout + worker.stderr).toMatch(/port/);
  });

  test('the values check reads values.schema.json\'s keywords: bounds, pattern, enum, lists, booleans, maps', () => {
    const schema = {
      type: 'object',
      additionalProperties: false,
      properties: {
        port: { type: 'integer', minimum: 1, maximum: 65535 },
        path: { type: 'string', pattern: '^/' },
        policy: { type: 'string', enum: ['Always', 'Never'] },
        on: { type: 'boolean' },
        names: { type: 'array', items: { type: 'string' } },
        nested: { type: 'object', properties: {} },
      },
    };
    const example = { port: 8080, path: '/healthz', policy: 'Never', on: true, names: [], nested: { enabled: false } };
    expect(valuesProblems(schema, { ...example }, example)).toEqual([]);
    expect(valuesProblems(schema, { port: 70000, path: 'healthz', policy: 'Sometimes', on: 'yes', names: ['a', 1], nested: 'x' }, example).map((p) => `${p.key}: ${p.message}`)).toEqual([
      'port: must be at most 65535, got 70000; try 8080',
      "path: must be a string matching ^/, got 'healthz'; try '/healthz'",
      "policy: must be one of 'Always', 'Never', got 'Sometimes'; try 'Never'",
      "on: must be true or false, got 'yes'; try true",
      'names[1]: must be a string, got 1; remove the override',
      "nested: must be a map, got 'x'; try { enabled: false }",
    ]);
  });

  test('HelmChart.of finds the main service\'s chart, or the one named', () => {
    const { project } = twoServices();
    expect(HelmChart.of(project)!.image.serviceName).toBe('orders');
    expect(HelmChart.of(project, 'worker')!.chartDir).toBe('deploy/charts/worker');
    expect(HelmChart.of(project, 'nope')).toBeUndefined();
  });

  test('the templates and the rendered manifests take no override, and say what to change instead', () => {
    const { project } = twoServices();
    expect(() => project.tryFindObjectFile('deploy/charts/orders/templates/deployment.yaml')!.addOverride('spec', {}))
      .toThrow(/^deploy\/charts\/orders\/templates\/deployment\.yaml takes no addOverride \(got "spec"\): a chart template is Helm's Go template text.*valuesFile\.addOverride/);
    expect(() => project.tryFindObjectFile('deploy/rendered/dev/orders.yaml')!.addOverride('spec', {}))
      .toThrow(/^deploy\/rendered\/dev\/orders\.yaml takes no addOverride.*the deploy check compares them.*valuesFile\.addOverride/);
  });
});

describe('options', () => {
  const problems = (options: Partial<GitOpsProjectOptions>) => {
    try {
      new GitOpsProject({ name: 'orders', outdir: tempdir(), repository: 'acme/orders', ...options }).synth();
      return '';
    } catch (e) {
      return (e as Error).message;
    }
  };

  test('without repository or environments there is no deployment part (imageName alone does not opt in)', () => {
    const outdir = tempdir();
    new GitOpsProject({ name: 'orders', outdir, imageName: 'acme/orders' }).synth();
    expect(fs.existsSync(path.join(outdir, 'deploy'))).toBe(false);
  });

  test('environments with an imageName on every service deploy without repository', () => {
    const outdir = tempdir();
    new GitOpsProject({ name: 'orders', outdir, imageName: 'acme/orders', environments: [{ name: 'dev' }] }).synth();
    expect(fs.readFileSync(path.join(outdir, 'deploy/rendered/dev/orders.yaml'), 'utf-8')).toContain('image: ghcr.io/acme/orders:main');
  });

  test('a project name that is no DNS label gives derived namespaces that are (only a namespace written is checked)', () => {
    const outdir = tempdir();
    const name = `my.app_${'x'.repeat(54)}-.${'y'.repeat(10)}`;
    // Argo CD off: its AppProject is named after the project, a DNS subdomain (checked).
    new GitOpsProject({ name, outdir, serviceName: 'my-app', repository: 'acme/my-app', services: [{ name: 'worker' }], argocd: false }).synth();
    const objects = parseManifests(read(outdir, 'deploy/rendered/dev/worker.yaml'));
    // Cut to fit the environment's name, which stays: the namespaces differ.
    expect(new Set(objects.map((o) => o.metadata.namespace))).toEqual(new Set([`my-app-${'x'.repeat(52)}-dev`]));
    expect(parseManifests(read(outdir, 'deploy/rendered/prod/worker.yaml'))[0].metadata.namespace).toBe(`my-app-${'x'.repeat(51)}-prod`);
    // A label value: at most 63, alphanumeric at both ends.
    expect(new Set(objects.map((o) => o.metadata.labels['app.kubernetes.io/part-of']))).toEqual(new Set([`my.app_${'x'.repeat(54)}`]));
    expect(problems({ environments: [{ name: 'dev', namespace: 'my.app-dev' }] })).toMatch(/- environments\[0\]\.namespace: must be a DNS label.*got 'my\.app-dev'; try 'my-app-dev'$/m);
  });

  test('explicit environments without a known image name are an error', () => {
    expect(problems({ repository: undefined, environments: [{ name: 'dev' }] })).toMatch(/repository: is needed to name the image of 'orders'.*try|set repository: 'my-org\/orders'/);
  });

  test('deploy: false turns a stage off', () => {
    const outdir = tempdir();
    new GitOpsProject({ name: 'orders', outdir, repository: 'acme/orders', environments: [{ name: 'dev' }, { name: 'prod', deploy: false }] }).synth();
    expect(fs.existsSync(path.join(outdir, 'deploy/rendered/dev/orders.yaml'))).toBe(true);
    expect(fs.existsSync(path.join(outdir, 'deploy/environments/prod'))).toBe(false);
    expect(fs.existsSync(path.join(outdir, 'deploy/rendered/prod'))).toBe(false);
  });

  test.each([
    [{ repository: 'acme' }, /repository: must be a GitHub repository as 'owner\/name'.*got 'acme'; try 'my-org\/my-repo'/],
    [{ repository: 'https://github.com/acme/orders.git' }, /repository: .*try 'acme\/orders'/],
    [{ environments: [{ name: 'Prod' }] }, /environments\[0\]\.name: must be a DNS label.*got 'Prod'; try 'prod'/],
    [{ environments: [{ name: 'dev' }, { name: 'dev' }] }, /environments\[1\]\.name: must be unique/],
    [{ environments: [{ name: 'dev', cluster: 'http://x' }] }, /environments\[0\]\.cluster: must be the https URL/],
    [{ deployment: { replicas: -1 } }, /deployment\.replicas: must be an integer from 0 to 1000, got -1; try 2/],
    [{ deployment: { memoryLimit: '1 GB' } }, /deployment\.memoryLimit: must be a memory quantity.*got '1 GB'; try '256Mi'/],
    [{ deployment: { host: 'Orders.Example.com' } }, /deployment\.host: must be a lowercase DNS name/],
    [{ deployment: { gateway: 'public' } }, /deployment\.gateway: must be a Gateway as 'namespace\/name'/],
    [{ deployment: { replicas: 4, maxReplicas: 2 } }, /deployment\.maxReplicas: leaves 'orders' in dev maxReplicas \(2\) below replicas \(4\), which the API server refuses for the autoscaler; try 4/],
    [{ environments: [{ name: 'dev', overrides: { cpuRequest: 'lots' } }] }, /environments\[0\]\.overrides\.cpuRequest: must be a CPU quantity/],
    [{ name: 'my_orders' }, /- name: must be a lowercase name of letters, digits and '-'.*got 'my_orders'; try 'my-orders'/],
    [{ environments: [{ name: 'dev', overides: { replicas: 1 } }] }, /environments\[0\]\.overides: is not an option of EnvironmentOptions; did you mean 'overrides'\?/],
    [{ environments: [{ name: 'dev', services: { orders: { replica: 1 } } }] }, /environments\[0\]\.services\.orders\.replica: is not an option of ServiceDeploymentOptions; did you mean 'replicas'\?/],
    [{ environments: [{ name: 'dev', services: { order: { replicas: 1 } } }] }, /environments\[0\]\.services\.order: names no service, got 'order'; use one of 'orders'/],
    [{ deployment: { memoryLimt: '1Gi' } }, /deployment\.memoryLimt: is not an option of ServiceDeploymentOptions; did you mean 'memoryLimit'\?/],
  ] as Array<[Partial<GitOpsProjectOptions>, RegExp]>)('%j is reported', (options, message) => {
    expect(problems(options)).toMatch(message);
  });
});
