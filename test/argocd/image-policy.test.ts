import { parse } from 'yaml';
import { ImagePolicies, RepositoryVisibility, Runtime, SigningMode } from '../../src';
import { gitopsProject, synth } from '../util';

const IDENTITY = 'https://github.com/acme/orders/.github/workflows/container.yml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';
const KEY = 'awskms:///arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

function policies(options: object = {}) {
  const out = synth(gitopsProject({ repository: 'acme/orders', services: [{ name: 'worker', runtime: Runtime.GO }], ...options }));
  const files = Object.keys(out).filter((f) => f.startsWith('deploy/policies/')).sort();
  return { out, files, policy: (env: string) => parse(out[`deploy/policies/${env}/cluster-image-policy.yaml`]) };
}

describe('admission policies (Sigstore policy-controller ClusterImagePolicy)', () => {
  test('escape hatch: each policy is a projen ObjectFile, patched from .projenrc.ts', () => {
    const project = gitopsProject({ repository: 'acme/orders' });
    ImagePolicies.of(project)!.policyFile('dev')!.addOverride('spec.mode', 'warn');
    project.tryFindObjectFile('deploy/policies/prod/cluster-image-policy.yaml')!.addOverride('metadata.labels.team', 'payments');
    const out = synth(project);
    expect(parse(out['deploy/policies/dev/cluster-image-policy.yaml']).spec.mode).toBe('warn');
    expect(parse(out['deploy/policies/staging/cluster-image-policy.yaml']).spec.mode).toBe('enforce');
    expect(parse(out['deploy/policies/prod/cluster-image-policy.yaml']).metadata.labels.team).toBe('payments');
    expect(out['deploy/policies/dev/cluster-image-policy.yaml']).toMatch(/^# The admission policy of dev: .*\n(# .*\n)*---\napiVersion: policy\.sigstore\.dev\//);
  });

  test('one per environment, for exactly this repository\'s images, with the signing mode\'s authority', () => {
    const { files, policy } = policies();
    expect(files).toEqual(['deploy/policies/dev/cluster-image-policy.yaml', 'deploy/policies/prod/cluster-image-policy.yaml', 'deploy/policies/staging/cluster-image-policy.yaml']);
    const dev = policy('dev');
    expect(dev.metadata.name).toBe('acme-orders-dev');
    expect(dev.spec.mode).toBe('enforce');
    expect(dev.spec.images).toEqual([
      { glob: 'ghcr.io/acme/orders@*' }, { glob: 'ghcr.io/acme/orders:*' },
      { glob: 'ghcr.io/acme/orders/worker@*' }, { glob: 'ghcr.io/acme/orders/worker:*' },
    ]);
    // Private default: attested on GitHub's own Sigstore instance, provenance required, no public log.
    expect(dev.spec.authorities).toEqual([{
      name: 'github-attestations',
      keyless: { identities: [{ issuer: ISSUER, subject: IDENTITY }], trustRootRef: 'github-artifact-attestations' },
      attestations: [{ name: 'slsa-provenance', predicateType: 'https://slsa.dev/provenance/v1' }],
      signatureFormat: 'bundle',
    }]);
  });

  test('keyless and KMS modes: the same identity or key the publish job signs with', () => {
    expect(policies({ visibility: RepositoryVisibility.PUBLIC }).policy('dev').spec.authorities).toEqual([{
      name: 'keyless',
      keyless: { url: 'https://fulcio.sigstore.dev', identities: [{ issuer: ISSUER, subject: IDENTITY }] },
      ctlog: { url: 'https://rekor.sigstore.dev' },
      signatureFormat: 'bundle',
    }]);
    // Private KMS: no ctlog, so policy-controller does not look for the log entry it was never
    // given; the legacy signature format (policy-controller reads no bundle for a key).
    const kms = policies({ signing: { mode: SigningMode.KMS_KEY, key: KEY } }).policy('prod');
    expect(kms.spec.authorities).toEqual([{ name: 'kms-key', key: { kms: KEY } }]);
  });

  test('Argo CD applies each policy before the services, in an AppProject of its own that allows that one kind; the services\' AppProject allows no policy', () => {
    const { out } = policies();
    const dev = String(out['deploy/argocd/dev.yaml']).split(/^---$/m).map((d) => parse(d)).filter(Boolean);
    const app = dev.find((o: any) => o.metadata.name === 'orders-image-policy-dev');
    expect(app.spec.source.path).toBe('deploy/policies/dev');
    expect(app.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-1');
    const [services, own] = String(out['deploy/argocd/00-project.yaml']).split(/^---$/m).map((d) => parse(d)).filter(Boolean);
    expect([services.metadata.name, own.metadata.name]).toEqual(['orders', 'orders-image-policies']);
    expect(app.spec.project).toBe('orders-image-policies');
    for (const a of dev.filter((o: any) => o !== app)) expect(a.spec.project).toBe('orders');
    expect(own.spec).toMatchObject({ sourceRepos: services.spec.sourceRepos, destinations: services.spec.destinations });
    // As Argo CD decides it: a chart of the services cannot ship a (permissive) policy; the policy Application nothing but policies.
    const policy = ['policy.sigstore.dev', 'ClusterImagePolicy', false] as const;
    expect(permitted(services, ...policy)).toBe(false);
    expect(permitted(services, 'apps', 'Deployment', true)).toBe(true);
    expect(permitted(own, ...policy)).toBe(true);
    for (const [group, kind, namespaced] of [['apps', 'Deployment', true], ['', 'Secret', true], ['rbac.authorization.k8s.io', 'ClusterRoleBinding', false], ['', 'Namespace', false], ['policy.sigstore.dev', 'ClusterImagePolicy', true]] as const) {
      expect({ kind, permitted: permitted(own, group, kind, namespaced) }).toEqual({ kind, permitted: false });
    }
  });

  test('the AppProject check is Argo CD\'s (it permits what the whitelists say, and the old shared project let any chart add a policy)', () => {
    const shared = { spec: { clusterResourceWhitelist: [{ group: 'policy.sigstore.dev', kind: 'ClusterImagePolicy' }], namespaceResourceWhitelist: [{ group: 'apps', kind: 'Deployment' }] } };
    expect(permitted(shared, 'policy.sigstore.dev', 'ClusterImagePolicy', false)).toBe(true);
    expect(permitted(shared, 'apps', 'StatefulSet', true)).toBe(false);
    // No namespaced whitelist at all is everything; an empty one is nothing; globs match.
    expect(permitted({ spec: {} }, 'apps', 'Deployment', true)).toBe(true);
    expect(permitted({ spec: { namespaceResourceWhitelist: [] } }, 'apps', 'Deployment', true)).toBe(false);
    expect(permitted({ spec: { clusterResourceWhitelist: [{ group: '*', kind: '*' }] } }, '', 'Namespace', false)).toBe(true);
  });

  test('no policies without signing, or when turned off', () => {
    expect(policies({ signImages: false, promotion: false }).files).toEqual([]);
    const off = policies({ admissionPolicies: false });
    expect(off.files).toEqual([]);
    const projects = String(off.out['deploy/argocd/00-project.yaml']).split(/^---$/m).map((d) => parse(d)).filter(Boolean);
    expect(projects.map((p: any) => p.metadata.name)).toEqual(['orders']);
    expect(projects[0].spec.clusterResourceWhitelist).toEqual([]);
  });
});

/**
 * Whether an AppProject permits a kind, as Argo CD v3.6.2 decides it
 * (pkg/apis/application/v1alpha1/app_project_types.go, `IsGroupKindNamePermitted`, names left
 * out): a namespaced kind when there is no whitelist or a non-empty one lists it, and no
 * blacklist lists it; a cluster-scoped kind only when a non-empty whitelist lists it. Lists match
 * with Go's filepath.Match globs.
 */
function permitted(project: any, group: string, kind: string, namespaced: boolean): boolean {
  const glob = (pattern: string, value: string) => new RegExp(`^${pattern.split('').map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')}$`).test(value);
  const listed = (list: any[]) => list.some((item) => glob(item.kind, kind) && glob(item.group, group));
  const spec = project.spec;
  if (namespaced) {
    const white: any[] | undefined = spec.namespaceResourceWhitelist;
    const black: any[] = spec.namespaceResourceBlacklist ?? [];
    return (white === undefined || (white.length !== 0 && listed(white))) && !(black.length !== 0 && listed(black));
  }
  const white: any[] = spec.clusterResourceWhitelist ?? [];
  const black: any[] = spec.clusterResourceBlacklist ?? [];
  return white.length !== 0 && listed(white) && !(black.length !== 0 && listed(black));
}
