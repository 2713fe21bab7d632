/**
 * Issue 22: the names we derive, checked against the grammar of where they go; objects that
 * must be unique across what we generate; YAML 1.1 (as kubectl and helm read it); and the
 * cross-field rules the API server enforces, all refused at synth, naming the option to change
 * with a fix that passes its own check, before any file is written.
 */
process.env.PROJEN_DISABLE_POST = 'true';

import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments, stringify } from 'yaml';
import { helm, withHelm } from './helm/tools';
import { tempdir } from './util';
import { GitOpsProject, GitOpsProjectOptions, Iac, Runtime } from '../src';
import * as checks from '../src/core/checks';
import { fixOf } from '../src/core/checks';
import { parseForKubernetes, stringifyForKubernetes } from '../src/core/kube-yaml';
import { OptionsError, Problem } from '../src/core/validation';
import { compareManifests } from '../src/helm/manifests';
import { checkRepository } from '../src/model/repository';

const ECR = { registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', imageName: 'acme/orders', iac: Iac.TERRAFORM };
const GAR = { registry: 'europe-west1-docker.pkg.dev', imageName: 'my-project/containers/orders', iac: Iac.OPENTOFU };

/** The problems of a synth of `options` (none when it succeeds); the folder must stay empty when refused. */
function problemsOf(options: Partial<GitOpsProjectOptions>): Problem[] {
  const outdir = tempdir('gitops-names-');
  try {
    new GitOpsProject({ name: 'orders', repository: 'acme/orders', ...options, outdir }).synth();
    return [];
  } catch (e) {
    if (!(e instanceof OptionsError)) throw e;
    expect(fs.readdirSync(outdir)).toEqual([]);
    return e.problems;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** Sets `value` at an option path such as `environments[1].namespace` or `services[0].deployment.host` (a copy). */
function withOption(options: Partial<GitOpsProjectOptions>, at: string, value: unknown): Partial<GitOpsProjectOptions> {
  const copy = structuredClone(options) as any;
  const parts = [...at.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => m[1] ?? Number(m[2]));
  const last = parts.pop()!;
  let node = copy;
  for (const part of parts) node = node[part] ??= {};
  node[last] = value;
  return copy;
}

/**
 * The one problem naming `option` (matching `message`), and proof that its fix is a fix: with
 * the suggested value in place, that option has no problem of the same kind any more.
 */
function refusedWithFix(options: Partial<GitOpsProjectOptions>, option: string, message: RegExp): string {
  const found = problemsOf(options).filter((p) => p.option === option);
  expect({ option, found: found.map((p) => p.message) }).toEqual({ option, found: [expect.stringMatching(message)] });
  const fix = fixOf(found[0].message);
  expect(fix).toBeDefined();
  const again = problemsOf(withOption(options, option, fix)).filter((p) => p.option === option);
  expect({ fix, again: again.map((p) => p.message) }).toEqual({ fix, again: [] });
  return found[0].message;
}

describe('derived names against the grammar of where they go', () => {
  test("repository 'acme/.github' names an image no registry accepts: imageName is asked for", () => {
    const message = refusedWithFix({ repository: 'acme/.github' }, 'imageName', /derived from repository 'acme\/\.github' is 'acme\/\.github', which is not an OCI repository path.*; try 'acme\/github'$/);
    expect(checks.checkImageName(fixOf(message) as string)).toBeUndefined();
  });

  test('a project name with _ names an AppProject Kubernetes refuses', () => {
    refusedWithFix({ name: 'my_app', serviceName: 'orders' }, 'name', /names the Argo CD AppProject, so must be a DNS subdomain.*got 'my_app'; try 'my-app'$/);
    // Argo CD off: nothing is named after it in Kubernetes (namespaces and labels are made valid).
    expect(problemsOf({ name: 'my_app', serviceName: 'orders', argocd: false })).toEqual([]);
  });

  test('a service name over 53 characters is no Helm release name', () => {
    const name = `w${'x'.repeat(55)}`;
    refusedWithFix({ services: [{ name, path: 'services/w' }] }, 'services[0].name', /names the Helm release, so must be a Helm release name .*at most 53/);
  });

  test('an Application name over 63 characters names the environment', () => {
    refusedWithFix({ serviceName: `s${'x'.repeat(50)}`, environments: [{ name: `e${'y'.repeat(14)}` }] }, 'environments[0].name', /names the Argo CD Application .* at most 63 characters/);
  });

  test('AWS: the derived S3 state bucket and the IAM role names', () => {
    refusedWithFix({ ...ECR, name: 'my_orders' }, 'infraStateBucket', /is needed: the default state bucket .* must be an S3 bucket name .*got '123456789012-my_orders-tfstate'; try '123456789012-my-orders-tfstate'$/);
    const long = `o${'r'.repeat(51)}`;
    expect(problemsOf({ ...ECR, name: long }).map((p) => `${p.option}: ${p.message}`)).toEqual(expect.arrayContaining([
      expect.stringMatching(/^name: names the IAM roles <name>-github-publish, -plan and -apply; the longest must be an IAM role name \(at most 64 .*; try 'o'r{48}'$/.source.replace("'o'r{48}'", `'o${'r'.repeat(48)}'`)),
    ]));
    const fix = fixOf(problemsOf({ ...ECR, name: long }).find((p) => p.option === 'name')!.message) as string;
    expect(checks.checkProjectName(fix)).toBeUndefined();
    expect(problemsOf({ ...ECR, name: fix, infraStateBucket: 'orders-tfstate' })).toEqual([]);
  });

  test('AWS: an ECR repository name is stricter than OCI (no __)', () => {
    refusedWithFix({ ...ECR, imageName: 'acme/orders__v2' }, 'imageName', /names the ECR repository must be an Amazon ECR repository name.*got 'acme\/orders__v2'; try 'acme\/orders-v2'$/);
  });

  test('Google: the service account id, the project id and the repository id', () => {
    refusedWithFix({ ...GAR, name: 'orders-platform-backend' }, 'name', /Google service account <name>-publish, whose id must be a Google service account id .*got 'orders-platform-backend-publish'; try 'orders-platform-backen'$/);
    refusedWithFix({ ...GAR, imageName: 'acme/containers/orders' }, 'imageName', /whose Google Cloud project must be a Google Cloud project id .*got 'acme'; try 'my-project-123456\/images\/orders'$/);
    refusedWithFix({ ...GAR, imageName: 'my-project/containers_x/orders' }, 'imageName', /whose Artifact Registry repository must be an Artifact Registry repository id .*got 'containers_x'; try 'my-project\/containers-x\/orders'$/);
  });

  test('each new grammar refuses a known-bad value, accepts a known-good one, and its fix passes it', () => {
    const cases: Array<[(v: string) => string | undefined, string, string]> = [
      [checks.checkS3Bucket, 'my_bucket', 'my-bucket'],
      [checks.checkS3Bucket, 'xn--bucket', 'bucket.example'],
      [checks.checkGcsBucket, 'google-state', 'state-bucket'],
      [checks.checkIamRoleName, `r${'x'.repeat(64)}`, 'orders-github-publish'],
      [checks.checkGcpServiceAccountId, 'short', 'orders-publish'],
      [checks.checkGcpProjectId, 'acme', 'acme-prod-123'],
      [checks.checkArtifactRegistryRepositoryId, 'Containers', 'containers'],
      [checks.checkEcrRepositoryName, 'acme/orders--x', 'acme/orders-x'],
      [checks.checkOciRepositoryPath, 'acme/.github', 'acme/github'],
      [checks.checkHelmReleaseName, `a${'b'.repeat(53)}`, 'orders'],
      [checks.checkClusterUrl, 'https://admin:secret@k8s.example.com', 'https://k8s.example.com:6443'],
      [checks.checkClusterUrl, 'http://k8s.example.com', 'https://10.0.0.1'],
      [checks.checkClusterUrl, "https://k8s.example.com/'", 'https://[fd00::1]:443/path'],
      [checks.checkLabelValue, `${'x'.repeat(64)}`, 'my.app_x'],
      [(v) => checks.checkDnsSubdomain(v, 253, 'x'), 'my_app', 'my.app'],
      [(v) => checks.checkDnsLabel(v, 'dev'), 'on', 'dev'],
    ];
    for (const [check, bad, good] of cases) {
      const message = check(bad);
      expect({ bad, message }).toEqual({ bad, message: expect.stringContaining('; try ') });
      const fix = fixOf(message!);
      expect({ bad, fix, again: check(String(fix)) }).toEqual({ bad, fix, again: undefined });
      expect({ good, message: check(good) }).toEqual({ good, message: undefined });
    }
  });
});

describe('objects that must be unique across what we generate', () => {
  test("Application names: 'a-b' in 'c' and 'a' in 'b-c' are both a-b-c", () => {
    const message = refusedWithFix({
      serviceName: 'a-b',
      services: [{ name: 'a', path: 'services/a' }],
      environments: [{ name: 'c' }, { name: 'b-c' }],
    }, 'environments[1].name', /makes the Argo CD Application 'a-b-c' for service 'a' in 'b-c', the name service 'a-b' in 'c' already has/);
    expect(message).toMatch(/try 'b-c-env'$/);
  });

  test('two environments on one namespace of the same cluster; different clusters may share it', () => {
    refusedWithFix({ environments: [{ name: 'dev', namespace: 'apps' }, { name: 'prod', namespace: 'apps' }] }, 'environments[1].namespace', /must differ from environment 'dev' on the same cluster .*got namespace 'apps' for both/);
    expect(problemsOf({ environments: [{ name: 'dev', namespace: 'apps' }, { name: 'prod', namespace: 'apps', cluster: 'https://prod.k8s.example.com' }] })).toEqual([]);
  });

  test('two services claiming one host on the same cluster', () => {
    refusedWithFix({
      deployment: { host: 'shop.example.com' },
      services: [{ name: 'web', path: 'services/web', deployment: { host: 'shop.example.com' } }],
      environments: [{ name: 'dev' }],
    }, 'services[0].deployment.host', /gives 'web' in dev the host 'shop\.example\.com', which 'orders' in dev already serves on the same cluster/);
  });

  test("an environment called 'shared' with iac collides with the shared infra root", () => {
    refusedWithFix({ ...ECR, environments: [{ name: 'dev' }, { name: 'shared' }] }, 'environments[1].name', /must not be 'shared' with iac/);
    // Without iac there is no shared root: the name is free.
    expect(problemsOf({ environments: [{ name: 'dev' }, { name: 'shared' }] })).toEqual([]);
  });
});

describe('YAML 1.1: names read as anything but a string', () => {
  test.each(['on', 'no', 'y', 'yes', 'off', 'true', 'null'])("an environment or service called '%s' is refused", (name) => {
    refusedWithFix({ environments: [{ name }] }, 'environments[0].name', /not a YAML 1\.1 boolean or null/);
    refusedWithFix({ services: [{ name, path: 'services/x' }] }, 'services[0].name', /not a YAML 1\.1 boolean or null/);
  });

  test('yaml11Type knows the scalars Go YAML reads as other types', () => {
    expect(['on', 'NO', 'y', '~', 'null', '0x1F', '1e3', '012', '1_000', '.inf', '2001-12-14', '1:20'].map(checks.yaml11Type)).not.toContain(undefined);
    expect(['orders', 'dev', 'on-call', 'yes-please', 'x1e3'].map(checks.yaml11Type)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  test('what we write for Kubernetes quotes them; read as kubectl reads them they stay strings', () => {
    const values = ['on', 'no', 'y', 'null', '1e3', '0x1', '2001-12-14', 'orders'];
    const text = stringifyForKubernetes({ values });
    expect(parseForKubernetes(text)).toEqual([{ values }]);
    // Known-bad: YAML 1.2 output (the yaml package's default) is read otherwise under YAML 1.1.
    const plain = stringify({ values });
    expect(parseAllDocuments(plain, { version: '1.1' })[0].toJS().values).not.toEqual(values);
  });

  describe('with a real helm', () => {
    const outdir = tempdir('gitops-yaml11-');
    // A project name and a branch YAML 1.1 reads as a boolean and a number: both reach the chart.
    new GitOpsProject({ name: 'yes', outdir, repository: 'acme/orders', serviceName: 'orders', defaultBranch: 'on', environments: [{ name: 'dev' }] }).synth();
    afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));
    const template = (release: string, namespace: string) => helm(['template', release, 'deploy/charts/orders', '--namespace', namespace, '-f', 'deploy/environments/dev/values/orders.yaml', '-f', 'deploy/environments/dev/images.yaml'], outdir);

    withHelm()('helm template of the chart equals the committed rendered file, read as kubectl reads both', () => {
      const result = template('orders', 'yes-dev');
      expect(result.stderr).toBe('');
      expect(compareManifests(result.stdout, fs.readFileSync(path.join(outdir, 'deploy/rendered/dev/orders.yaml'), 'utf-8'))).toEqual([]);
      const [deployment] = parseForKubernetes(result.stdout).filter((o) => o.kind === 'Deployment');
      expect(deployment.metadata.labels['app.kubernetes.io/part-of']).toBe('yes');
      expect(deployment.spec.template.spec.containers[0].image).toBe('ghcr.io/acme/orders:on');
    });

    withHelm()('every string the templates print is quoted: a release and namespace called on and no stay names', () => {
      const result = template('on', 'no');
      expect(result.stderr).toBe('');
      const objects = parseForKubernetes(result.stdout);
      expect(objects.length).toBeGreaterThan(3);
      for (const o of objects) expect({ kind: o.kind, name: o.metadata.name, namespace: o.metadata.namespace }).toEqual({ kind: o.kind, name: 'on', namespace: 'no' });
      const deployment = objects.find((o) => o.kind === 'Deployment');
      expect(deployment.spec.template.metadata.labels['app.kubernetes.io/instance']).toBe('on');
      expect(deployment.spec.template.spec.serviceAccountName).toBe('on');
    });

    withHelm()('known-bad: a template printing the release name unquoted is read as a boolean', () => {
      const chart = path.join(outdir, 'deploy/charts/orders/templates/serviceaccount.yaml');
      const original = fs.readFileSync(chart, 'utf-8');
      try {
        fs.writeFileSync(chart, original.replace('{{ .Release.Name | quote }}', '{{ .Release.Name }}'));
        const [sa] = parseForKubernetes(template('on', 'no').stdout).filter((o) => o.kind === 'ServiceAccount');
        expect(sa.metadata.name).toBe(true);
      } finally {
        fs.writeFileSync(chart, original);
      }
    });
  });
});

describe('cross-field rules the API server enforces, on what each environment gets', () => {
  test('a memory request above the limit after an override names the override', () => {
    refusedWithFix({ environments: [{ name: 'dev' }, { name: 'prod', overrides: { memoryRequest: '512Mi' } }] }, 'environments[1].overrides.memoryRequest', /leaves 'orders' in prod a memory request \(512Mi\) above its limit \(256Mi\).*; try '256Mi'$/);
    refusedWithFix({ deployment: { memoryRequest: '1Gi' }, environments: [{ name: 'dev', services: { orders: { memoryLimit: '512Mi' } } }] }, 'environments[0].services.orders.memoryLimit', /memory request \(1Gi\) above its limit \(512Mi\).*; try '1Gi'$/);
    expect(problemsOf({ deployment: { memoryRequest: '1G', memoryLimit: '1Gi' } })).toEqual([]);
  });

  test('replicas 0 with an autoscaler, and maxReplicas below replicas after overrides', () => {
    const zero = problemsOf({ deployment: { maxReplicas: 4 }, environments: [{ name: 'dev', overrides: { replicas: 0 } }] });
    expect(zero.map((p) => `${p.option}: ${p.message}`)).toEqual([expect.stringMatching(/^environments\[0\]\.overrides\.replicas: is 0 in 'orders' in dev, where maxReplicas \(4\) turns on an autoscaler, whose minReplicas must be at least 1.*; try 1$/)]);
    expect(problemsOf({ deployment: { maxReplicas: 4 }, environments: [{ name: 'dev', overrides: { replicas: 1 } }] })).toEqual([]);
    refusedWithFix({ deployment: { maxReplicas: 3 }, environments: [{ name: 'prod', overrides: { replicas: 5 } }] }, 'environments[0].overrides.replicas', /maxReplicas \(3\) below replicas \(5\).*; try 3$/);
    // Replicas 0 without an autoscaler is a paused service: allowed.
    expect(problemsOf({ environments: [{ name: 'dev', overrides: { replicas: 0 } }] })).toEqual([]);
  });

  test('reserved namespaces are refused as targets: Kubernetes\' own and Argo CD\'s', () => {
    for (const namespace of ['kube-system', 'kube-public', 'kube-node-lease', 'default']) {
      refusedWithFix({ environments: [{ name: 'dev', namespace }] }, 'environments[0].namespace', /must not be a namespace Kubernetes reserves for itself/);
    }
    refusedWithFix({ environments: [{ name: 'dev', namespace: 'gitops' }], argocdOptions: { namespace: 'gitops' } }, 'environments[0].namespace', /must not be Argo CD's own namespace, got 'gitops'/);
    // Derived too: project 'kube' in environment 'system'.
    expect(problemsOf({ name: 'kube', environments: [{ name: 'system' }] }).map((p) => p.option)).toEqual(['environments[0].namespace']);
  });

  test('a cluster URL with credentials, quotes or another scheme is refused', () => {
    refusedWithFix({ environments: [{ name: 'dev', cluster: 'https://admin:hunter2@k8s.example.com' }] }, 'environments[0].cluster', /no credentials.*\(credentials in a URL end up in logs.*try 'https:\/\/k8s\.example\.com'$/);
    refusedWithFix({ environments: [{ name: 'dev', cluster: 'http://k8s.example.com' }] }, 'environments[0].cluster', /try 'https:\/\/k8s\.example\.com'$/);
    refusedWithFix({ environments: [{ name: 'dev', cluster: 'https://k8s.example.com/"x' }] }, 'environments[0].cluster', /try 'https:\/\/k8s\.example\.com'$/);
    expect(problemsOf({ environments: [{ name: 'dev', cluster: 'https://10.0.0.1:6443' }] })).toEqual([]);
  });
});

test('a known-good repository with every deployment option in use has no problem', () => {
  expect(problemsOf({
    runtime: Runtime.NODE,
    deployment: { host: 'orders.example.com', maxReplicas: 4, memoryRequest: '256Mi', memoryLimit: '512Mi' },
    services: [{ name: 'web', runtime: Runtime.STATIC, deployment: { host: 'web.example.com' } }],
    environments: [
      { name: 'dev', overrides: { replicas: 1 }, services: { orders: { host: 'orders.dev.example.com' }, web: { host: 'web.dev.example.com' } } },
      { name: 'prod', namespace: 'orders', cluster: 'https://prod.k8s.example.com' },
    ],
  })).toEqual([]);
});

describe('messages name the option written and keep the meaning of the fix', () => {
  test("an environment's approvers and infraOwners are reported under their own names, not addRule", () => {
    refusedWithFix({ codeOwners: ['@acme'], environments: [{ name: 'dev', approvers: ['@acme/dev-team '] }] }, 'environments[0].approvers[0]', /got '@acme\/dev-team '; try '@acme\/dev-team'$/);
    const infra = problemsOf({ ...ECR, codeOwners: ['@acme'], infraOwners: ['@acme/platform team'] });
    expect(infra.map((p) => `${p.option}: ${p.message}`)).toEqual([expect.stringMatching(/^infraOwners\[0\]: .*try '@acme\/platform-team'$/)]);
  });

  test('a team stays a team in the fix', () => {
    expect(fixOf(checks.checkOwner('@acme/dev team')!)).toBe('@acme/dev-team');
    expect(fixOf(checks.checkOwner('acme')!)).toBe('@acme');
  });
});

describe('messages print the value as written and fixes pass their own check', () => {
  test('NaN is printed as NaN, not null', () => {
    const found = problemsOf({ deployment: { replicas: NaN } });
    expect(found.map((p) => `${p.option}: ${p.message}`)).toEqual(expect.arrayContaining([expect.stringMatching(/^deployment\.replicas: must be an integer from 0 to 1000, got NaN; try 2$/)]));
  });

  test.each(['acme/..', 'acme/.', '-/x', 'acme//', '../..'])('repository %s: the fix is itself a repository', (value) => {
    const fix = fixOf(checkRepository(value)!) as string;
    expect({ value, fix, again: checkRepository(fix) }).toEqual({ value, fix, again: undefined });
  });
});

describe('ownership: what a required check compares cannot be handed over', () => {
  test.each(['deploy/rendered/dev/orders.yaml', 'deploy/charts/orders/templates/deployment.yaml', 'deploy/environments/dev/values/orders.yaml'])('handOver of %s is refused with the reason', (file) => {
    const found = problemsOf({ environments: [{ name: 'dev' }], handOver: [file] });
    expect(found.map((p) => `${p.option}: ${p.message}`)).toEqual([expect.stringMatching(new RegExp(`^handOver: lists '${file.replace(/[.]/g, '\\.')}', which cannot be handed over: the deploy check compares`))]);
  });

  test('a hand edit of a rendered manifest is not offered to be handed over; the Dockerfile still is', () => {
    const outdir = tempdir('gitops-handover-');
    const make = () => new GitOpsProject({ name: 'orders', repository: 'acme/orders', environments: [{ name: 'dev' }], outdir });
    try {
      make().synth();
      const rendered = path.join(outdir, 'deploy/rendered/dev/orders.yaml');
      fs.writeFileSync(rendered, fs.readFileSync(rendered, 'utf-8').replace('replicas: 2', 'replicas: 3'));
      fs.appendFileSync(path.join(outdir, 'Dockerfile'), '# mine\n');
      let message = '';
      try {
        make().synth();
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/handOver: \["Dockerfile"\],/);
      expect(message).not.toMatch(/handOver: \[.*deploy\/rendered/);
      expect(message).toMatch(/\(deploy\/rendered\/dev\/orders\.yaml cannot be handed over: the deploy check compares/);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});

test("infra: a service on another registry than the root's is refused (infra makes the root's registry and trust only)", () => {
  refusedWithFix({ ...ECR, services: [{ name: 'worker', path: 'services/worker', registry: 'ghcr.io', imageName: 'acme/worker' }] }, 'services[0].registry', /is 'ghcr\.io', but infra \(iac\) creates the image repositories and the publish trust in the root service's registry '123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com' only.*; try '123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com'$/);
  expect(problemsOf({ ...ECR, services: [{ name: 'worker', path: 'services/worker', imageName: 'acme/worker' }] })).toEqual([]);
});

test('a managed file replaced by a symbolic link out of the repository is no tampered record, and the advice works', () => {
  const outdir = tempdir('gitops-link-');
  const outside = tempdir('gitops-outside-');
  const make = () => new GitOpsProject({ name: 'orders', outdir });
  try {
    make().synth();
    fs.copyFileSync(path.join(outdir, 'Dockerfile'), path.join(outside, 'Dockerfile'));
    fs.rmSync(path.join(outdir, 'Dockerfile'));
    fs.symlinkSync(path.join(outside, 'Dockerfile'), path.join(outdir, 'Dockerfile'));
    let message = '';
    try {
      make().synth();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/a file synth writes is a symbolic link out of the repository/);
    expect(message).toMatch(/"Dockerfile" leads outside the repository through a symbolic link/);
    expect(message).not.toMatch(/tampered|PROJEN_GITOPS_RECORD=rebuild/);
    expect(message).toMatch(/rm 'Dockerfile' && npx projen/);
    // The advice, followed: the link goes, synth writes the file; nothing outside was touched.
    const before = fs.readFileSync(path.join(outside, 'Dockerfile'), 'utf-8');
    fs.rmSync(path.join(outdir, 'Dockerfile'));
    make().synth();
    expect(fs.lstatSync(path.join(outdir, 'Dockerfile')).isFile()).toBe(true);
    expect(fs.readFileSync(path.join(outside, 'Dockerfile'), 'utf-8')).toBe(before);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  }
});
