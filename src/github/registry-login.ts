import { github } from 'projen';
import { ACTIONS, uses } from './actions';
import { show } from '../core/checks';
import { Problem } from '../core/validation';
import { Registry, RegistryIdentity, registryOf, VERIFY_VARIABLES } from '../model/registry';
import { kmsRegion, SigningFacts } from '../model/signing';

/** The repository variable each identity defaults to. */
const VARIABLES: Record<keyof RegistryIdentity, string> = {
  awsRoleArn: 'AWS_ROLE_ARN',
  gcpWorkloadIdentityProvider: 'GCP_WORKLOAD_IDENTITY_PROVIDER',
  gcpServiceAccount: 'GCP_SERVICE_ACCOUNT',
  azureClientId: 'AZURE_CLIENT_ID',
  azureTenantId: 'AZURE_TENANT_ID',
  azureSubscriptionId: 'AZURE_SUBSCRIPTION_ID',
};

/**
 * The identity of the required check "Verify image digests" (pull requests): the read-only verify
 * identity's repository variables, in the directory and subscription of the publish identity.
 */
export function verifyIdentity(publish: RegistryIdentity = {}): RegistryIdentity {
  const vars = Object.fromEntries(Object.entries(VERIFY_VARIABLES).map(([key, name]) => [key, `\${{ vars.${name} }}`]));
  return { azureTenantId: publish.azureTenantId, azureSubscriptionId: publish.azureSubscriptionId, ...vars };
}

/** The steps that log a job in to a registry, and what the job must be allowed for them. */
export interface RegistryLogin {
  readonly steps: github.workflows.JobStep[];
  /** The login authenticates with the job's GitHub token (GitHub's Container registry): the job needs `packages`. */
  readonly githubPackages: boolean;
  /** The login exchanges the job's OIDC token: the job needs `id-token: write`. */
  readonly oidc: boolean;
}

/**
 * The login to `host` with `identity` from a repository on the server `githubUrl` names, the
 * same for every job that pushes or pulls. GitHub's Container registry of that server
 * (`ghcr.io`, `containers.<sub>.ghe.com`, `containers.<host>` of GitHub Enterprise Server) takes
 * the job's `GITHUB_TOKEN`, as GitHub's own publishing workflow does on each.
 */
export function registryLogin(host: string, githubUrl: string, identity: RegistryIdentity = {}): RegistryLogin {
  const id = (key: keyof RegistryIdentity) => identity[key] ?? `\${{ vars.${VARIABLES[key]} }}`;
  const registry = registryOf(host, githubUrl);
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
 * The login that lets cosign use a KMS key: the cloud's OIDC login with the same identity as
 * the registry login (its repository variable by default), or Vault's address and token.
 */
export interface KmsLogin {
  readonly steps: github.workflows.JobStep[];
  /** Environment the signing (or verifying) step needs (Vault's address and token). */
  readonly env: Record<string, string>;
  readonly oidc: boolean;
}

export function kmsLogin(signing: SigningFacts, identity: RegistryIdentity = {}): KmsLogin {
  const id = (key: keyof RegistryIdentity) => identity[key] ?? `\${{ vars.${VARIABLES[key]} }}`;
  switch (signing.kmsProvider) {
    case 'aws':
      return {
        oidc: true,
        env: {},
        steps: [{
          name: 'Assume the AWS role that may sign with the KMS key (OIDC)',
          uses: uses(ACTIONS.awsCredentials),
          with: { 'role-to-assume': id('awsRoleArn'), 'aws-region': kmsRegion(signing.key ?? '') ?? '' },
        }],
      };
    case 'gcp':
      return {
        oidc: true,
        env: {},
        steps: [{
          // cosign reads Application Default Credentials: the file this step writes (after the build, outside the image).
          name: 'Authenticate to Google Cloud for the KMS key (OIDC)',
          uses: uses(ACTIONS.gcpAuth),
          with: { workload_identity_provider: id('gcpWorkloadIdentityProvider'), service_account: id('gcpServiceAccount') },
        }],
      };
    case 'azure':
      return {
        oidc: true,
        env: {},
        steps: [{
          name: 'Log in to Azure for the Key Vault key (OIDC)',
          uses: uses(ACTIONS.azureLogin),
          with: { 'client-id': id('azureClientId'), 'tenant-id': id('azureTenantId'), 'subscription-id': id('azureSubscriptionId') },
        }],
      };
    case 'vault':
      return { oidc: false, env: { VAULT_ADDR: '${{ vars.VAULT_ADDR }}', VAULT_TOKEN: '${{ secrets.VAULT_TOKEN }}' }, steps: [] };
    default:
      return { oidc: false, env: {}, steps: [] };
  }
}
