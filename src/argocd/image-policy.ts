import { ObjectFile, Project } from 'projen';
import { describeFile, FileOwner } from '../core/file-catalog';
import { ManagedFile, YamlLayout } from '../core/managed-file';
import { createAtSynthStart } from '../core/projen-adapter';
import { AdmissionPolicies, POLICY_INCLUDE_LABEL } from '../model/admission-policies';
import { Environments } from '../model/environments';
import { POLICIES_DIR } from '../model/layout';
import { Repository } from '../model/repository';
import { serviceFacts, servicesOf } from '../model/service';
import { SigningFacts, signingFacts, SigningMode } from '../model/signing';

export { POLICY_INCLUDE_LABEL };
/** The TrustRoot a cluster admin creates from `gh attestation trusted-root` (GitHub's own Sigstore instance). */
export const GITHUB_TRUST_ROOT = 'github-artifact-attestations';
const SLSA_PROVENANCE = 'https://slsa.dev/provenance/v1';

/** What one policy needs: its name, the image repositories it covers, the signing facts. */
export interface ImagePolicyInput {
  readonly name: string;
  readonly images: string[];
  readonly signing: SigningFacts;
  /** A PEM public key instead of the KMS reference (policy-controller's own tester cannot reach a KMS). */
  readonly keyData?: string;
}

/**
 * A Sigstore policy-controller `ClusterImagePolicy` (policy.sigstore.dev/v1beta1) that admits
 * the images only when signed the way the model says: keyless or attested by this repository's
 * container workflow on the default branch (the certificate's subject and issuer), or signed by
 * the KMS key. Every authority is checked in the Sigstore bundle format cosign 3 and
 * `actions/attest` write.
 */
export function clusterImagePolicy(input: ImagePolicyInput): object {
  const { signing } = input;
  const identities = [{ issuer: signing.certificateOidcIssuer, subject: signing.certificateIdentity ?? '' }];
  const rekor = { url: 'https://rekor.sigstore.dev' };
  let authority: object;
  switch (signing.mode) {
    case SigningMode.KMS_KEY:
      authority = {
        name: 'kms-key',
        key: input.keyData ? { data: input.keyData } : { kms: signing.key ?? '' },
        // Without a ctlog the transparency log is not checked: signed with --tlog-upload=false.
        ...(signing.publicLog ? { ctlog: rekor } : {}),
        // policy-controller reads a key's signatures in the legacy format only ("when using the
        // new bundle format, the authority must be keyless", its tester said): cosign writes
        // that format for KMS_KEY (signCommand).
      };
      break;
    case SigningMode.GITHUB_ATTESTATIONS:
      authority = {
        name: 'github-attestations',
        // Public repositories: Sigstore's public instance; private and internal: GitHub's own,
        // whose trusted root the cluster admin installs as a TrustRoot (docs/signing.md).
        keyless: { identities, ...(signing.publicLog ? {} : { trustRootRef: GITHUB_TRUST_ROOT }) },
        ...(signing.publicLog ? { ctlog: rekor } : {}),
        attestations: [{ name: 'slsa-provenance', predicateType: SLSA_PROVENANCE }],
        signatureFormat: 'bundle',
      };
      break;
    default:
      authority = { name: 'keyless', keyless: { url: 'https://fulcio.sigstore.dev', identities }, ctlog: rekor, signatureFormat: 'bundle' };
  }
  return {
    apiVersion: 'policy.sigstore.dev/v1beta1',
    kind: 'ClusterImagePolicy',
    metadata: { name: input.name, labels: { 'app.kubernetes.io/managed-by': 'projen-gitops' } },
    spec: {
      mode: 'enforce',
      // Exactly these repositories, by digest or by tag: policy-controller matches a glob against
      // the whole reference (a bare repository never matches 'repo@sha256:...', as its own tester
      // showed), and '*' stops at '/', so nothing that merely starts like them is covered.
      images: input.images.flatMap((repository) => [{ glob: `${repository}@*` }, { glob: `${repository}:*` }]),
      authorities: [authority],
    },
  };
}

/** A Kubernetes name for the policy of a repository's environment (cluster-scoped: unique per repository). */
export function policyName(repository: string | undefined, projectName: string, env: string): string {
  const base = (repository ?? projectName).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  return `${base}-${env}`.slice(0, 253).replace(/-+$/, '');
}

/**
 * `deploy/policies/<env>/cluster-image-policy.yaml` for every deployed environment: the
 * admission policy of the environment's cluster, applied by Argo CD with the rest (an
 * Application per environment, see `ArgoCd`). The files are made when the synth starts, so
 * `Environments` may be added before or after this component.
 */
export class ImagePolicies extends AdmissionPolicies {
  public static of(project: Project): ImagePolicies | undefined {
    return project.components.find((c): c is ImagePolicies => c instanceof ImagePolicies);
  }

  /** policy-controller enforces only in namespaces with this label (infra/ sets it on the namespaces it creates). */
  public readonly namespaceLabels: { [name: string]: string } = { [POLICY_INCLUDE_LABEL]: 'true' };

  private readonly files = new Map<string, ObjectFile>();

  constructor(project: Project) {
    super(project);
    // The files of the environments known now, so .projenrc.ts can patch them (the escape
    // hatch); the rest when the synth starts. Their .gitignore lines come out in the same place.
    this.addFiles();
    createAtSynthStart(project, () => this.addFiles());
    describeFile(project, {
      path: `${POLICIES_DIR}/`,
      owner: FileOwner.MANAGED,
      purpose: 'Admission policies (Sigstore policy-controller ClusterImagePolicy), one per environment: its cluster admits this repository\'s images only when signed by its container workflow on the default branch (docs/signing.md).',
      change: 'Follows the signing options, services and environments in .projenrc.ts.',
    });
  }

  /**
   * The ClusterImagePolicy file of a deployed environment (escape hatch:
   * `policyFile('prod')?.addOverride('spec.mode', 'warn')`); `undefined` for an environment that
   * is not deployed, or whose file is made when the synth starts (the environments were added
   * after this component).
   */
  public policyFile(environment: string): ObjectFile | undefined {
    return this.files.get(environment);
  }

  /** One file per deployed environment, created once (a repeated name is reported by Environments). */
  private addFiles() {
    for (const env of Environments.of(this.project)?.deployed ?? []) {
      if (this.files.has(env.name)) continue;
      const name = env.name;
      this.files.set(name, ManagedFile.yaml(this.project, `${POLICIES_DIR}/${name}/cluster-image-policy.yaml`, {
        obj: () => this.policy(name),
        version: '1.2',
        layout: YamlLayout.DOCUMENT,
        header: () => this.header(name),
      }));
    }
  }

  private images(): string[] {
    return [...new Set(servicesOf(this.project).map((image) => serviceFacts(this.project, image).imageRepository ?? ''))].filter(Boolean).sort();
  }

  private policy(env: string): object {
    const repo = Repository.factsOf(this.project);
    const name = policyName(repo.repository, this.project.name, env);
    return clusterImagePolicy({ name, images: this.images(), signing: signingFacts(this.project) });
  }

  private header(env: string): string[] {
    const repo = Repository.factsOf(this.project);
    const namespace = (Environments.of(this.project)?.deployed ?? []).find((e) => e.name === env)?.namespace;
    return [
      `The admission policy of ${env}: Sigstore policy-controller admits ${this.images().join(', ')} only signed by this repository's`,
      `container workflow on ${repo.defaultBranch} (docs/signing.md). It applies in namespaces labelled ${POLICY_INCLUDE_LABEL}=true`,
      `(label ${namespace}); set policy-controller's no-match-policy to deny so nothing else runs there.`,
      'Generated by projen-gitops from .projenrc.ts (managed).',
    ];
  }
}
