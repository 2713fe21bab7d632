/**
 * The registry an image is pushed to, classified by how a job logs in to it (GitHub, Docker Hub,
 * Amazon ECR, Google Artifact Registry, Azure Container Registry, other), and the cloud
 * identities used for the login. The workflows, the infrastructure and the checks read it here.
 */
import { GitHubServerKind, githubServerOf, Repository, REPOSITORY_DEFAULTS } from './repository';
import { imagePathService, Service } from './service';
import { show } from '../core/checks';
import { Problem } from '../core/validation';

/**
 * The cloud identities the container workflow logs in to a registry with. Each login
 * exchanges the job's OIDC token for short-lived credentials: no keys to store or rotate.
 * Only the identity of the image's registry is used. The values are identifiers, not
 * secrets; by default each is read from a repository variable (Settings, Secrets and
 * variables, Actions, Variables).
 */
export interface RegistryIdentity {
  /**
   * The IAM role Amazon ECR logins assume (`arn:aws:iam::<account>:role/<name>`); on AWS, add
   * GitHub's OIDC provider (`token.actions.githubusercontent.com`, or the issuer of `githubUrl`'s
   * server: docs/signing.md) to IAM and let it assume this role for this repository only, with
   * permission to push to the ECR repository.
   * @default "${{ vars.AWS_ROLE_ARN }}"
   */
  readonly awsRoleArn?: string;

  /**
   * The Workload Identity Federation provider of Google Artifact Registry logins
   * (`projects/<project number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>`);
   * on Google Cloud, create a pool with a GitHub OIDC provider whose attribute condition
   * admits this repository only.
   * @default "${{ vars.GCP_WORKLOAD_IDENTITY_PROVIDER }}"
   */
  readonly gcpWorkloadIdentityProvider?: string;

  /**
   * The service account Google Artifact Registry logins impersonate (its email); on Google
   * Cloud, grant the provider's principal for this repository `roles/iam.workloadIdentityUser`
   * on it, and it `roles/artifactregistry.writer` on the repository.
   * @default "${{ vars.GCP_SERVICE_ACCOUNT }}"
   */
  readonly gcpServiceAccount?: string;

  /**
   * The client id (a GUID) of the Entra app or user-assigned managed identity Azure Container
   * Registry logins use; on Azure, give it federated credentials whose subjects match this
   * repository's publishing runs (`repo:<owner>/<repo>:ref:refs/heads/<default branch>`, and
   * for release tags a flexible federated credential matching `refs/tags/*`: a plain
   * credential matches one exact subject), and the `AcrPush` role on the registry.
   * @default "${{ vars.AZURE_CLIENT_ID }}"
   */
  readonly azureClientId?: string;

  /**
   * The Entra tenant id (a GUID) of that identity; on Azure, it is the directory the app or
   * managed identity belongs to.
   * @default "${{ vars.AZURE_TENANT_ID }}"
   */
  readonly azureTenantId?: string;

  /**
   * The Azure subscription id (a GUID) that holds the container registry; on Azure, the
   * identity needs at least the `AcrPush` role on the registry in it.
   * @default "${{ vars.AZURE_SUBSCRIPTION_ID }}"
   */
  readonly azureSubscriptionId?: string;
}

/**
 * The repository variables of the read-only identity the required check "Verify image digests"
 * logs in with: it runs on pull requests, whose OIDC subject (`repo:<owner>/<repo>:pull_request`)
 * the publish identity must never trust, so it has its own identity that can only read the
 * images (and their signatures). The Azure tenant and subscription are the publish identity's.
 * infra/ creates it on AWS and Google Cloud and names these variables in its outputs.
 */
export const VERIFY_VARIABLES = {
  awsRoleArn: 'AWS_VERIFY_ROLE_ARN',
  gcpWorkloadIdentityProvider: 'GCP_VERIFY_WORKLOAD_IDENTITY_PROVIDER',
  gcpServiceAccount: 'GCP_VERIFY_SERVICE_ACCOUNT',
  azureClientId: 'AZURE_VERIFY_CLIENT_ID',
} as const satisfies Partial<Record<keyof RegistryIdentity, string>>;

/**
 * A registry, by how the workflow logs in to it. `ghcr`: GitHub's Container registry of the
 * repository's own server (`githubContainerRegistryOf`), where the job's `GITHUB_TOKEN` logs in.
 */
export type Registry =
  | { readonly kind: 'ghcr' }
  | { readonly kind: 'docker-hub' }
  | { readonly kind: 'ecr'; readonly account: string; readonly region: string }
  | { readonly kind: 'artifact-registry'; readonly location: string }
  | { readonly kind: 'acr'; readonly name: string }
  | { readonly kind: 'other' };

const DOCKER_HUB = ['docker.io', 'index.docker.io', 'registry-1.docker.io'];
const ECR = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?$/;
const ECR_LIKE = /\.dkr\.ecr(?:-fips)?\..*\.amazonaws\.com(?:\.cn)?$/;
const ARTIFACT_REGISTRY = /^([a-z0-9]+(?:-[a-z0-9]+)*)-docker\.pkg\.dev$/;
const ACR = /^([a-z0-9]{5,50})\.azurecr\.io$/;

/**
 * The registry host of an image reference: its first part when that is a domain (a `.` or a
 * port, or `localhost`), else Docker Hub (github.com/distribution/reference).
 */
export function referenceHost(reference: string): string {
  const first = reference.split('/')[0];
  return reference.includes('/') && (/[.:]/.test(first) || first === 'localhost') ? first.toLowerCase() : 'docker.io';
}

/**
 * The host of GitHub's Container registry on the server `githubUrl` names: `ghcr.io` on
 * github.com, `containers.<sub>.ghe.com` on GitHub Enterprise Cloud with data residency, and
 * `containers.<host>` (its port kept) on GitHub Enterprise Server, whose Container registry
 * exists only with subdomain isolation. A server on an IP address or `localhost` cannot have
 * subdomain isolation (it needs a host name), so it has none: `undefined`.
 */
export function githubContainerRegistryOf(githubUrl: string): string | undefined {
  const server = githubServerOf(githubUrl);
  if (server.kind === GitHubServerKind.GITHUB_COM) return 'ghcr.io';
  if (/^(\d{1,3}(\.\d{1,3}){3}|localhost)(:\d+)?$/.test(server.host)) return undefined;
  return `containers.${server.host}`;
}

/** A data-residency server's Container registry host, `containers.<sub>.ghe.com`. */
const GHE_COM_CONTAINERS = /^containers\.[^.:]+\.ghe\.com$/;

/**
 * How the workflow logs in to a registry host (hosts are case-insensitive) from a repository on
 * the server `githubUrl` names: GitHub's Container registry of that server with the job's
 * `GITHUB_TOKEN`; the Container registry of another GitHub server (`ghcr.io` from GitHub
 * Enterprise) is not reached by that token, and is `other` (the option checks refuse it).
 */
export function registryOf(host: string, githubUrl: string = REPOSITORY_DEFAULTS.githubUrl): Registry {
  // Read when the synth starts, before the option checks: a host of the wrong type is reported there.
  const lower = String(host).toLowerCase();
  if (lower === githubContainerRegistryOf(githubUrl)) return { kind: 'ghcr' };
  if (DOCKER_HUB.includes(lower)) return { kind: 'docker-hub' };
  const ecr = ECR.exec(lower);
  if (ecr) return { kind: 'ecr', account: ecr[1], region: ecr[2] };
  const gar = ARTIFACT_REGISTRY.exec(lower);
  if (gar) return { kind: 'artifact-registry', location: gar[1] };
  const acr = ACR.exec(lower);
  if (acr) return { kind: 'acr', name: acr[1] };
  return { kind: 'other' };
}

/**
 * The problem of a registry that is another GitHub server's Container registry (`ghcr.io` from
 * GitHub Enterprise, `containers.<sub>.ghe.com` from elsewhere): the job's GITHUB_TOKEN is its
 * own server's, and GitHub documents that it reaches nothing on another one. `undefined` else.
 */
export function foreignGithubRegistry(registry: string, githubUrl: string): string | undefined {
  const host = String(registry).toLowerCase();
  if (registryOf(host, githubUrl).kind !== 'other' || !(host === 'ghcr.io' || GHE_COM_CONTAINERS.test(host))) return undefined;
  const server = githubServerOf(githubUrl).url;
  const own = githubContainerRegistryOf(githubUrl);
  const theirs = host === 'ghcr.io' ? 'https://github.com' : `https://${host.replace(/^containers\./, '')}`;
  const fix = own !== undefined ? `remove it (the default is ${show(own)}, ${server}'s own)` : "set a registry the workflow logs in to with secrets (e.g. 'registry.example.com')";
  return `is the Container registry of ${theirs}, but the repository is on ${server} (githubUrl), whose workflows' GITHUB_TOKEN cannot log in to another GitHub server, got ${show(registry)}; ${fix}, or set githubUrl: '${theirs}' if the repository is there`;
}

/**
 * Registry hosts that look like a cloud registry but are not one it can log in to, and image
 * paths the registry cannot take. `multi`: the repository has several services.
 */
export function checkRegistryImage(image: Service, multi: boolean): Problem[] {
  const host = image.registry.toLowerCase();
  const { githubUrl } = Repository.factsOf(image.project);
  const registry = registryOf(host, githubUrl);
  const foreign = foreignGithubRegistry(image.registry, githubUrl);
  if (foreign) return [{ option: image._optionName('registry'), message: foreign }];
  if (registry.kind === 'other' && ECR_LIKE.test(host)) {
    return [{ option: image._optionName('registry'), message: `looks like Amazon ECR but is not '<12-digit account>.dkr.ecr.<region>.amazonaws.com', got '${image.registry}'; try '123456789012.dkr.ecr.eu-west-1.amazonaws.com'` }];
  }
  if (registry.kind === 'other' && host.endsWith('.azurecr.io')) {
    return [{ option: image._optionName('registry'), message: `must be '<name>.azurecr.io' with a registry name of 5 to 50 letters and digits, got '${image.registry}'; use the login server the Azure portal shows` }];
  }
  // The default name is `<owner>/<repo>`, and `<owner>/<repo>/<service>` for a service in a folder.
  const path = image.imageName ?? (imagePathService(image) ? '<owner>/<repo>/<service>' : '<owner>/<repo>');
  const got = image.imageName === undefined ? `none (the default is '${path}')` : `'${path}'`;
  const of = multi && !image._optionPath ? `of service '${image.serviceName}' ` : '';
  const parts = path.split('/').length;
  if (registry.kind === 'artifact-registry' && parts < 3) {
    return [{ option: image._optionName('imageName'), message: `${of}on Artifact Registry must be '<project>/<repository>/<image>', got ${got}; try 'my-project/my-repository/${image.serviceName}'` }];
  }
  if (registry.kind === 'docker-hub' && parts !== 2) {
    return [{ option: image._optionName('imageName'), message: `${of}on Docker Hub must be '<namespace>/<repository>', got ${got}; try 'my-namespace/${image.serviceName}'` }];
  }
  return [];
}
