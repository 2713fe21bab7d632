import { parseAllDocuments } from 'yaml';
import { ArgoCdSource, CASCADE_FINALIZER, Runtime } from '../../src';
import { schemaProblems } from '../helm/kubernetes-schemas';
import { gitopsProject, synth } from '../util';

const objects = (text: string): any[] => parseAllDocuments(text).map((d) => d.toJS()).filter(Boolean);

function repo(options: Parameters<typeof gitopsProject>[0] = {}) {
  const project = gitopsProject({ repository: 'acme/orders', runtime: Runtime.NODE, ...options });
  return synth(project);
}

describe('ArgoCd', () => {
  test('GIVEN a repository WHEN synthesized THEN deploy/argocd holds the AppProject and one Application per service and environment', () => {
    const out = repo({ services: [{ name: 'worker', runtime: Runtime.GO }] });
    expect(Object.keys(out).filter((f) => f.startsWith('deploy/argocd/')).sort()).toEqual(['deploy/argocd/dev.yaml', 'deploy/argocd/prod.yaml', 'deploy/argocd/project.yaml', 'deploy/argocd/staging.yaml']);
    expect(out['deploy/argocd/project.yaml']).toMatchSnapshot();
    expect(out['deploy/argocd/dev.yaml']).toMatchSnapshot();
    const dev = objects(out['deploy/argocd/dev.yaml']);
    expect(dev.map((a) => a.metadata.name)).toEqual(['orders-dev', 'worker-dev']);
    expect(dev[1].spec.source).toEqual({ repoURL: 'https://github.com/acme/orders.git', targetRevision: 'main', path: 'deploy/rendered/dev', directory: { include: 'worker.yaml' } });
    expect(dev[0].spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'orders-dev' });
    expect(dev[0].spec.syncPolicy.syncOptions).toContain('CreateNamespace=false');
    expect(dev[0].metadata.finalizers).toBeUndefined();
  });

  test('the AppProject limits the repository, the destinations and the kinds to what the charts render', () => {
    const [project] = objects(repo({ deployment: { host: 'orders.example.com' } })['deploy/argocd/project.yaml']);
    expect(project.spec.sourceRepos).toEqual(['https://github.com/acme/orders.git']);
    expect(project.spec.destinations.map((d: any) => d.namespace)).toEqual(['orders-dev', 'orders-staging', 'orders-prod']);
    expect(project.spec.clusterResourceWhitelist).toEqual([]);
    const kinds = project.spec.namespaceResourceWhitelist.map((k: any) => `${k.group}/${k.kind}`);
    expect(kinds).toEqual(['/Service', '/ServiceAccount', 'apps/Deployment', 'networking.k8s.io/Ingress', 'networking.k8s.io/NetworkPolicy', 'policy/PodDisruptionBudget']);
    // No HPA or HTTPRoute is rendered here, so none may be deployed.
    expect(kinds.join()).not.toMatch(/HorizontalPodAutoscaler|HTTPRoute/);
  });

  test('dev and staging sync automatically with prune and selfHeal, prod by hand; autoSync overrides per environment', () => {
    const sync = (out: Record<string, any>, env: string) => objects(out[`deploy/argocd/${env}.yaml`])[0].spec.syncPolicy.automated;
    const defaults = repo();
    expect(sync(defaults, 'dev')).toEqual({ prune: true, selfHeal: true });
    expect(sync(defaults, 'staging')).toEqual({ prune: true, selfHeal: true });
    expect(sync(defaults, 'prod')).toBeUndefined();
    const custom = repo({ environments: [{ name: 'dev' }, { name: 'staging', autoSync: false }, { name: 'prod', autoSync: true }] });
    expect(sync(custom, 'staging')).toBeUndefined();
    expect(sync(custom, 'prod')).toEqual({ prune: true, selfHeal: true });
  });

  test('the chart source reads the environment values and images files relative to the chart', () => {
    const [app] = objects(repo({ argocdOptions: { source: ArgoCdSource.CHART, cascadeDelete: true, namespace: 'gitops' } })['deploy/argocd/staging.yaml']);
    expect(app.metadata).toMatchObject({ namespace: 'gitops', finalizers: [CASCADE_FINALIZER] });
    expect(app.spec.source).toEqual({
      repoURL: 'https://github.com/acme/orders.git',
      targetRevision: 'main',
      path: 'deploy/charts/orders',
      helm: { releaseName: 'orders', valueFiles: ['../../environments/staging/values/orders.yaml', '../../environments/staging/images.yaml'] },
    });
  });

  test('argocd: false writes none; without repository none is written either', () => {
    expect(Object.keys(repo({ argocd: false })).filter((f) => f.startsWith('deploy/argocd/'))).toEqual([]);
    const out = synth(gitopsProject({ environments: [{ name: 'dev' }], imageName: 'acme/orders' }));
    expect(Object.keys(out).filter((f) => f.startsWith('deploy/argocd/'))).toEqual([]);
  });

  test('argocd: true without repository is reported with the fix', () => {
    expect(() => synth(gitopsProject({ argocd: true, environments: [{ name: 'dev' }], imageName: 'acme/orders' })))
      .toThrow(/repository: is needed by the Argo CD Applications \(their repoURL\), got none; set repository: 'my-org\/my-repo'/);
  });

  test('a bad Argo CD namespace is reported with the option path and a fix', () => {
    expect(() => repo({ argocdOptions: { namespace: 'Argo CD' } })).toThrow(/argocdOptions\.namespace: must be a DNS label .*got 'Argo CD'; try 'argo-cd'/);
  });

  describe("Argo CD's CRD schemas (@kubernetes-models/argo-cd 2.7.2, closed to unknown fields)", () => {
    const all = (out: Record<string, any>) => Object.keys(out).filter((f) => f.startsWith('deploy/argocd/')).flatMap((f) => objects(out[f]));

    test.each([
      ['rendered source, defaults', {}],
      ['chart source, cascading delete, several services with Ingress, HTTPRoute and HPA', {
        argocdOptions: { source: ArgoCdSource.CHART, cascadeDelete: true },
        deployment: { host: 'orders.example.com', maxReplicas: 3 },
        services: [{ name: 'billing', runtime: Runtime.PYTHON, deployment: { host: 'b.example.com', gateway: 'gw/public' } }],
      }],
    ])('%s: every object validates', (_label, options) => {
      const found = all(repo(options as any));
      expect(found.map((o) => o.kind)).toEqual(expect.arrayContaining(['AppProject', 'Application']));
      expect(found.flatMap(schemaProblems)).toEqual([]);
    });

    test('known-bad: a misspelt field and a wrong type are reported', () => {
      const [app] = objects(repo()['deploy/argocd/dev.yaml']);
      app.spec.destination.namepsace = 'orders-dev';
      app.spec.syncPolicy.automated.prune = 'yes';
      expect(schemaProblems(app)).toEqual(expect.arrayContaining([
        'Application/orders-dev: /spec/destination/namepsace is not a field of argoproj.io/v1alpha1/Application',
        expect.stringMatching(/^Application\/orders-dev: \/spec\/syncPolicy\/automated\/prune must be boolean/),
      ]));
    });
  });
});
