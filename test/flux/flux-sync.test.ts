import * as fs from 'fs';
import * as path from 'path';
import { Project, Testing } from 'projen';
import { parseAllDocuments } from 'yaml';
import { DeployEngine, Environments, FluxSync, GitOpsProjectOptions, ImagePolicies, Repository, RepositoryVisibility, Runtime } from '../../src';
import { parseFacts } from '../../src/cli/promote';
import { fluxRepositoryUrl, kubeConfigSecretName } from '../../src/flux/flux-sync';
import { POLICIES_DIR, renderedDir } from '../../src/model/layout';
import { gitopsProject, synth, tempdir } from '../util';

process.env.PROJEN_DISABLE_POST = 'true';

const objects = (text: string): any[] => parseAllDocuments(text).map((d) => d.toJS()).filter(Boolean);
const one = (text: string): any => {
  const all = objects(text);
  expect(all.length).toBe(1);
  return all[0];
};

function repo(options: Partial<GitOpsProjectOptions> = {}) {
  return synth(gitopsProject({ repository: 'acme/orders', runtime: Runtime.NODE, deployEngine: DeployEngine.FLUX, ...options }));
}

const fluxFiles = (out: Record<string, any>) => Object.keys(out).filter((f) => f.startsWith('deploy/flux/')).sort();

describe('FluxSync', () => {
  test('GIVEN deployEngine FLUX WHEN synthesized THEN deploy/flux holds the GitRepository and a Kustomization per environment and policy, and nothing is written under deploy/argocd/', () => {
    const out = repo();
    expect(fluxFiles(out)).toEqual([
      'deploy/flux/00-git-repository.yaml',
      'deploy/flux/dev-policies.yaml', 'deploy/flux/dev.yaml',
      'deploy/flux/prod-policies.yaml', 'deploy/flux/prod.yaml',
      'deploy/flux/staging-policies.yaml', 'deploy/flux/staging.yaml',
    ]);
    expect(Object.keys(out).filter((f) => f.startsWith('deploy/argocd/') || f.includes('argocd'))).toEqual([]);
    expect(out['deploy/flux/00-git-repository.yaml']).toMatchSnapshot();
    expect(out['deploy/flux/dev.yaml']).toMatchSnapshot();
    expect(out['deploy/flux/prod.yaml']).toMatchSnapshot();
    // The rendered manifests and the policies are the engine's input, written as before.
    expect(Object.keys(out)).toEqual(expect.arrayContaining(['deploy/rendered/dev/orders.yaml', 'deploy/policies/dev/cluster-image-policy.yaml']));
  });

  test('the GitRepository follows the model: the repository URL, the default branch, credentials for a private repository', () => {
    const source = one(repo({ defaultBranch: 'trunk' })['deploy/flux/00-git-repository.yaml']);
    expect(source).toMatchObject({ apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', metadata: { name: 'orders', namespace: 'flux-system', labels: { 'app.kubernetes.io/part-of': 'orders' } } });
    expect(source.spec).toEqual({
      url: 'https://github.com/acme/orders.git',
      ref: { branch: 'trunk' },
      interval: '1m',
      secretRef: { name: 'orders-git-auth' },
      ignore: '/*\n!/deploy/\n',
    });
    // A public repository needs no credentials; a Secret named in the options is used as written.
    expect(one(repo({ visibility: RepositoryVisibility.PUBLIC })['deploy/flux/00-git-repository.yaml']).spec.secretRef).toBeUndefined();
    expect(one(repo({ visibility: RepositoryVisibility.PUBLIC, fluxOptions: { secretName: 'github-app' } })['deploy/flux/00-git-repository.yaml']).spec.secretRef).toEqual({ name: 'github-app' });
  });

  test.each([
    ['https://github.example.com/acme/orders.git', 'https://github.example.com/acme/orders.git'],
    ['ssh://git@git.example.com:2222/platform/acme/orders.git', 'ssh://git@git.example.com:2222/platform/acme/orders.git'],
    // source-controller takes http(s):// and ssh:// only (the CRD's pattern): the scp-like form is written as ssh://.
    ['git@github.com:acme/orders.git', 'ssh://git@github.com/acme/orders.git'],
  ])('repositoryUrl %s is cloned from %s', (url, expected) => {
    expect(one(repo({ repositoryUrl: url })['deploy/flux/00-git-repository.yaml']).spec.url).toBe(expected);
    expect(fluxRepositoryUrl(url)).toBe(expected);
  });

  test('each environment\'s Kustomization applies its rendered folder (the layout\'s path) into its namespace, after its admission policy', () => {
    const out = repo({ services: [{ name: 'worker', runtime: Runtime.GO }] });
    for (const env of ['dev', 'staging', 'prod']) {
      const services = one(out[`deploy/flux/${env}.yaml`]);
      expect(services.metadata).toEqual({ name: `orders-${env}`, namespace: 'flux-system', labels: { 'app.kubernetes.io/part-of': 'orders', 'projen-gitops.dev/environment': env } });
      expect(services.spec).toMatchObject({
        sourceRef: { kind: 'GitRepository', name: 'orders' },
        path: `./${renderedDir(env)}`,
        targetNamespace: `orders-${env}`,
        prune: true,
        wait: true,
        interval: '10m',
        retryInterval: '2m',
        dependsOn: [{ name: `orders-${env}-policies` }],
        deletionPolicy: 'Orphan',
      });
      expect(services.spec.kubeConfig).toBeUndefined();
      const policies = one(out[`deploy/flux/${env}-policies.yaml`]);
      expect(policies.metadata.name).toBe(`orders-${env}-policies`);
      expect(policies.spec).toMatchObject({ sourceRef: { kind: 'GitRepository', name: 'orders' }, path: `./${POLICIES_DIR}/${env}`, prune: true, wait: true });
      // Cluster-scoped policies: no namespace to force, nothing to wait for.
      expect(policies.spec.targetNamespace).toBeUndefined();
      expect(policies.spec.dependsOn).toBeUndefined();
      // One Kustomization applies every service of the environment (the folder holds one file per service).
      expect(out[`${renderedDir(env)}/worker.yaml`]).toBeDefined();
    }
  });

  test('the sync policy follows autoSync: an environment Argo CD syncs by hand is suspended, with the flux resume command in its header', () => {
    const out = repo();
    for (const env of ['dev', 'staging']) {
      expect(one(out[`deploy/flux/${env}.yaml`]).spec.suspend).toBeUndefined();
      expect(one(out[`deploy/flux/${env}-policies.yaml`]).spec.suspend).toBeUndefined();
    }
    expect(one(out['deploy/flux/prod.yaml']).spec.suspend).toBe(true);
    expect(one(out['deploy/flux/prod-policies.yaml']).spec.suspend).toBe(true);
    expect(out['deploy/flux/prod.yaml']).toContain('#   flux resume kustomization orders-prod-policies orders-prod -n flux-system --wait\n');
    expect(out['deploy/flux/dev.yaml']).not.toContain('flux resume');
    // Written either way in .projenrc.ts.
    const flipped = repo({ environments: [{ name: 'dev', autoSync: false }, { name: 'prod', autoSync: true }] });
    expect(one(flipped['deploy/flux/dev.yaml']).spec.suspend).toBe(true);
    expect(one(flipped['deploy/flux/prod.yaml']).spec.suspend).toBeUndefined();
  });

  test('without admission policies there is no policy Kustomization and nothing to depend on', () => {
    const out = repo({ admissionPolicies: false });
    expect(fluxFiles(out)).toEqual(['deploy/flux/00-git-repository.yaml', 'deploy/flux/dev.yaml', 'deploy/flux/prod.yaml', 'deploy/flux/staging.yaml']);
    expect(one(out['deploy/flux/dev.yaml']).spec.dependsOn).toBeUndefined();
  });

  test('fluxOptions: namespace, intervals, cascading delete', () => {
    const out = repo({ fluxOptions: { namespace: 'gitops', interval: '30s', reconcileInterval: '1h30m', cascadeDelete: true } });
    const source = one(out['deploy/flux/00-git-repository.yaml']);
    expect(source.metadata.namespace).toBe('gitops');
    expect(source.spec.interval).toBe('30s');
    const dev = one(out['deploy/flux/dev.yaml']);
    expect(dev.metadata.namespace).toBe('gitops');
    expect(dev.spec.interval).toBe('1h30m');
    // Flux's own default then: deleting the Kustomization deletes what it applied.
    expect(dev.spec.deletionPolicy).toBeUndefined();
    expect(out['deploy/flux/prod.yaml']).toContain('flux resume kustomization orders-prod-policies orders-prod -n gitops --wait');
  });

  test('an environment on another cluster is applied there through its kubeconfig Secret, one per cluster', () => {
    const out = repo({ environments: [{ name: 'dev' }, { name: 'prod', cluster: 'https://prod.k8s.example.com:6443' }] });
    expect(one(out['deploy/flux/dev.yaml']).spec.kubeConfig).toBeUndefined();
    const expected = { secretRef: { name: 'kubeconfig-prod-k8s-example-com-6443' } };
    expect(one(out['deploy/flux/prod.yaml']).spec.kubeConfig).toEqual(expected);
    expect(one(out['deploy/flux/prod-policies.yaml']).spec.kubeConfig).toEqual(expected);
    expect(kubeConfigSecretName('https://prod.k8s.example.com:6443/')).toBe('kubeconfig-prod-k8s-example-com-6443');
  });

  test('every object carries the project\'s name: two repositories share flux-system without a collision', () => {
    const names = (out: Record<string, any>) => fluxFiles(out).map((f) => one(out[f]).metadata.name);
    const orders = names(repo());
    const billing = names(repo({ name: 'billing', repository: 'acme/billing' }));
    expect(orders).toContain('orders-dev');
    expect(billing).toContain('billing-dev');
    expect(orders.filter((n) => billing.includes(n))).toEqual([]);
  });

  test('a name YAML 1.1 would read as something else is quoted (kubectl reads YAML 1.1)', () => {
    const out = repo({ fluxOptions: { secretName: 'on' } });
    expect(out['deploy/flux/00-git-repository.yaml']).toMatch(/^ {4}name: "on"$/m);
    expect(one(out['deploy/flux/00-git-repository.yaml']).spec.secretRef.name).toBe('on');
  });

  test('escape hatch: each file is a projen ObjectFile, patched from .projenrc.ts', () => {
    const project = gitopsProject({ repository: 'acme/orders', deployEngine: DeployEngine.FLUX });
    project.tryFindObjectFile('deploy/flux/dev.yaml')!.addOverride('spec.timeout', '5m');
    const dev = one(synth(project)['deploy/flux/dev.yaml']);
    expect(dev.spec.timeout).toBe('5m');
    expect(dev.spec.path).toBe('./deploy/rendered/dev');
  });

  test('the approvers of an environment own its Flux files, as they own its Argo CD file', () => {
    const out = repo({ codeOwners: ['@acme/platform'], environments: [{ name: 'dev' }, { name: 'prod', approvers: ['@acme/release'] }] });
    const owners = out['.github/CODEOWNERS'] as string;
    expect(owners).toMatch(/^\/deploy\/flux\/prod\.yaml @acme\/release$/m);
    expect(owners).toMatch(/^\/deploy\/flux\/prod-policies\.yaml @acme\/release$/m);
    expect(owners).not.toContain('/deploy/argocd/');
  });

  test('the README lists deploy/flux/ as managed', () => {
    expect(repo()['README.md']).toMatch(/\| `deploy\/flux\/` \| managed \|/);
  });

  test('a company template chooses Flux for every repository made from it (templateDefaults.options), and a repository may still choose Argo CD', () => {
    const templateDefaults = { template: '@acme/gitops-template', options: { deployEngine: 'flux' } };
    const fromTemplate = synth(gitopsProject({ repository: 'acme/orders', templateDefaults }));
    expect(fluxFiles(fromTemplate)).toContain('deploy/flux/dev.yaml');
    expect(Object.keys(fromTemplate).filter((f) => f.startsWith('deploy/argocd/'))).toEqual([]);
    const own = synth(gitopsProject({ repository: 'acme/orders', templateDefaults, deployEngine: DeployEngine.ARGO_CD }));
    expect(fluxFiles(own)).toEqual([]);
    expect(own['deploy/argocd/dev.yaml']).toBeDefined();
  });

  test('deployEngine ARGO_CD written out is the default: every file the same', () => {
    expect(synth(gitopsProject({ repository: 'acme/orders', deployEngine: DeployEngine.ARGO_CD }))).toEqual(synth(gitopsProject({ repository: 'acme/orders' })));
  });
});

describe('FluxSync in a plain projen project', () => {
  type Add = (p: Project) => void;
  const parts: Record<string, Add> = {
    repository: (p) => new Repository(p, { repository: 'acme/orders', defaultBranch: 'trunk' }),
    environments: (p) => new Environments(p, { environments: [{ name: 'dev' }, { name: 'prod' }] }),
    flux: (p) => new FluxSync(p, { namespace: 'gitops' }),
  };
  const build = (order: string[]) => {
    const project = new Project({ name: 'orders', outdir: tempdir() });
    for (const name of order) parts[name](project);
    const out = Testing.synth(project);
    return Object.fromEntries(Object.keys(out).filter((f) => f.startsWith('deploy/flux/')).map((f) => [f, out[f]]));
  };

  test('the order the model and FluxSync are added in changes no file (facts read late, files made before synth)', () => {
    const reference = build(['repository', 'environments', 'flux']);
    expect(Object.keys(reference).sort()).toEqual(['deploy/flux/00-git-repository.yaml', 'deploy/flux/dev.yaml', 'deploy/flux/prod.yaml']);
    expect(one(reference['deploy/flux/00-git-repository.yaml']).spec.ref).toEqual({ branch: 'trunk' });
    for (const order of [['flux', 'environments', 'repository'], ['environments', 'flux', 'repository'], ['flux', 'repository', 'environments']]) {
      expect({ order, files: build(order) }).toEqual({ order, files: reference });
    }
  });

  test('admission policies added after FluxSync still get their Kustomizations', () => {
    const project = new Project({ name: 'orders', outdir: tempdir() });
    parts.repository(project);
    parts.environments(project);
    parts.flux(project);
    new ImagePolicies(project);
    const out = Testing.synth(project);
    expect(Object.keys(out).filter((f) => f.startsWith('deploy/flux/')).sort()).toEqual(['deploy/flux/00-git-repository.yaml', 'deploy/flux/dev-policies.yaml', 'deploy/flux/dev.yaml', 'deploy/flux/prod-policies.yaml', 'deploy/flux/prod.yaml']);
    expect(one(out['deploy/flux/prod.yaml']).spec.dependsOn).toEqual([{ name: 'orders-prod-policies' }]);
  });
});

describe('the engine is a model fact: what other renderers and the promote command say follows it', () => {
  test('branch protection notes and promotion.json name Flux; with Argo CD they are as before', () => {
    const flux = repo();
    expect(flux['docs/BRANCH_PROTECTION.md']).toContain('by Flux on merge');
    expect(flux['docs/BRANCH_PROTECTION.md']).toContain('by a person (`flux resume`) after the merge');
    expect(flux['docs/BRANCH_PROTECTION.md']).not.toContain('Argo CD');
    expect(flux['deploy/promotion.json'].deployEngine ?? JSON.parse(flux['deploy/promotion.json']).deployEngine).toBe('flux');
    const argo = synth(gitopsProject({ repository: 'acme/orders', runtime: Runtime.NODE }));
    expect(argo['docs/BRANCH_PROTECTION.md']).toContain('by Argo CD on merge');
    const facts = typeof argo['deploy/promotion.json'] === 'string' ? JSON.parse(argo['deploy/promotion.json']) : argo['deploy/promotion.json'];
    expect(facts).not.toHaveProperty('deployEngine');
  });

  test('promote reads the engine from promotion.json, and refuses one it does not know (known-bad)', () => {
    const text = (engine?: string) => JSON.stringify({
      repository: 'acme/orders',
      defaultBranch: 'main',
      environments: ['dev'],
      services: [{ name: 'orders', image: 'ghcr.io/acme/orders', path: '.' }],
      certificateIdentity: 'x',
      certificateOidcIssuer: 'y',
      ...(engine ? { deployEngine: engine } : {}),
    });
    expect(parseFacts(text('flux')).deployEngine).toBe(DeployEngine.FLUX);
    expect(parseFacts(text()).deployEngine).toBeUndefined();
    expect(() => parseFacts(text('spinnaker'))).toThrow('is not what synth writes');
  });
});

describe('option errors (each names the option, the value as written and a fix; no file is written)', () => {
  test.each<[string, Partial<GitOpsProjectOptions>, RegExp]>([
    ['a namespace that is no DNS label', { fluxOptions: { namespace: 'Flux System' } }, /fluxOptions\.namespace: must be a DNS label .*got 'Flux System'; try 'flux-system'/],
    ['an interval in words', { fluxOptions: { interval: '5 minutes' } }, /fluxOptions\.interval: must be a Go duration of h, m, s and ms that is not zero .*got '5 minutes'; try '5m'/],
    ['a zero interval', { fluxOptions: { reconcileInterval: '0s' } }, /fluxOptions\.reconcileInterval: must be a Go duration .*got '0s'; try '10m'/],
    ['a Secret name Kubernetes refuses', { fluxOptions: { secretName: 'Deploy Key' } }, /fluxOptions\.secretName: must be a DNS subdomain .*got 'Deploy Key'; try 'deploy-key'/],
    ['a git:// URL (source-controller clones none)', { repositoryUrl: 'git://127.0.0.1:9418/orders.git' }, /repositoryUrl: must be an https:\/\/ or ssh:\/\/ URL for Flux \(source-controller clones no other scheme\), got 'git:\/\/127\.0\.0\.1:9418\/orders\.git'; try 'https:\/\/127\.0\.0\.1\/orders\.git'/],
    ['a project name that is no object name', { name: 'orders_api' }, /name: names the Flux GitRepository and Kustomizations, so must be a DNS subdomain .*got 'orders_api'; try 'orders-api'/],
    ['an environment name that makes a Kustomization name over 63 characters', { name: 'a'.repeat(40), environments: [{ name: 'dev' }, { name: 'production-eu-west-one' }] }, /environments\[1\]\.name: makes the Flux Kustomization 'a{40}-production-eu-west-one-policies' longer than 63 characters \(kustomize-controller writes its name as a label value on every object it applies\); try 'production-eu'$/m],
    ['two environments whose Kustomizations share a name', { environments: [{ name: 'dev' }, { name: 'dev-policies' }] }, /environments\[1\]\.name: makes the Flux Kustomization 'orders-dev-policies', the name environment 'dev' already has .*; try 'dev-policies-env'/],
    ["an environment in Flux's own namespace", { environments: [{ name: 'dev', namespace: 'flux-system' }] }, /environments\[0\]\.namespace: must not be Flux's own namespace, got 'flux-system'; .*try 'orders-apps-dev'/],
    ['argocd set', { argocd: true }, /argocd: has no effect with deployEngine: DeployEngine\.FLUX .*got true; remove argocd, or set deployEngine: DeployEngine\.ARGO_CD/],
    ['argocdOptions set', { argocdOptions: { namespace: 'argo' } }, /argocdOptions: has no effect: no Argo CD objects are written \(deployEngine is DeployEngine\.FLUX\), got \{ namespace: 'argo' \}; set deployEngine: DeployEngine\.ARGO_CD, or remove argocdOptions/],
  ])('%s', (_label, options, message) => {
    const project = gitopsProject({ repository: 'acme/orders', deployEngine: DeployEngine.FLUX, ...options });
    expect(() => synth(project)).toThrow(message);
    expect(fs.existsSync(path.join(project.outdir, 'deploy'))).toBe(false);
  });

  test.each<[string, Partial<GitOpsProjectOptions>, RegExp]>([
    ['soak', { environments: [{ name: 'dev' }, { name: 'prod', gates: { soak: '24h', approvals: 1 } }] },
      /environments\[1\]\.gates\.soak: counts how long the digests ran healthy in the previous environment from its deployment records, which Argo CD notifications write and Flux does not \(deployEngine: DeployEngine\.FLUX\).*got '24h'; remove soak \(windows and approvals work with Flux\), or set deployEngine: DeployEngine\.ARGO_CD/],
    ['requireHealthy', { environments: [{ name: 'dev' }, { name: 'prod', gates: { requireHealthy: true } }] },
      /environments\[1\]\.gates\.requireHealthy: waits for the previous environment's deployment record to say 'success', which Argo CD notifications write and Flux does not .*so the gate would never pass, got true; remove requireHealthy/],
  ])('the Argo CD-only gate %s is refused with Flux', (_gate, options, message) => {
    expect(() => repo(options)).toThrow(message);
    // The same gates stand with Argo CD, and the other gates with Flux.
    expect(() => synth(gitopsProject({ repository: 'acme/orders', ...options }))).not.toThrow();
    expect(() => repo({ environments: [{ name: 'dev' }, { name: 'prod', gates: { approvals: 1, windows: { deny: [{ start: '0 0 24 12 *', duration: '2d' }] } } }] })).not.toThrow();
  });

  test('fluxOptions without deployEngine FLUX has no effect and says so', () => {
    expect(() => synth(gitopsProject({ repository: 'acme/orders', fluxOptions: { namespace: 'gitops' } })))
      .toThrow(/fluxOptions: has no effect: no Flux objects are written \(deployEngine is not DeployEngine\.FLUX\), got \{ namespace: 'gitops' \}; set deployEngine: DeployEngine\.FLUX, or remove fluxOptions/);
  });

  test('a deployEngine no member has is refused by the option check, with the members', () => {
    expect(() => repo({ deployEngine: 'fluxcd' as DeployEngine })).toThrow(/deployEngine: must be one of DeployEngine\.ARGO_CD, DeployEngine\.FLUX \('argocd', 'flux'\), got 'fluxcd'; try DeployEngine\.FLUX/);
  });

  test('autoSync takes effect with Flux, and deployEngine alone asks for nothing (a template may set it)', () => {
    expect(() => repo({ environments: [{ name: 'dev', autoSync: false }] })).not.toThrow();
    expect(() => synth(gitopsProject({ deployEngine: DeployEngine.FLUX }))).not.toThrow();
    expect(fluxFiles(synth(gitopsProject({ deployEngine: DeployEngine.FLUX })))).toEqual([]);
  });
});
