/**
 * How images are signed and their provenance attested, and how a signature is verified: the
 * one home of the signing facts (mode, signer identity, issuer, key, whether a public log is
 * written). The publish job signs with `signCommand`, promotion verifies with `verifyCommand`
 * (written to `deploy/promotion.json`), and the admission policies admit what the same facts
 * describe, so the three cannot disagree.
 */
import { Component, Project } from 'projen';
import { imagePublisherOf } from './image-publisher';
import { CONTAINER_WORKFLOW } from './layout';
import { ACTIONS_OIDC_ISSUER, actionsOidcIssuerOf, signerIdentityOf } from './oidc';
import { GitHubServerKind, githubServerOf, Repository } from './repository';
import { show } from '../core/checks';
import { addValidation, Problem } from '../core/validation';

/** How pushed images are signed and their provenance attested. */
export enum SigningMode {
  /**
   * cosign keyless: a short-lived certificate for the workflow's OIDC identity from Sigstore's
   * public Fulcio, the signature recorded in the public Rekor transparency log (which then
   * names the repository and workflow). For public repositories.
   */
  KEYLESS = 'keyless',
  /**
   * GitHub artifact attestations (`actions/attest`): SLSA build provenance and an SBOM
   * attestation, pushed to the registry and stored by GitHub. Public repositories use Sigstore's
   * public instance, private and internal ones GitHub's own (nothing in a public log); private
   * and internal repositories need GitHub Enterprise Cloud.
   */
  GITHUB_ATTESTATIONS = 'github-attestations',
  /**
   * cosign with a key held in a cloud KMS (`signingKey`), reached through the workflow's OIDC
   * login to that cloud (Vault: its token). Private and internal repositories sign without
   * uploading to the public log (`--use-signing-config=false --tlog-upload=false`).
   */
  KMS_KEY = 'kms-key',
}

/** The repository's visibility on GitHub: what may be written to a public log. */
export enum RepositoryVisibility {
  /** Anyone can see it: keyless signing to the public log is the default. */
  PUBLIC = 'public',
  /** Only invited people see it: nothing is written to a public log unless asked. */
  PRIVATE = 'private',
  /** Visible inside the enterprise: treated as private. */
  INTERNAL = 'internal',
}

/** Options for `Signing`. */
export interface SigningOptions {
  /**
   * How images are signed and attested.
   *
   * On GitHub Enterprise Server (`githubUrl` another host) only KMS_KEY works: Sigstore's
   * public Fulcio does not trust its OIDC issuer and GitHub's attestations are not available
   * there. On GitHub Enterprise Cloud with data residency (`<sub>.ghe.com`) KEYLESS does not
   * work (public Fulcio does not trust its issuer either).
   * @default - KEYLESS for a public repository, GITHUB_ATTESTATIONS for a private or internal one; GITHUB_ATTESTATIONS on `<sub>.ghe.com`; KMS_KEY on GitHub Enterprise Server
   */
  readonly mode?: SigningMode;
  /**
   * The repository's visibility on GitHub: picks the default `mode`, and keeps a private or
   * internal repository's name out of public logs.
   * @default RepositoryVisibility.PRIVATE (the safe assumption: nothing public unless said)
   */
  readonly visibility?: RepositoryVisibility;
  /**
   * The KMS key of `KMS_KEY`, as cosign names it: `awskms:///arn:aws:kms:<region>:<account>:key/<id>`,
   * `gcpkms://projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>`,
   * `azurekms://<vault>.vault.azure.net/<key>` or `hashivault://<key>`.
   * @default - none (needed with KMS_KEY)
   */
  readonly key?: string;
  /**
   * Let a private or internal repository sign keyless anyway, writing its name and workflow
   * path to the public Rekor log (or, with KMS_KEY, upload its signatures there).
   * @default false
   */
  readonly allowPublicLog?: boolean;
}

/** The cloud a KMS key lives in (the login the signer needs). */
export type KmsProvider = 'aws' | 'gcp' | 'azure' | 'vault';

/** The signing facts every renderer reads. */
export interface SigningFacts {
  /** How images are signed (defaults filled in). */
  readonly mode: SigningMode;
  /** The repository's visibility (default PRIVATE). */
  readonly visibility: RepositoryVisibility;
  /** The workflow that signs, relative to the repository. */
  readonly workflowPath: string;
  /**
   * The certificate's subject (SAN) of a signature or attestation from the default branch.
   * @default - unknown until `repository` is set
   */
  readonly certificateIdentity?: string;
  /** The OIDC issuer of the signing certificates: the GitHub Actions issuer of the repository's server. */
  readonly certificateOidcIssuer: string;
  /**
   * GITHUB_ATTESTATIONS on GitHub Enterprise Cloud with data residency: the host `gh` reads
   * the attestations from (`<sub>.ghe.com`, its `--hostname`).
   * @default - github.com (nothing written)
   */
  readonly attestationsHost?: string;
  /**
   * KMS_KEY: the key reference.
   * @default - none (other modes)
   */
  readonly key?: string;
  /**
   * KMS_KEY: the cloud the key lives in ('aws', 'gcp', 'azure' or 'vault').
   * @default - none (other modes)
   */
  readonly kmsProvider?: KmsProvider;
  /** Whether signing writes to the public Rekor log. */
  readonly publicLog: boolean;
}


const KMS_GRAMMAR: Array<{ provider: KmsProvider; pattern: RegExp }> = [
  { provider: 'aws', pattern: /^awskms:\/\/\/arn:aws(?:-cn|-us-gov)?:kms:[a-z]{2}(?:-[a-z]+)+-\d+:\d{12}:(?:key\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|key\/mrk-[0-9a-f]{32}|alias\/[A-Za-z0-9/_-]{1,250})$/ },
  { provider: 'gcp', pattern: /^gcpkms:\/\/projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/locations\/[a-z0-9-]+\/keyRings\/[A-Za-z0-9_-]{1,63}\/cryptoKeys\/[A-Za-z0-9_-]{1,63}(?:\/cryptoKeyVersions\/\d+)?$/ },
  { provider: 'azure', pattern: /^azurekms:\/\/[a-z][a-z0-9-]{1,22}[a-z0-9]\.vault\.azure\.net\/[A-Za-z0-9-]{1,127}$/ },
  { provider: 'vault', pattern: /^hashivault:\/\/[A-Za-z0-9_.-]{1,128}$/ },
];

/** The KMS key the fixes suggest (a valid reference of the grammar below). */
const EXAMPLE_KEY = 'awskms:///arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** The KMS key grammar: `undefined` when fine, else the problem with a valid example. */
export function checkKmsKey(value: unknown): string | undefined {
  if (typeof value === 'string' && kmsProviderOf(value)) return undefined;
  const scheme = typeof value === 'string' ? value.split(':')[0] : '';
  const examples: Record<string, string> = {
    awskms: 'awskms:///arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    gcpkms: 'gcpkms://projects/my-project/locations/global/keyRings/signing/cryptoKeys/images',
    azurekms: 'azurekms://my-vault.vault.azure.net/images',
    hashivault: 'hashivault://images',
  };
  return `must be a KMS key reference (awskms:///<key ARN>, gcpkms://projects/.../cryptoKeys/<key>, azurekms://<vault>.vault.azure.net/<key> or hashivault://<key>), got ${show(value)}; try '${examples[scheme] ?? examples.awskms}'`;
}

export function kmsProviderOf(key: string): KmsProvider | undefined {
  return KMS_GRAMMAR.find((g) => g.pattern.test(key))?.provider;
}

/** The AWS region of an `awskms:///arn:...` key. */
export function kmsRegion(key: string): string | undefined {
  return /^awskms:\/\/\/arn:[a-z-]+:kms:([a-z0-9-]+):/.exec(key)?.[1];
}

/** The signing facts of a repository without a `Signing` component: the defaults. */
export function signingFacts(project: Project): SigningFacts {
  return Signing.of(project)?.facts ?? factsFrom({}, project);
}

/**
 * The repository's signing choice, defaults filled in from its visibility, and its checks: a
 * private or internal repository never writes to the public log unless `allowPublicLog`.
 */
export class Signing extends Component {
  public static of(project: Project): Signing | undefined {
    return project.components.find((c): c is Signing => c instanceof Signing);
  }

  private readonly options: SigningOptions;

  constructor(project: Project, options: SigningOptions = {}) {
    super(project);
    this.options = options;
    addValidation(project, () => this.problems());
  }

  /** The facts, read at synth time (the repository is known by then). */
  public get facts(): SigningFacts {
    return factsFrom(this.options, this.project);
  }

  private problems(): Problem[] {
    const o = this.options;
    const problems: Problem[] = [];
    const modes = Object.values(SigningMode) as string[];
    if (o.mode !== undefined && !modes.includes(o.mode)) {
      problems.push({ option: 'signing.mode', message: `must be one of ${modes.map((m) => `'${m}'`).join(', ')} (SigningMode), got ${show(o.mode)}; try SigningMode.GITHUB_ATTESTATIONS` });
    }
    const visibilities = Object.values(RepositoryVisibility) as string[];
    if (o.visibility !== undefined && !visibilities.includes(o.visibility)) {
      problems.push({ option: 'visibility', message: `must be one of ${visibilities.map((m) => `'${m}'`).join(', ')} (RepositoryVisibility), got ${show(o.visibility)}; try RepositoryVisibility.PRIVATE` });
    }
    if (problems.length) return problems;
    const facts = this.facts;
    const server = githubServerOf(Repository.factsOf(this.project).githubUrl);
    const where = server.kind === GitHubServerKind.SERVER ? `GitHub Enterprise Server (${server.url})` : `GitHub Enterprise Cloud with data residency (${server.url})`;
    const withKey = `mode: SigningMode.KMS_KEY with key: '${EXAMPLE_KEY}' (your key)`;
    if (server.kind === GitHubServerKind.DATA_RESIDENCY && facts.visibility === RepositoryVisibility.PUBLIC) {
      // "Permanently unavailable features" of ghe.com: public repositories (managed users only).
      problems.push({ option: 'visibility', message: `is 'public', but ${where} has no public repositories; use RepositoryVisibility.PRIVATE or RepositoryVisibility.INTERNAL` });
    }
    let serverRefused = false;
    // Public Fulcio trusts GitHub Actions tokens of github.com only: its issuers are
    // token.actions.githubusercontent.com and its enterprise-slug paths (sigstore/fulcio
    // config/identity/config.yaml, `oidc-issuers` and `meta-issuers`), no ghe.com or GHES issuer.
    if (server.kind !== GitHubServerKind.GITHUB_COM && facts.mode === SigningMode.KEYLESS) {
      serverRefused = true;
      problems.push({
        option: 'signing.mode',
        message: `is keyless, which needs Sigstore's public Fulcio to trust the workflow's OIDC tokens, but on ${where} they are issued by '${facts.certificateOidcIssuer}' and public Fulcio trusts GitHub Actions on github.com only (${ACTIONS_OIDC_ISSUER}); use ${server.kind === GitHubServerKind.DATA_RESIDENCY ? 'mode: SigningMode.GITHUB_ATTESTATIONS (GitHub\'s own Sigstore instance serves ghe.com), or ' : ''}${withKey}`,
      });
    }
    if (server.kind === GitHubServerKind.SERVER && facts.mode === SigningMode.GITHUB_ATTESTATIONS) {
      problems.push({
        option: 'signing.mode',
        message: `is github-attestations, but GitHub artifact attestations are not available on ${where} (GitHub documents them for github.com and GitHub Enterprise Cloud only, and \`gh attestation\` refuses GHES hosts); use ${withKey}`,
      });
    }
    // KMS_KEY by default (GitHub Enterprise Server) needs a key only when images are signed.
    const defaulted = o.mode === undefined && server.kind === GitHubServerKind.SERVER;
    if (facts.mode === SigningMode.KMS_KEY && !(defaulted && o.key === undefined && imagePublisherOf(this.project)?.signs !== true)) {
      const message = defaulted
        ? `is needed by SigningMode.KMS_KEY, the default on ${where}, where neither keyless signing nor GitHub's attestations work, got none; set key: '${EXAMPLE_KEY}' (your key), or signImages: false to push unsigned images`
        : `is needed by SigningMode.KMS_KEY, got none; set key: '${EXAMPLE_KEY}' (your key)`;
      if (o.key === undefined) {problems.push({ option: 'signing.key', message });} else {
        const problem = checkKmsKey(o.key);
        if (problem) problems.push({ option: 'signing.key', message: problem });
      }
    } else if (o.key !== undefined) {
      problems.push({ option: 'signing.key', message: `is used only by SigningMode.KMS_KEY, got key ${show(o.key)} with mode '${facts.mode}'; set mode: SigningMode.KMS_KEY, or remove key` });
    }
    if (!serverRefused && facts.mode === SigningMode.KEYLESS && facts.visibility !== RepositoryVisibility.PUBLIC && !o.allowPublicLog) {
      problems.push({
        option: 'signing.mode',
        message: `is keyless, which writes the repository's name and workflow path to Sigstore's public Rekor log, but visibility is '${facts.visibility}'; use mode: SigningMode.GITHUB_ATTESTATIONS (GitHub Enterprise Cloud) or SigningMode.KMS_KEY, or set allowPublicLog: true if the name may be public`,
      });
    }
    return problems;
  }
}

/**
 * The mode used when none is set: the one that works on the repository's server. github.com:
 * keyless for a public repository, GitHub's attestations otherwise. ghe.com: GitHub's
 * attestations (public Fulcio does not trust its issuer, and it has no public repositories).
 * GitHub Enterprise Server: the KMS key (neither of the others works there).
 */
function defaultMode(server: GitHubServerKind, isPublic: boolean): SigningMode {
  if (server === GitHubServerKind.SERVER) return SigningMode.KMS_KEY;
  if (server === GitHubServerKind.DATA_RESIDENCY) return SigningMode.GITHUB_ATTESTATIONS;
  return isPublic ? SigningMode.KEYLESS : SigningMode.GITHUB_ATTESTATIONS;
}

function factsFrom(o: SigningOptions, project: Project): SigningFacts {
  const visibility = o.visibility ?? RepositoryVisibility.PRIVATE;
  const isPublic = visibility === RepositoryVisibility.PUBLIC;
  const repo = Repository.factsOf(project);
  const server = githubServerOf(repo.githubUrl);
  const mode = o.mode ?? defaultMode(server.kind, isPublic);
  return {
    mode,
    visibility,
    workflowPath: CONTAINER_WORKFLOW.path,
    certificateIdentity: repo.repository ? signerIdentityOf(repo.githubUrl, repo.repository, CONTAINER_WORKFLOW.path, repo.defaultBranch) : undefined,
    certificateOidcIssuer: actionsOidcIssuerOf(repo.githubUrl),
    ...(mode === SigningMode.GITHUB_ATTESTATIONS && server.kind === GitHubServerKind.DATA_RESIDENCY ? { attestationsHost: server.host } : {}),
    ...(mode === SigningMode.KMS_KEY && o.key ? { key: o.key, kmsProvider: kmsProviderOf(o.key) } : {}),
    // Attestations of private repositories go to GitHub's own Sigstore instance.
    publicLog: mode === SigningMode.KEYLESS
      || (mode === SigningMode.GITHUB_ATTESTATIONS && isPublic)
      || (mode === SigningMode.KMS_KEY && (isPublic || !!o.allowPublicLog)),
  };
}

/** Words of a command line, shell-quoted where needed (for docs and pull request bodies). */
export function commandLine(argv: string[]): string {
  return argv.map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(' ');
}

/**
 * cosign's signing command for `image@digest` (KEYLESS, KMS_KEY; GITHUB_ATTESTATIONS signs with
 * `actions/attest`). `key` stands for the KMS reference (the workflow passes it through `env:`).
 */
export function signCommand(facts: SigningFacts, imageAtDigest: string, key = facts.key ?? ''): string[] {
  // cosign 3 refuses --tlog-upload=false with a signing config (its default, from Sigstore's
  // TUF root): without the log there is nothing a signing config adds to a key.
  // The legacy signature format: policy-controller verifies a key's signatures only in it (its
  // tester refused a key authority in the bundle format), and cosign 3 writes bundles by default.
  if (facts.mode === SigningMode.KMS_KEY) {
    return ['cosign', 'sign', '--yes', '--key', key, '--new-bundle-format=false', ...(facts.publicLog ? [] : ['--use-signing-config=false', '--tlog-upload=false']), imageAtDigest];
  }
  return ['cosign', 'sign', '--yes', imageAtDigest];
}

/**
 * The command that verifies `image@digest` was signed (or attested) by this repository's
 * container workflow on the default branch: promotion runs it, the docs show it. `key`
 * overrides the KMS reference (the end-to-end test passes a local key file).
 */
export function verifyCommand(facts: SigningFacts, repository: string, imageAtDigest: string, key = facts.key ?? ''): string[] {
  switch (facts.mode) {
    case SigningMode.KMS_KEY:
      // Without the public log there is no inclusion proof to check: the key is the trust.
      return ['cosign', 'verify', '--key', key, ...(facts.publicLog ? [] : ['--insecure-ignore-tlog=true']), imageAtDigest];
    case SigningMode.GITHUB_ATTESTATIONS:
      // SLSA provenance (gh's default predicate type) from exactly this workflow and branch.
      // On ghe.com gh reads the tenant's attestations and trust domain from its host (cli/cli
      // pkg/cmd/attestation/verify/verify.go: tenancy is taken from --hostname).
      return ['gh', 'attestation', 'verify', `oci://${imageAtDigest}`, '--repo', repository, '--cert-identity', facts.certificateIdentity ?? '', '--cert-oidc-issuer', facts.certificateOidcIssuer, ...(facts.attestationsHost ? ['--hostname', facts.attestationsHost] : [])];
    default:
      return ['cosign', 'verify', '--certificate-identity', facts.certificateIdentity ?? '', '--certificate-oidc-issuer', facts.certificateOidcIssuer, imageAtDigest];
  }
}

/** How the images are signed, in words for the generated README and SECURITY.md. */
export function signingPhrase(facts: SigningFacts): string {
  switch (facts.mode) {
    case SigningMode.GITHUB_ATTESTATIONS:
      return `attested with GitHub artifact attestations (SLSA build provenance and the SBOM${facts.publicLog ? ', through Sigstore\'s public instance' : ', on GitHub\'s own Sigstore instance: nothing in a public log'})`;
    case SigningMode.KMS_KEY:
      return `signed with cosign and the KMS key \`${facts.key ?? ''}\`${facts.publicLog ? '' : ' (not uploaded to the public Rekor log)'}`;
    default:
      return 'signed keyless with cosign (recorded in Sigstore\'s public Rekor log)';
  }
}
