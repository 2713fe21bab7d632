import { parse } from 'yaml';
import { RepositoryVisibility, Runtime, SigningMode } from '../../src';
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

  test('Argo CD applies each policy before the services, and the AppProject allows that one cluster-scoped kind', () => {
    const { out } = policies();
    const dev = String(out['deploy/argocd/dev.yaml']).split(/^---$/m).map((d) => parse(d)).filter(Boolean);
    const app = dev.find((o: any) => o.metadata.name === 'orders-image-policy-dev');
    expect(app.spec.source.path).toBe('deploy/policies/dev');
    expect(app.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-1');
    const project = String(out['deploy/argocd/00-project.yaml']).split(/^---$/m).map((d) => parse(d)).filter(Boolean)[0];
    expect(project.spec.clusterResourceWhitelist).toEqual([{ group: 'policy.sigstore.dev', kind: 'ClusterImagePolicy' }]);
  });

  test('no policies without signing, or when turned off', () => {
    expect(policies({ signImages: false, promotion: false }).files).toEqual([]);
    const off = policies({ admissionPolicies: false });
    expect(off.files).toEqual([]);
    const project = String(off.out['deploy/argocd/00-project.yaml']).split(/^---$/m).map((d) => parse(d)).filter(Boolean)[0];
    expect(project.spec.clusterResourceWhitelist).toEqual([]);
  });
});
