import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { ArgoCd, ArgoCdSource, CASCADE_FINALIZER, Runtime } from '../../src';
import { checkGithubUrl, checkRepositoryUrl, githubApiUrlOf } from '../../src/model/repository';
import { schemaProblems } from '../helm/kubernetes-schemas';
import { hostile } from '../hostile';
import { gitopsProject, synth } from '../util';

const objects = (text: string): any[] => parseAllDocuments(text).map((d) => d.toJS()).filter(Boolean);

function repo(options: Parameters<typeof gitopsProject>[0] = {}) {
  const project = gitopsProject({ repository: 'acme/orders', runtime: Runtime.NODE, ...options });
  return synth(project);
}

describe('ArgoCd', () => {
  test('GIVEN a repository WHEN synthesized THEN deploy/argocd holds the AppProject and one Application per service and environment', () => {
    const out = repo({ services: [{ name: 'worker', runtime: Runtime.GO }] });
    expect(Object.keys(out).filter((f) => f.startsWith('deploy/argocd/')).sort()).toEqual(['deploy/argocd/00-project.yaml', 'deploy/argocd/dev.yaml', 'deploy/argocd/notifications/argocd-notifications-cm.yaml', 'deploy/argocd/prod.yaml', 'deploy/argocd/staging.yaml']);
    expect(out['deploy/argocd/00-project.yaml']).toMatchSnapshot();
    expect(out['deploy/argocd/dev.yaml']).toMatchSnapshot();
    const dev = objects(out['deploy/argocd/dev.yaml']);
    // One per service, and the environment's admission policy (test/argocd/image-policy.test.ts).
    expect(dev.map((a) => a.metadata.name)).toEqual(['orders-dev', 'worker-dev', 'orders-image-policy-dev']);
    expect(dev[1].spec.source).toEqual({ repoURL: 'https://github.com/acme/orders.git', targetRevision: 'main', path: 'deploy/rendered/dev', directory: { include: 'worker.yaml' } });
    expect(dev[0].spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'orders-dev' });
    expect(dev[0].spec.syncPolicy.syncOptions).toContain('CreateNamespace=false');
    expect(dev[0].metadata.finalizers).toBeUndefined();
  });

  test('the AppProject limits the repository, the destinations and the kinds to what the charts render', () => {
    const [project] = objects(repo({ deployment: { host: 'orders.example.com' } })['deploy/argocd/00-project.yaml']);
    expect(project.spec.sourceRepos).toEqual(['https://github.com/acme/orders.git']);
    expect(project.spec.destinations.map((d: any) => d.namespace)).toEqual(['orders-dev', 'orders-staging', 'orders-prod']);
    // Nothing cluster-scoped: the admission policies are another AppProject's (test/argocd/image-policy.test.ts).
    expect(project.spec.clusterResourceWhitelist).toEqual([]);
    const kinds = project.spec.namespaceResourceWhitelist.map((k: any) => `${k.group}/${k.kind}`);
    expect(kinds).toEqual(['/Service', '/ServiceAccount', 'apps/Deployment', 'networking.k8s.io/Ingress', 'networking.k8s.io/NetworkPolicy', 'policy/PodDisruptionBudget']);
    // No HPA or HTTPRoute is rendered here, so none may be deployed.
    expect(kinds.join()).not.toMatch(/HorizontalPodAutoscaler|HTTPRoute/);
  });

  test('`kubectl apply -f deploy/argocd/` (files in name order) applies the AppProject before any Application, whatever the environments are called', () => {
    // kubectl walks a folder in lexical order (Go's filepath.Walk); environment names are DNS
    // labels starting with a letter, so the digit-led AppProject file comes first.
    const out = repo({ environments: [{ name: 'a' }, { name: 'aa-0' }, { name: 'z9' }] });
    // What `kubectl apply -f deploy/argocd/` reads: the folder's own files (not recursive; the notifications have a folder of their own).
    const files = Object.keys(out).filter((f) => /^deploy\/argocd\/[^/]+$/.test(f)).sort((x, y) => (Buffer.compare(Buffer.from(x), Buffer.from(y))));
    expect(files).toEqual(['deploy/argocd/00-project.yaml', 'deploy/argocd/a.yaml', 'deploy/argocd/aa-0.yaml', 'deploy/argocd/z9.yaml']);
    // The AppProjects (the services', the admission policies'), then only Applications (one per
    // service, and one per environment for its admission policy).
    const kinds = files.flatMap((f) => objects(out[f]).map((o) => o.kind));
    expect(kinds.slice(0, 2)).toEqual(['AppProject', 'AppProject']);
    expect(kinds.slice(2).length).toBeGreaterThanOrEqual(3);
    expect(new Set(kinds.slice(2))).toEqual(new Set(['Application']));
    // The grammar this relies on: an environment name starting with a digit is refused.
    expect(() => repo({ environments: [{ name: '0dev' }] })).toThrow(/environments\[0\]\.name: must be a DNS label \(lowercase letters, digits and '-', starting with a letter/);
  });

  test('repositoryUrl: GitHub Enterprise Server, SSH (scp-like and ssh://), git:// and a mirror go into every Application and the AppProject', () => {
    for (const url of [
      'https://github.example.com/acme/orders.git',
      'git@github.com:acme/orders.git',
      'ssh://git@git.example.com:2222/platform/acme/orders.git',
      'git://127.0.0.1:9418/orders.git',
      'https://mirror.example.com/git/acme-orders',
    ]) {
      const out = repo({ repositoryUrl: url });
      const [project] = objects(out['deploy/argocd/00-project.yaml']);
      expect(project.spec.sourceRepos).toEqual([url]);
      const apps = ['dev', 'staging', 'prod'].flatMap((env) => objects(out[`deploy/argocd/${env}.yaml`]));
      expect(apps.map((a) => a.spec.source.repoURL)).toEqual(apps.map(() => url));
    }
  });

  test.each([
    ['credentials in the URL', 'https://bot:ghp_secret@github.com/acme/orders.git', 'https://github.com/acme/orders.git'],
    ['plain http', 'http://git.example.com/acme/orders.git', 'https://git.example.com/acme/orders.git'],
    ['no scheme', 'github.example.com/acme/orders.git', 'https://github.example.com/acme/orders.git'],
    ['a query', 'https://github.com/acme/orders.git?ref=main', 'https://github.com/acme/orders.git'],
    ['a space', 'https://github.com/acme/my orders.git', 'https://github.com/acme/orders.git'],
    ['a dot-dot segment', 'ssh://git@host/acme/../orders.git', 'https://github.com/acme/orders.git'],
    ['an expression', '${{ github.server_url }}/acme/orders.git', 'https://github.com/acme/orders.git'],
    ['a port out of range', 'git://127.0.0.1:99999/orders.git', 'https://github.com/acme/orders.git'],
    ['a file path', '/srv/git/orders.git', 'https://github.com/acme/orders.git'],
  ])('repositoryUrl with %s is refused with the option path, the value and a valid fix', (_label, url, fix) => {
    const message = checkRepositoryUrl(url, 'acme/orders');
    expect(message).toContain(`got ${JSON.stringify(url)}; try '${fix}'`);
    expect(checkRepositoryUrl(fix, 'acme/orders')).toBeUndefined();
    expect(() => repo({ repositoryUrl: url })).toThrow(`repositoryUrl: ${message}`);
  });

  test('repositoryUrl grammar, fuzzed near valid URLs: what it accepts the WHATWG URL parser reads without credentials, query or fragment (scp-like: git\'s user@host:path); every fix is accepted', () => {
    let accepted = 0;
    fc.assert(fc.property(fc.oneof(
      hostile('https://github.example.com/acme/orders.git'),
      hostile('git@github.com:acme/orders.git'),
      hostile('ssh://git@host:2222/acme/orders.git'),
      hostile('git://127.0.0.1:9418/orders.git'),
    ), (url) => {
      const message = checkRepositoryUrl(url, 'acme/orders');
      if (message !== undefined) {
        const fix = /; try '([^']*)'$/.exec(message)?.[1];
        expect({ url, fixAccepted: fix !== undefined && checkRepositoryUrl(fix, 'acme/orders') === undefined }).toEqual({ url, fixAccepted: true });
        return;
      }
      accepted++;
      expect(url).not.toMatch(/\s|\$\{\{|[?#'"`\\]|\/\.\.?(\/|$)|:\.\.?(\/|$)/);
      if (/^[a-z]+:\/\//.test(url)) {
        const parsed = new URL(url);
        expect({ url, protocol: parsed.protocol, password: parsed.password, search: parsed.search, hash: parsed.hash, https: parsed.protocol !== 'https:' || parsed.username === '' })
          .toEqual({ url, protocol: expect.stringMatching(/^(https|ssh|git):$/), password: '', search: '', hash: '', https: true });
        expect(parsed.hostname).not.toBe('');
      } else {
        // git's scp-like syntax: user@host:path, no slash before the colon.
        expect(url).toMatch(/^[^/:@]+@[^/:]+:[^:]+$/);
      }
    }), { numRuns: Number(process.env.FC_NUM_RUNS ?? 300) });
    expect(accepted).toBeGreaterThan(0);
  });

  test('without repositoryUrl the repoURL is the GitHub one of repository', () => {
    const [project] = objects(repo()['deploy/argocd/00-project.yaml']);
    expect(project.spec.sourceRepos).toEqual(['https://github.com/acme/orders.git']);
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

  test('deploymentRecords: every service Application subscribes to the GitHub deployment records; off, neither the ConfigMap nor an annotation is written', () => {
    const on = repo();
    const [app] = objects(on['deploy/argocd/prod.yaml']);
    expect(app.metadata.annotations).toEqual({
      'notifications.argoproj.io/subscribe.orders-on-deployed.orders-github': '',
      'notifications.argoproj.io/subscribe.orders-on-health-degraded.orders-github': '',
      'notifications.argoproj.io/subscribe.orders-on-sync-failed.orders-github': '',
      'notifications.argoproj.io/subscribe.orders-on-sync-running.orders-github': '',
    });
    const [cm] = objects(on['deploy/argocd/notifications/argocd-notifications-cm.yaml']);
    expect(cm).toMatchObject({ kind: 'ConfigMap', metadata: { name: 'argocd-notifications-cm', namespace: 'argocd' } });
    // No secret value anywhere: only references to the user's Secret keys.
    expect(cm.data['service.github.orders-github']).toBe('appID: $orders-github-app-id\ninstallationID: $orders-github-installation-id\nprivateKey: $orders-github-private-key\n');
    expect(on['deploy/argocd/notifications/argocd-notifications-cm.yaml']).toMatchSnapshot();
    const off = repo({ argocdOptions: { deploymentRecords: false } });
    expect(Object.keys(off).filter((f) => f.includes('notifications'))).toEqual([]);
    expect(objects(off['deploy/argocd/prod.yaml'])[0].metadata.annotations).toBeUndefined();
  });

  test.each([
    ['GitHub Enterprise Server', 'https://github.acme.com', 'https://github.acme.com/api/v3'],
    ['GitHub Enterprise Server on a port, written with a trailing /', 'https://git.acme.internal:8443/', 'https://git.acme.internal:8443/api/v3'],
    ['GitHub Enterprise Cloud with data residency', 'https://acme.ghe.com', 'https://api.acme.ghe.com'],
    ['a test server on loopback', 'http://127.0.0.1:9080', 'http://127.0.0.1:9080/api/v3'],
  ])('githubUrl, %s: the deployment records go to its REST API (enterpriseBaseURL), Argo CD clones from it, protect calls it', (_label, githubUrl, api) => {
    // A GitHub Enterprise Server signs with a KMS key, the only mode that works there (test/github/signing-servers.test.ts).
    // A server on loopback has no Container registry (test/model/registry-servers.test.ts): a registry of its own.
    const signing = { ...(api.endsWith('/api/v3') ? { signing: { key: 'hashivault://images' } } : {}), ...(githubUrl.startsWith('http://') ? { registry: 'registry.example.com' } : {}) };
    const out = repo({ githubUrl, ...signing });
    const [cm] = objects(out['deploy/argocd/notifications/argocd-notifications-cm.yaml']);
    expect(cm.data['service.github.orders-github']).toBe(`appID: $orders-github-app-id\ninstallationID: $orders-github-installation-id\nprivateKey: $orders-github-private-key\nenterpriseBaseURL: ${api}\n`);
    expect(githubApiUrlOf(githubUrl)).toBe(api);
    const [project] = objects(out['deploy/argocd/00-project.yaml']);
    expect(project.spec.sourceRepos).toEqual([`${githubUrl.replace(/\/$/, '')}/acme/orders.git`]);
    expect(out['.projen/tasks.json'].tasks.protect.steps[0].exec).toBe(`projen-gitops protect --dir .github/rulesets --api-url ${api} --repo acme/orders`);
    // repositoryUrl, when set, wins for the clone; the API stays the server's.
    const mirror = repo({ githubUrl, repositoryUrl: 'git@git.acme.com:acme/orders.git', ...signing });
    expect(objects(mirror['deploy/argocd/00-project.yaml'])[0].spec.sourceRepos).toEqual(['git@git.acme.com:acme/orders.git']);
    expect(objects(mirror['deploy/argocd/notifications/argocd-notifications-cm.yaml'])[0].data['service.github.orders-github']).toContain(`enterpriseBaseURL: ${api}\n`);
  });

  test('githubUrl github.com (the default, or written out) sets no enterpriseBaseURL: the generated files are the same', () => {
    const plain = repo();
    expect(repo({ githubUrl: 'https://github.com' })).toEqual(plain);
    expect(plain['.projen/tasks.json'].tasks.protect.steps[0].exec).toBe('projen-gitops protect --dir .github/rulesets --repo acme/orders');
    expect(githubApiUrlOf('https://github.com')).toBe('https://api.github.com');
  });

  test.each([
    ['the API root instead of the server', 'https://github.acme.com/api/v3', 'https://github.acme.com'],
    ["github.com's API", 'https://api.github.com', 'https://github.com'],
    ["a data-residency server's API", 'https://api.acme.ghe.com', 'https://acme.ghe.com'],
    ['a repository URL', 'https://github.acme.com/acme/orders.git', 'https://github.acme.com'],
    ['plain http off loopback', 'http://github.acme.com', 'https://github.acme.com'],
    ['credentials', 'https://bot:ghp_secret@github.acme.com', 'https://github.acme.com'],
    ['no scheme', 'github.acme.com', 'https://github.acme.com'],
    ['a query', 'https://github.acme.com?x=1', 'https://github.acme.com'],
    ['a port out of range', 'https://github.acme.com:99999', 'https://github.example.com'],
    ['an expression', '${{ github.server_url }}', 'https://github.example.com'],
  ])('githubUrl with %s is refused with the option path, the value and a valid fix', (_label, url, fix) => {
    const message = checkGithubUrl(url);
    expect(message).toContain(`got ${JSON.stringify(url)}; try '${fix}'`);
    expect(checkGithubUrl(fix)).toBeUndefined();
    expect(() => repo({ githubUrl: url })).toThrow(`githubUrl: ${message}`);
  });

  test('githubUrl grammar, fuzzed near valid URLs: what it accepts the WHATWG URL parser reads as a server root (https, or http on loopback) without credentials, path, query or fragment; every fix is accepted', () => {
    let accepted = 0;
    fc.assert(fc.property(fc.oneof(hostile('https://github.acme.com'), hostile('https://git.acme.internal:8443/'), hostile('http://127.0.0.1:9080')), (url) => {
      const message = checkGithubUrl(url);
      if (message !== undefined) {
        const fix = /; try '([^']*)'$/.exec(message)?.[1];
        expect({ url, fixAccepted: fix !== undefined && checkGithubUrl(fix) === undefined }).toEqual({ url, fixAccepted: true });
        return;
      }
      accepted++;
      const parsed = new URL(url);
      const { protocol, username, password, pathname, search, hash } = parsed;
      expect({ url, protocol, username, password, pathname, search, hash })
        .toEqual({ url, protocol: parsed.hostname === '127.0.0.1' || parsed.hostname === 'localhost' ? expect.stringMatching(/^https?:$/) : 'https:', username: '', password: '', pathname: '/', search: '', hash: '' });
      // The API root the deployment records use is a URL of the same server.
      expect(new URL(githubApiUrlOf(url)).protocol).toBe(parsed.protocol);
    }), { numRuns: Number(process.env.FC_NUM_RUNS ?? 300) });
    expect(accepted).toBeGreaterThan(0);
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
    // Argo CD's own kinds (the notifications ConfigMap is a core kind: the API server test judges it, and the real Argo CD reads it in test/e2e/notifications.test.ts).
    const all = (out: Record<string, any>) => Object.keys(out).filter((f) => f.startsWith('deploy/argocd/')).flatMap((f) => objects(out[f])).filter((o) => o.apiVersion.startsWith('argoproj.io/'));

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

    test('GIVEN overrides of the AppProject and of Applications WHEN synthesized THEN they are written, and every object still validates', () => {
      const project = gitopsProject({ repository: 'acme/orders', runtime: Runtime.NODE });
      const argocd = ArgoCd.of(project)!;
      argocd.appProjectFile.addOverride('0.spec.sourceNamespaces', ['argocd-apps']);
      argocd.applicationsFile('prod')!.addOverride('0.spec.revisionHistoryLimit', 3);
      project.tryFindObjectFile('deploy/argocd/dev.yaml')!.addOverride('0.metadata.annotations.team', 'payments');
      argocd.notificationsFile!.addOverride('metadata.annotations.team', 'payments');
      const out = synth(project);
      expect(objects(out['deploy/argocd/00-project.yaml'])[0].spec.sourceNamespaces).toEqual(['argocd-apps']);
      expect(out['deploy/argocd/00-project.yaml']).toMatch(/^# The AppProjects that limit what the Applications may deploy/);
      expect(objects(out['deploy/argocd/prod.yaml'])[0].spec.revisionHistoryLimit).toBe(3);
      expect(objects(out['deploy/argocd/dev.yaml'])[0].metadata.annotations.team).toBe('payments');
      expect(objects(out['deploy/argocd/staging.yaml'])[0].spec.revisionHistoryLimit).toBe(10); // the default
      expect(objects(out['deploy/argocd/notifications/argocd-notifications-cm.yaml'])[0].metadata.annotations.team).toBe('payments');
      expect(all(out).flatMap(schemaProblems)).toEqual([]);
      expect(argocd.applicationsFile('nope')).toBeUndefined();
    });

    test('known-bad: a misspelt field set through an override is reported by the schema', () => {
      const project = gitopsProject({ repository: 'acme/orders', runtime: Runtime.NODE });
      ArgoCd.of(project)!.applicationsFile('dev')!.addOverride('0.spec.syncPolicy.automated.prnue', true);
      expect(all(synth(project)).flatMap(schemaProblems)).toEqual([
        'Application/orders-dev: /spec/syncPolicy/automated/prnue is not a field of argoproj.io/v1alpha1/Application',
      ]);
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
