import { github } from 'projen';
import { ACTIONS, uses } from './actions';
import { ContainerImage } from '../container/container-image';
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
   * GitHub's OIDC provider (`token.actions.githubusercontent.com`) to IAM and let it assume
   * this role for this repository only, with permission to push to the ECR repository.
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

/** The repository variable each identity defaults to. */
const VARIABLES: Record<keyof RegistryIdentity, string> = {
  awsRoleArn: 'AWS_ROLE_ARN',
  gcpWorkloadIdentityProvider: 'GCP_WORKLOAD_IDENTITY_PROVIDER',
  gcpServiceAccount: 'GCP_SERVICE_ACCOUNT',
  azureClientId: 'AZURE_CLIENT_ID',
  azureTenantId: 'AZURE_TENANT_ID',
  azureSubscriptionId: 'AZURE_SUBSCRIPTION_ID',
};

/** A registry, by how the workflow logs in to it. */
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

/** How the workflow logs in to a registry host (hosts are case-insensitive). */
export function registryOf(host: string): Registry {
  const lower = host.toLowerCase();
  if (lower === 'ghcr.io') return { kind: 'ghcr' };
  if (DOCKER_HUB.includes(lower)) return { kind: 'docker-hub' };
  const ecr = ECR.exec(lower);
  if (ecr) return { kind: 'ecr', account: ecr[1], region: ecr[2] };
  const gar = ARTIFACT_REGISTRY.exec(lower);
  if (gar) return { kind: 'artifact-registry', location: gar[1] };
  const acr = ACR.exec(lower);
  if (acr) return { kind: 'acr', name: acr[1] };
  return { kind: 'other' };
}

/** The steps that log a job in to a registry, and what the job must be allowed for them. */
export interface RegistryLogin {
  readonly steps: github.workflows.JobStep[];
  /** The login authenticates with the job's GitHub token (GHCR): the job needs `packages`. */
  readonly githubPackages: boolean;
  /** The login exchanges the job's OIDC token: the job needs `id-token: write`. */
  readonly oidc: boolean;
}

/** The login to `host` with `identity`, the same for every job that pushes or pulls. */
export function registryLogin(host: string, identity: RegistryIdentity = {}): RegistryLogin {
  const id = (key: keyof RegistryIdentity) => identity[key] ?? `\${{ vars.${VARIABLES[key]} }}`;
  const registry = registryOf(host);
  switch (registry.kind) {
    case 'ghcr':
      return {
        githubPackages: true,
        oidc: false,
        steps: [{
          name: 'Log in to the registry',
          uses: uses(ACTIONS.login),
          with: { registry: host, username: '${{ github.actor }}', password: '${{ secrets.GITHUB_TOKEN }}' },
        }],
      };
    case 'docker-hub':
      return {
        githubPackages: false,
        oidc: false,
        // Without `registry`, login-action logs in to Docker Hub. An access token, not the password.
        steps: [{
          name: 'Log in to Docker Hub',
          uses: uses(ACTIONS.login),
          with: { username: '${{ vars.DOCKERHUB_USERNAME }}', password: '${{ secrets.DOCKERHUB_TOKEN }}' },
        }],
      };
    case 'ecr':
      return {
        githubPackages: false,
        oidc: true,
        steps: [
          {
            name: 'Assume the AWS role (OIDC)',
            uses: uses(ACTIONS.awsCredentials),
            with: { 'role-to-assume': id('awsRoleArn'), 'aws-region': registry.region },
          },
          {
            name: 'Log in to Amazon ECR',
            uses: uses(ACTIONS.ecrLogin),
            // The image's account, even when the role lives in another one.
            with: { registries: registry.account },
          },
        ],
      };
    case 'artifact-registry':
      return {
        githubPackages: false,
        oidc: true,
        steps: [
          {
            name: 'Authenticate to Google Cloud (OIDC)',
            id: 'gcp-auth',
            uses: uses(ACTIONS.gcpAuth),
            with: {
              token_format: 'access_token',
              workload_identity_provider: id('gcpWorkloadIdentityProvider'),
              service_account: id('gcpServiceAccount'),
              // The default writes a credentials file into the checkout, the build context.
              create_credentials_file: false,
            },
          },
          {
            name: 'Log in to Artifact Registry',
            uses: uses(ACTIONS.login),
            with: { registry: host, username: 'oauth2accesstoken', password: '${{ steps.gcp-auth.outputs.access_token }}' },
          },
        ],
      };
    case 'acr':
      return {
        githubPackages: false,
        oidc: true,
        steps: [
          {
            name: 'Log in to Azure (OIDC)',
            uses: uses(ACTIONS.azureLogin),
            with: { 'client-id': id('azureClientId'), 'tenant-id': id('azureTenantId'), 'subscription-id': id('azureSubscriptionId') },
          },
          {
            // The name is a validated literal (5 to 50 letters and digits), never an expression.
            name: 'Log in to Azure Container Registry',
            run: `az acr login --name ${registry.name}`,
          },
        ],
      };
    default:
      return {
        githubPackages: false,
        oidc: false,
        steps: [{
          name: 'Log in to the registry',
          uses: uses(ACTIONS.login),
          with: { registry: host, username: '${{ secrets.REGISTRY_USERNAME }}', password: '${{ secrets.REGISTRY_PASSWORD }}' },
        }],
      };
  }
}

/** A repository variable or secret, for identities kept under another name. */
const EXPRESSION = /^\$\{\{\s*(?:vars|secrets)\.[A-Za-z_][A-Za-z0-9_]*\s*\}\}$/;
const ROLE_ARN = /^arn:aws(?:-cn|-us-gov)?:iam::\d{12}:role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
const WORKLOAD_IDENTITY_PROVIDER = /^projects\/\d+\/locations\/global\/workloadIdentityPools\/[a-z0-9-]{4,32}\/providers\/[a-z0-9-]{4,32}$/;
const SERVICE_ACCOUNT = /^[a-z0-9][a-z0-9-]{0,62}@[a-z0-9][a-z0-9.:-]*\.gserviceaccount\.com$/;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

const SHAPES: Record<keyof RegistryIdentity, { pattern: RegExp; what: string }> = {
  awsRoleArn: { pattern: ROLE_ARN, what: "an IAM role ARN like 'arn:aws:iam::123456789012:role/github-publish'" },
  gcpWorkloadIdentityProvider: {
    pattern: WORKLOAD_IDENTITY_PROVIDER,
    what: "a provider name like 'projects/123456789012/locations/global/workloadIdentityPools/github/providers/my-repo' (the project number, not its id)",
  },
  gcpServiceAccount: { pattern: SERVICE_ACCOUNT, what: "a service account email like 'publisher@my-project.iam.gserviceaccount.com'" },
  azureClientId: { pattern: GUID, what: "a GUID like '00000000-0000-0000-0000-000000000000'" },
  azureTenantId: { pattern: GUID, what: "a GUID like '00000000-0000-0000-0000-000000000000'" },
  azureSubscriptionId: { pattern: GUID, what: "a GUID like '00000000-0000-0000-0000-000000000000'" },
};

/** Problems of the identities that are set (`option` is `registryIdentity.<name>`). */
export function checkRegistryIdentity(identity: RegistryIdentity = {}): Problem[] {
  const problems: Problem[] = [];
  for (const key of Object.keys(SHAPES) as (keyof RegistryIdentity)[]) {
    const value = identity[key];
    if (value === undefined) continue;
    const { pattern, what } = SHAPES[key];
    if (typeof value !== 'string' || !(pattern.test(value) || EXPRESSION.test(value))) {
      problems.push({
        option: `registryIdentity.${key}`,
        message: `must be ${what} or a \`\${{ vars.NAME }}\` expression, got ${show(value)}; fix it, or leave it unset to read the repository variable ${VARIABLES[key]}`,
      });
    }
  }
  return problems;
}

const IDENTITY_CLOUDS: Array<{ prefix: string; kind: Registry['kind']; name: string; example: string }> = [
  { prefix: 'aws', kind: 'ecr', name: 'Amazon ECR', example: '123456789012.dkr.ecr.eu-west-1.amazonaws.com' },
  { prefix: 'gcp', kind: 'artifact-registry', name: 'Google Artifact Registry', example: 'europe-west1-docker.pkg.dev' },
  { prefix: 'azure', kind: 'acr', name: 'Azure Container Registry', example: 'myregistry.azurecr.io' },
];

function describeRegistries(registries: string[]): string {
  const unique = [...new Set(registries)];
  return `the registr${unique.length === 1 ? 'y is' : 'ies are'} ${unique.map((r) => show(r)).join(', ')}`;
}

/**
 * Identities of a cloud no image is pushed to: the login that would use them is never
 * written, so they cannot take effect (a switch that does nothing is an error, not silence).
 */
export function unusedIdentities(identity: RegistryIdentity = {}, registries: string[]): Problem[] {
  const kinds = new Set(registries.map((host) => registryOf(host).kind));
  return (Object.keys(identity) as (keyof RegistryIdentity)[]).flatMap((key) => {
    const cloud = IDENTITY_CLOUDS.find((c) => key.startsWith(c.prefix));
    if (!cloud || identity[key] === undefined || kinds.has(cloud.kind)) return [];
    return [{
      option: `registryIdentity.${key}`,
      message: `has no effect: no image is pushed to ${cloud.name} (${describeRegistries(registries)}); remove it, or set registry: '${cloud.example}'`,
    }];
  });
}

/**
 * Registry hosts that look like a cloud registry but are not one it can log in to, and image
 * paths the registry cannot take. `multi`: the repository has several services.
 */
export function checkRegistryImage(image: ContainerImage, multi: boolean): Problem[] {
  const host = image.registry.toLowerCase();
  const registry = registryOf(host);
  if (registry.kind === 'other' && ECR_LIKE.test(host)) {
    return [{ option: image._optionName('registry'), message: `looks like Amazon ECR but is not '<12-digit account>.dkr.ecr.<region>.amazonaws.com', got '${image.registry}'; try '123456789012.dkr.ecr.eu-west-1.amazonaws.com'` }];
  }
  if (registry.kind === 'other' && host.endsWith('.azurecr.io')) {
    return [{ option: image._optionName('registry'), message: `must be '<name>.azurecr.io' with a registry name of 5 to 50 letters and digits, got '${image.registry}'; use the login server the Azure portal shows` }];
  }
  // The default name is `<owner>/<repo>`, and `<owner>/<repo>/<service>` for a service in a folder.
  const path = image.imageName ?? (multi && image.context !== '.' ? '<owner>/<repo>/<service>' : '<owner>/<repo>');
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
