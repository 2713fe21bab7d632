/**
 * Kubernetes' own verdict on our objects: a real kube-apiserver (with etcd), built from the Go
 * module proxy by scripts/build-kube-apiserver.sh, runs on 127.0.0.1. Every environment's
 * namespace enforces (and warns and audits) the restricted Pod Security profile; Argo CD's
 * released CRDs are installed; every object is server-side dry-run applied with
 * `fieldValidation=Strict`. A rejection or any `Warning` header fails with the API server's
 * message, and known-bad fixtures must be rejected.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { ControlPlane, controlPlaneTools, fluxCrds, kubectlBinary, kubePins, objectName, parseObjects, Verdict } from './apiserver';
import { ARGOCD_NAMESPACE, FIXTURE_NAMESPACE, knownBad, knownGoodArgoCd, knownGoodService } from './kube-fixtures';
import { DeployEngine, GitOpsProjectOptions, RepositoryVisibility, Runtime, SigningMode } from '../../src';
import { NOTIFICATIONS_FILE } from '../../src/argocd/argo-cd';
import { findTool, testWith } from '../tools';
import { gitopsProject, synth, tempdir } from '../util';

const tools = controlPlaneTools();
// Local skip until test/util.ts has the shared one: visible, counted by jest, fatal under CI.
if (tools.missing !== undefined) {
  if (process.env.CI) throw new Error(`kube-apiserver is required under CI=true: ${tools.missing}`);
  console.warn(`API server tests SKIPPED: ${tools.missing}`);
}
const describeWithApiServer = tools.missing === undefined ? describe : describe.skip;
const kubectl = tools.missing === undefined ? kubectlBinary() : undefined;
if (kubectl?.missing !== undefined) {
  if (process.env.CI) throw new Error(`kubectl is required under CI=true: ${kubectl.missing}`);
  console.warn(`kubectl test SKIPPED: ${kubectl.missing}`);
}
const testWithKubectl = kubectl?.path !== undefined ? test : test.skip;
// Flux's CRDs (scripts/fetch-flux-crds.sh: seconds, from the Go module proxy), with the same skip.
const flux = tools.missing === undefined ? fluxCrds() : undefined;
if (flux?.missing !== undefined) {
  if (process.env.CI) throw new Error(`Flux's CRDs are required under CI=true: ${flux.missing}`);
  console.warn(`Flux tests SKIPPED: ${flux.missing}`);
}
const describeWithFlux = flux?.dir !== undefined ? describe : describe.skip;

/** Every verdict that is not a clean acceptance, as the API server said it. */
function problems(verdicts: Array<Verdict | undefined>): string[] {
  return verdicts.flatMap((v) => {
    if (!v) return [];
    const out = v.message !== undefined ? [`${v.object}: rejected (${v.status}): ${v.message}`] : [];
    return [...out, ...v.warnings.map((w) => `${v.object}: warning: ${w}`)];
  });
}

/** A synthesized repository's rendered manifests and the namespaces of its environments. */
interface GeneratedRepo {
  readonly namespaces: string[];
  readonly services: number;
  /** deploy/rendered/<env>/<service>.yaml and deploy/argocd/ (the AppProject, the Applications, the notifications ConfigMap). */
  readonly files: Array<{ readonly file: string; readonly text: string; readonly objects: any[] }>;
}

function generatedRepo(options: Partial<GitOpsProjectOptions>): GeneratedRepo {
  const project = gitopsProject({ repository: 'acme/orders', ...options });
  const out = synth(project);
  const files = Object.keys(out).filter((file) => /^deploy\/(rendered\/[^/]+\/[^/]+|argocd\/(notifications\/)?[^/]+)\.ya?ml$/.test(file)).sort();
  return {
    namespaces: project.environments.deployed.map((env) => env.namespace),
    services: 1 + (options.services?.length ?? 0),
    files: files.map((file) => ({ file, text: out[file], objects: parseObjects(out[file]) })),
  };
}

const FOLDER_ONLY: Runtime[] = [Runtime.NODE_PNPM, Runtime.NODE_YARN];

/** Every runtime preset (custom needs a Dockerfile of the user's), and a multi-service repository with the optional parts on. */
const GENERATED: Array<[string, Partial<GitOpsProjectOptions>, string[]?]> = [
  ...Object.values(Runtime).filter((runtime) => runtime !== Runtime.CUSTOM).map((runtime): [string, Partial<GitOpsProjectOptions>] =>
    // pnpm and Yarn services live in a folder of their own next to the npm root.
    (FOLDER_ONLY.includes(runtime) ? [`${runtime} preset`, { runtime: Runtime.NODE, services: [{ name: 'api', runtime }] }] : [`${runtime} preset`, { runtime }])),
  ['multi-service repository (Ingress, HTTPRoute, HPA, per-environment overrides)', {
    runtime: Runtime.NODE,
    deployment: { host: 'orders.example.com', ingressClassName: 'nginx', allowFromNamespaces: ['ingress-nginx'] },
    services: [
      { name: 'billing', runtime: Runtime.PYTHON, deployment: { host: 'billing.example.com', gateway: 'gateway/public', maxReplicas: 4 } },
      { name: 'web', runtime: Runtime.STATIC, deployment: { replicas: 1, servicePort: 8080 } },
    ],
    environments: [
      { name: 'dev', overrides: { replicas: 1 } },
      { name: 'staging' },
      { name: 'prod', namespace: 'orders-production', overrides: { replicas: 3, maxReplicas: 6 }, services: { billing: { memoryLimit: '512Mi' } } },
    ],
  }, ['Ingress', 'HTTPRoute', 'HorizontalPodAutoscaler', 'AppProject', 'Application', 'ConfigMap']],
];

describeWithApiServer(`kube-apiserver ${kubePins().kube}`, () => {
  let plane: ControlPlane;

  beforeAll(async () => {
    if (tools.missing !== undefined) return;
    plane = await ControlPlane.start(tools);
    console.log(`kube-apiserver ${kubePins().kube} ready in ${plane.startSeconds.toFixed(1)} s`);
    for (const ns of [FIXTURE_NAMESPACE, ARGOCD_NAMESPACE]) await plane.createRestrictedNamespace(ns);
    // The known-bad pods run as the fixtures' service account, which must exist.
    for (const sa of knownGoodService().filter((o) => o.kind === 'ServiceAccount')) await plane.create(sa, FIXTURE_NAMESPACE);
    for (const dir of tools.crdDirs) {
      for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
        await plane.installCrds(fs.readFileSync(path.join(dir, file), 'utf-8'));
      }
    }
  }, 300_000);

  afterAll(async () => {
    await plane?.stop();
  });

  describe("the admission policies, against Sigstore policy-controller's CRDs", () => {
    /** policy-controller's released CRDs, copied out of its module by scripts/build-sigstore.sh next to policy-tester. */
    const crdDir = () => path.join(path.dirname(path.dirname(findTool('policy-tester')!)), 'crds');
    const policiesOf = (options: Partial<GitOpsProjectOptions>) => {
      const out = synth(gitopsProject({ repository: 'acme/orders', environments: [{ name: 'dev' }, { name: 'prod' }], ...options }));
      return Object.keys(out).filter((f) => /^deploy\/policies\/[^/]+\/cluster-image-policy\.yaml$/.test(f)).sort().map((file) => ({ file, objects: parseObjects(out[file]) }));
    };
    let installed = false;
    const install = async () => {
      if (installed) return;
      for (const file of fs.readdirSync(crdDir()).filter((f) => f.endsWith('.yaml')).sort()) {
        // The CRDs convert between versions through policy-controller's own webhook service, which
        // does not run here: conversion None (the schemas, which is what is checked, stay as released).
        const crds = parseObjects(fs.readFileSync(path.join(crdDir(), file), 'utf-8')).map((crd) => ({ ...crd, spec: { ...crd.spec, conversion: { strategy: 'None' } } }));
        await plane.installCrds(crds.map((crd) => `---\n${stringify(crd)}`).join(''));
      }
      installed = true;
    };

    testWith(['policy-tester'])('every signing mode writes a ClusterImagePolicy per environment that the API server accepts without a warning', async () => {
      await install();
      const modes: Array<[string, Partial<GitOpsProjectOptions>]> = [
        ['attestations (private default)', {}],
        ['keyless (public)', { visibility: RepositoryVisibility.PUBLIC }],
        ['KMS key (private, no log)', { signing: { mode: SigningMode.KMS_KEY, key: 'awskms:///arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' } }],
        ['KMS key (public)', { visibility: RepositoryVisibility.PUBLIC, signing: { mode: SigningMode.KMS_KEY, key: 'hashivault://images' } }],
        // The server's issuer and identity in the authority (docs/signing.md, On GitHub Enterprise).
        ['attestations on ghe.com (its default)', { githubUrl: 'https://acme.ghe.com' }],
        ['KMS key on GitHub Enterprise Server (its default)', { githubUrl: 'https://github.acme.com', signing: { key: 'hashivault://images' } }],
      ];
      for (const [label, options] of modes) {
        const policies = policiesOf(options);
        expect(policies.map((p) => p.file)).toEqual(['deploy/policies/dev/cluster-image-policy.yaml', 'deploy/policies/prod/cluster-image-policy.yaml']);
        for (const { file, objects } of policies) {
          expect(objects.map((o) => `${o.apiVersion}/${o.kind}`)).toEqual(['policy.sigstore.dev/v1beta1/ClusterImagePolicy']);
          expect(problems(await plane.dryRunAll(objects)).map((p) => `${label} ${file}: ${p}`)).toEqual([]);
        }
      }
    });

    testWith(['policy-tester'])('a misspelt or mistyped policy is rejected by the CRD schema (the check above can fail)', async () => {
      await install();
      const good = policiesOf({ visibility: RepositoryVisibility.PUBLIC })[0].objects[0];
      const misspelt = structuredClone(good);
      misspelt.spec.authorities[0].keyless.identity = misspelt.spec.authorities[0].keyless.identities;
      delete misspelt.spec.authorities[0].keyless.identities;
      const verdict = await plane.dryRunApply(misspelt);
      expect(verdict.message).toMatch(/unknown field "spec\.authorities\[0\]\.keyless\.identity"/);
      const mistyped = structuredClone(good);
      mistyped.spec.images = 'ghcr.io/acme/orders';
      expect((await plane.dryRunApply(mistyped)).message).toMatch(/spec\.images: Invalid value: "string": spec\.images in body must be of type array/);
    });
  });

  describeWithFlux(`the Flux objects, against source-controller's and kustomize-controller's CRDs (${flux?.dir !== undefined ? flux.version : 'missing'})`, () => {
    /** deploy/flux/ of a repository with deployEngine FLUX: every file with its objects. */
    const fluxFiles = (options: Partial<GitOpsProjectOptions>) => {
      const out = synth(gitopsProject({ repository: 'acme/orders', deployEngine: DeployEngine.FLUX, ...options }));
      expect(Object.keys(out).filter((f) => f.startsWith('deploy/argocd/'))).toEqual([]);
      return Object.keys(out).filter((f) => f.startsWith('deploy/flux/')).sort().map((file) => ({ file, text: out[file] as string, objects: parseObjects(out[file]) }));
    };
    const REPOS: Array<[string, Partial<GitOpsProjectOptions>, string, number]> = [
      ['the defaults: a private repository (its credentials Secret), admission policies, prod suspended', {}, 'flux-system', 1 + 3 + 3],
      ['a public repository cloned over SSH (scp-like URL), no admission policies, cascading delete, another namespace and intervals', {
        visibility: RepositoryVisibility.PUBLIC,
        repositoryUrl: 'git@github.com:acme/orders.git',
        admissionPolicies: false,
        fluxOptions: { namespace: 'gitops', interval: '30s', reconcileInterval: '1h30m', cascadeDelete: true, secretName: 'orders-deploy-key' },
      }, 'gitops', 1 + 3],
      ['several services, prod on another cluster and synced automatically, a custom namespace', {
        runtime: Runtime.NODE,
        services: [{ name: 'billing', runtime: Runtime.PYTHON }],
        environments: [{ name: 'dev' }, { name: 'prod', cluster: 'https://prod.k8s.example.com:6443', namespace: 'orders-production', autoSync: true }],
      }, 'flux-system', 1 + 2 + 2],
    ];

    beforeAll(async () => {
      if (flux?.dir === undefined) return;
      for (const ns of new Set(REPOS.map(([, , namespace]) => namespace))) await plane.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      for (const file of fs.readdirSync(flux.dir).filter((f) => f.endsWith('.yaml')).sort()) {
        await plane.installCrds(fs.readFileSync(path.join(flux.dir, file), 'utf-8'));
      }
    });

    test.each(REPOS)('every generated object is accepted without a warning: %s', async (_label, options, namespace, count) => {
      const files = fluxFiles(options);
      const objects = files.flatMap((f) => f.objects);
      expect(objects.length).toBe(count);
      expect(files.every((f) => f.objects.length === 1)).toBe(true);
      expect(new Set(objects.map((o) => `${o.apiVersion}/${o.kind}`))).toEqual(new Set(['source.toolkit.fluxcd.io/v1/GitRepository', 'kustomize.toolkit.fluxcd.io/v1/Kustomization']));
      expect(new Set(objects.map((o) => o.metadata.namespace))).toEqual(new Set([namespace]));
      const found: string[] = [];
      for (const { file, objects: own } of files) found.push(...problems(await plane.dryRunAll(own)).map((p) => `${file}: ${p}`));
      expect(found).toEqual([]);
    });

    test('known-bad Flux objects are rejected: a misspelt field, a Kustomization without sourceRef, an scp-like URL, a duration Flux does not read (the check above can fail)', async () => {
      const [repository, kustomization] = ['deploy/flux/00-git-repository.yaml', 'deploy/flux/dev.yaml'].map((file) => fluxFiles({}).find((f) => f.file === file)!.objects[0]);
      const bad: Array<[string, any, RegExp]> = [
        ['a misspelt field', { ...kustomization, spec: { ...kustomization.spec, dependOn: kustomization.spec.dependsOn } }, /unknown field "spec\.dependOn"/],
        ['no sourceRef', { ...kustomization, spec: { ...kustomization.spec, sourceRef: undefined } }, /spec\.sourceRef: Required value/],
        // What Argo CD takes and source-controller does not: why fluxRepositoryUrl writes it ssh://.
        ['an scp-like URL', { ...repository, spec: { ...repository.spec, url: 'git@github.com:acme/orders.git' } }, /spec\.url in body should match '\^\(http\|https\|ssh\):\/\/\.\*\$'/],
        ['a duration in words', { ...kustomization, spec: { ...kustomization.spec, interval: '10 minutes' } }, /spec\.interval in body should match/],
      ];
      for (const [label, object, message] of bad) {
        const verdict = await plane.dryRunApply(JSON.parse(JSON.stringify(object)));
        expect({ label, message: verdict.message }).toEqual({ label, message: expect.stringMatching(message) });
        expect({ label, rejectedBy: verdict.rejectedBy }).toEqual({ label, rejectedBy: ['apply', 'create'] });
      }
    });

    const kubectlFlux = (args: string[]) => spawnSync(kubectl!.path!, ['--kubeconfig', plane.kubeconfig(), 'apply', '--server-side', '--validate=strict', ...args], { encoding: 'utf-8' });
    const writeFiles = (files: Array<{ file: string; text: string }>) => {
      const dir = tempdir('gitops-flux-');
      for (const { file, text } of files) {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), text);
      }
      return dir;
    };

    testWithKubectl('the bootstrap command of docs/flux.md takes deploy/flux/ as written (kubectl apply --server-side -f deploy/flux/)', () => {
      const dir = writeFiles(fluxFiles({}));
      try {
        const result = kubectlFlux(['--dry-run=server', '-f', path.join(dir, 'deploy', 'flux') + '/']);
        expect(result.stderr).toBe('');
        expect(result.status).toBe(0);
        const applied = result.stdout.split('\n').filter((l) => / serverside-applied \(server dry run\)$/.test(l));
        expect(applied).toEqual([
          'gitrepository.source.toolkit.fluxcd.io/orders serverside-applied (server dry run)',
          ...['dev', 'prod', 'staging'].flatMap((env) => [
            `kustomization.kustomize.toolkit.fluxcd.io/orders-${env}-policies serverside-applied (server dry run)`,
            `kustomization.kustomize.toolkit.fluxcd.io/orders-${env} serverside-applied (server dry run)`,
          ]),
        ]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    testWithKubectl('prod: `flux resume` takes suspend away, and applying the folder again suspends it again without a conflict', async () => {
      const files = fluxFiles({ name: 'resumed' }).filter((f) => f.file === 'deploy/flux/prod.yaml');
      const dir = writeFiles(files);
      const url = '/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/resumed-prod';
      try {
        const file = path.join(dir, 'deploy', 'flux', 'prod.yaml');
        const first = kubectlFlux(['-f', file]);
        expect([first.stderr, first.stdout.trim()]).toEqual(['', 'kustomization.kustomize.toolkit.fluxcd.io/resumed-prod serverside-applied']);
        expect((await plane.request('GET', url)).body.spec.suspend).toBe(true);
        // What `flux resume kustomization` sends (flux2 cmd/flux/resume.go): a merge patch from the
        // object with Suspend set to false, which its omitempty JSON tag leaves out, as manager "flux".
        const resumed = await plane.request('PATCH', `${url}?fieldManager=flux`, { spec: { suspend: null } }, 'application/merge-patch+json');
        expect(resumed.status).toBe(200);
        expect(resumed.body.spec.suspend).toBeUndefined();
        const again = kubectlFlux(['-f', file]);
        expect([again.stderr, again.stdout.trim()]).toEqual(['', 'kustomization.kustomize.toolkit.fluxcd.io/resumed-prod serverside-applied']);
        expect((await plane.request('GET', url)).body.spec.suspend).toBe(true);
      } finally {
        await plane.request('DELETE', url);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  test('the namespaces enforce, warn and audit the restricted profile', async () => {
    const ns = await plane.request('GET', `/api/v1/namespaces/${FIXTURE_NAMESPACE}`);
    expect(ns.body.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
    });
  });

  test("Argo CD's and Gateway API's CRDs are served", async () => {
    const kinds = async (groupVersion: string) => (await plane.request('GET', `/apis/${groupVersion}`)).body.resources.map((r: any) => r.kind);
    expect(await kinds('argoproj.io/v1alpha1')).toEqual(expect.arrayContaining(['AppProject', 'Application', 'ApplicationSet']));
    expect(await kinds('gateway.networking.k8s.io/v1')).toEqual(expect.arrayContaining(['HTTPRoute', 'Gateway']));
  });

  test('known-good fixtures are accepted without a warning, pods from their templates too', async () => {
    const verdicts = [
      ...await plane.dryRunAll(knownGoodService(), FIXTURE_NAMESPACE),
      ...await plane.dryRunAll(knownGoodArgoCd(), ARGOCD_NAMESPACE),
    ];
    expect(problems(verdicts)).toEqual([]);
    expect(verdicts.map((v) => v.object)).toEqual(expect.arrayContaining(['Deployment/orders', 'pod template of Deployment/orders', 'Application/orders-dev', 'ApplicationSet/orders', 'HTTPRoute/orders']));
  });

  test('a dry run stores nothing', async () => {
    const res = await plane.request('GET', `/apis/apps/v1/namespaces/${FIXTURE_NAMESPACE}/deployments/orders`);
    expect(res.status).toBe(404);
  });

  describe('known-bad fixtures are rejected', () => {
    test.each(knownBad().map((bad) => [bad.name, bad] as const))('%s', async (_name, bad) => {
      const verdict = bad.asPod ? await plane.dryRunPodOf(bad.object, bad.namespace) : await plane.dryRunApply(bad.object, bad.namespace);
      expect(verdict).toBeDefined();
      expect(problems([verdict]).length).toBeGreaterThan(0);
      expect(verdict!.message).toMatch(bad.rejectedWith);
      expect(verdict!.rejectedBy).toEqual(['apply', 'create']);
      if (bad.asPod) {
        // The workload itself is admitted, but with Pod Security's warning, which also fails.
        const workload = await plane.dryRunApply(bad.object, bad.namespace);
        expect(workload.message).toBeUndefined();
        expect(workload.warnings.join('\n')).toMatch(/would violate PodSecurity "restricted:latest"/);
        expect(problems([workload])).toEqual([expect.stringContaining(`${objectName(bad.object)}: warning:`)]);
      }
    });
  });

  describe('every generated object is accepted, under the restricted profile, without a warning', () => {
    test.each(GENERATED)('%s', async (_label, options, kinds = []) => {
      const repo = generatedRepo(options);
      const rendered = repo.files.filter((f) => f.file.startsWith('deploy/rendered/'));
      expect(rendered.length).toBe(repo.namespaces.length * repo.services);
      for (const ns of repo.namespaces) await plane.createRestrictedNamespace(ns);
      const found: string[] = [];
      for (const { file, objects } of repo.files) {
        for (const o of objects) {
          if (o.metadata?.namespace !== undefined && !repo.namespaces.includes(o.metadata.namespace) && !file.startsWith('deploy/argocd/')) {
            found.push(`${file}: ${objectName(o)} is in namespace ${o.metadata.namespace}, which is no environment's`);
          }
        }
        const namespace = file.startsWith('deploy/argocd/') ? ARGOCD_NAMESPACE : undefined;
        found.push(...problems(await plane.dryRunAll(objects, namespace ?? objects[0]?.metadata?.namespace)).map((p) => `${file}: ${p}`));
      }
      expect(found).toEqual([]);
      // Each rendered file holds a Deployment whose pods were admitted too.
      for (const { objects } of rendered) expect(objects.map((o) => o.kind)).toContain('Deployment');
      expect(repo.files.flatMap((f) => f.objects.map((o) => o.kind))).toEqual(expect.arrayContaining(kinds));
    });

    test('a generated Deployment stripped of its security contexts is rejected (the check above can fail)', async () => {
      const repo = generatedRepo({ runtime: Runtime.NODE });
      const objects = repo.files.find((f) => f.file === 'deploy/rendered/dev/orders.yaml')!.objects;
      for (const ns of repo.namespaces) await plane.createRestrictedNamespace(ns);
      const deployment = structuredClone(objects.find((o) => o.kind === 'Deployment'));
      delete deployment.spec.template.spec.securityContext;
      delete deployment.spec.template.spec.containers[0].securityContext;
      const found = problems(await plane.dryRunAll([deployment]));
      expect(found).toEqual([
        expect.stringMatching(/^Deployment\/orders: warning: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false/),
        expect.stringMatching(/^pod template of Deployment\/orders: rejected \(403\): apply: .*violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false/),
      ]);
    });
  });

  describe('kubectl, the client users run', () => {
    const apply = (args: string[], input?: string) => spawnSync(kubectl!.path!, ['--kubeconfig', plane.kubeconfig(), 'apply', '--server-side', '--dry-run=server',
      '--validate=strict', '--field-manager=projen-gitops-e2e', ...args], { encoding: 'utf-8', input });

    testWithKubectl('kubectl apply --server-side --dry-run=server --validate=strict takes every rendered file of the multi-service repository as written', async () => {
      const repo = generatedRepo(GENERATED[GENERATED.length - 1][1]);
      for (const ns of repo.namespaces) await plane.createRestrictedNamespace(ns);
      const dir = tempdir('gitops-kubectl-');
      try {
        const rendered = repo.files.filter((f) => f.file.startsWith('deploy/rendered/'));
        for (const { file, text } of rendered) {
          fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
          fs.writeFileSync(path.join(dir, file), text);
        }
        const result = apply(['--recursive', '-f', path.join(dir, 'deploy', 'rendered')]);
        expect(result.stderr).toBe('');
        expect(result.status).toBe(0);
        const applied = result.stdout.split('\n').filter((l) => / serverside-applied \(server dry run\)$/.test(l));
        expect(applied.length).toBe(rendered.reduce((n, f) => n + f.objects.length, 0));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    testWithKubectl('the bootstrap command of docs/promotion.md takes deploy/argocd/ as written (kubectl apply --server-side -n argocd -f deploy/argocd/)', () => {
      const repo = generatedRepo(GENERATED[GENERATED.length - 1][1]);
      const dir = tempdir('gitops-argocd-');
      try {
        const argocd = repo.files.filter((f) => f.file.startsWith('deploy/argocd/'));
        for (const { file, text } of argocd) {
          fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
          fs.writeFileSync(path.join(dir, file), text);
        }
        const result = apply(['-n', ARGOCD_NAMESPACE, '-f', path.join(dir, 'deploy', 'argocd') + '/']);
        expect(result.stderr).toBe('');
        expect(result.status).toBe(0);
        const applied = result.stdout.split('\n').filter((l) => / serverside-applied \(server dry run\)$/.test(l));
        // The AppProjects (the services', the admission policies'), one Application per service and
        // environment (3 services x 3 environments), and one per environment for its admission policy.
        expect(applied.length).toBe(2 + 9 + 3);
        // Files in name order: 00-project.yaml first, so the AppProject exists before any Application.
        expect(applied[0]).toBe('appproject.argoproj.io/orders serverside-applied (server dry run)');
        expect(applied).toEqual(expect.arrayContaining(['appproject.argoproj.io/orders serverside-applied (server dry run)', 'appproject.argoproj.io/orders-image-policies serverside-applied (server dry run)', 'application.argoproj.io/billing-prod serverside-applied (server dry run)']));
        expect(applied[1]).toBe('appproject.argoproj.io/orders-image-policies serverside-applied (server dry run)');
        // The folder's command leaves out the notifications (a folder of their own): they go in with
        // the command their file's header gives, under this repository's own field manager.
        const notifications = argocd.find((f) => f.file === NOTIFICATIONS_FILE)!;
        const command = /^# Generated by .*Apply: kubectl (apply --server-side --field-manager=(\S+) -n argocd -f \S+)$/m.exec(notifications.text);
        expect(command?.[2]).toBe('orders-github');
        const own = spawnSync(kubectl!.path!, ['--kubeconfig', plane.kubeconfig(), 'apply', '--server-side', '--dry-run=server', '--validate=strict', `--field-manager=${command![2]}`, '-n', ARGOCD_NAMESPACE, '-f', path.join(dir, NOTIFICATIONS_FILE)], { encoding: 'utf-8' });
        expect([own.stderr, own.stdout.trim()]).toEqual(['', 'configmap/argocd-notifications-cm serverside-applied (server dry run)']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    testWithKubectl('kubectl refuses the privileged pod with Pod Security\'s message', () => {
      const privileged = knownBad()[0];
      const result = apply(['-n', privileged.namespace, '-f', '-'], stringify(privileged.object));
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(/violates PodSecurity "restricted:latest": privileged/);
    });
  });
});
