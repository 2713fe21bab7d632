/**
 * One option set per kind of generated repository the tests cover: every runtime preset, every
 * way of logging in to a registry, multi-service repositories (mixed runtimes and registries),
 * the switches that change which workflows exist, and a deployment (Helm charts, environments,
 * rendered manifests under deploy/). The security scanners (zizmor, checkov)
 * run once over all of them (`test/scanners.test.ts`); add a configuration here when a new
 * option changes what is generated.
 */
import * as fs from 'fs';
import * as path from 'path';
import { GitOpsProject, GitOpsProjectOptions, Iac, RepositoryVisibility, Runtime, SigningMode } from '../src';
import { gitopsProject, synth } from './util';

export interface Configuration {
  readonly name: string;
  readonly options?: Partial<GitOpsProjectOptions>;
  /** Further services added after construction. */
  readonly services?: Parameters<GitOpsProject['addService']>[0][];
}

const ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const GAR = 'europe-west1-docker.pkg.dev';
const ACR = 'myregistry.azurecr.io';

export const CONFIGURATIONS: Configuration[] = [
  // Every runtime preset at the root (pnpm and Yarn need a folder of their own: see
  // multi-service; the custom one brings its own Dockerfile).
  ...Object.values(Runtime).filter((r) => ![Runtime.CUSTOM, Runtime.NODE_PNPM, Runtime.NODE_YARN].includes(r)).map((runtime) => ({ name: `runtime-${runtime}`, options: { runtime } })),
  { name: 'runtime-custom', options: { runtime: Runtime.CUSTOM, dockerfile: 'Dockerfile' } },
  // Every way of logging in to a registry.
  { name: 'registry-dockerhub', options: { registry: 'docker.io', imageName: 'acme/orders' } },
  { name: 'registry-ecr', options: { registry: ECR, imageName: 'acme/orders' } },
  { name: 'registry-gar', options: { registry: GAR, imageName: 'my-project/containers/orders' } },
  { name: 'registry-acr', options: { registry: ACR } },
  { name: 'registry-other', options: { registry: 'registry.example.com', imageName: 'acme/orders' } },
  // Switches that change the workflows.
  { name: 'unsigned-private', options: { signImages: false, codeScanning: false, dependabot: false } },
  { name: 'multi-platform', options: { platforms: ['linux/amd64', 'linux/arm64'], scanSeverity: 'HIGH' } },
  { name: 'no-drift-check', options: { driftCheck: false, settingsApp: true, codeOwners: ['@acme/orders'] } },
  // Every signing mode (the deployment below signs with the default, GitHub artifact attestations),
  // with promotion, which verifies with the same mode.
  { name: 'signing-keyless', options: { repository: 'acme/orders', visibility: RepositoryVisibility.PUBLIC, environments: [{ name: 'dev' }, { name: 'prod' }], deliveryMetrics: true } },
  {
    name: 'signing-kms-aws',
    options: { registry: ECR, imageName: 'acme/orders', repository: 'acme/orders', environments: [{ name: 'dev' }, { name: 'prod', gates: { soak: '1h' } }], signing: { mode: SigningMode.KMS_KEY, key: 'awskms:///arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' } },
  },
  { name: 'signing-kms-gcp', options: { registry: GAR, imageName: 'my-project/containers/orders', signing: { mode: SigningMode.KMS_KEY, key: 'gcpkms://projects/my-project/locations/global/keyRings/signing/cryptoKeys/images' } } },
  { name: 'signing-kms-azure', options: { registry: ACR, signing: { mode: SigningMode.KMS_KEY, key: 'azurekms://my-vault.vault.azure.net/images' } } },
  {
    name: 'signing-kms-vault-public',
    options: { repository: 'acme/orders', visibility: RepositoryVisibility.PUBLIC, environments: [{ name: 'dev' }, { name: 'prod' }], signing: { mode: SigningMode.KMS_KEY, key: 'hashivault://images' } },
  },
  // infra/ (Terraform on ECR, OpenTofu on Artifact Registry) and its workflow.
  { name: 'infra-ecr', options: { registry: ECR, imageName: 'acme/orders', repository: 'acme/orders', iac: Iac.TERRAFORM } },
  { name: 'infra-gar', options: { registry: GAR, imageName: 'my-project/containers/orders', repository: 'acme/orders', iac: Iac.OPENTOFU } },
  // A company's private npm registry (token secret into every npm ci) and base-image mirror in
  // its own registry (pin-base-images logs in to it), with promotion and infra.
  {
    name: 'private-registries',
    options: {
      repository: 'acme/orders',
      registry: ECR,
      iac: Iac.TERRAFORM,
      npmRegistry: { url: 'https://npm.acme.example/repository/npm/', scope: '@acme', tokenSecret: 'ACME_NPM_TOKEN' },
      baseImageMirror: `${ECR}/hub`,
    },
    services: [{ name: 'worker', runtime: Runtime.GO }],
  },
  // Several services: runtimes and registries mixed.
  {
    name: 'multi-service',
    options: { registry: ECR, imageName: 'acme/orders' },
    services: [
      { name: 'worker', runtime: Runtime.GO, registry: GAR, imageName: 'my-project/containers/worker' },
      { name: 'web', runtime: Runtime.NODE_PNPM, registry: 'ghcr.io' },
      { name: 'cron', runtime: Runtime.PYTHON, registry: ACR },
      { name: 'ui', runtime: Runtime.NODE_YARN },
    ],
  },
  // The deployment: two services, three environments, an Ingress, an HTTPRoute and autoscaling.
  {
    name: 'deploy',
    options: {
      repository: 'acme/orders',
      environments: [
        { name: 'dev' },
        // Promotion gates: the schedule, the statuses and the evidence upload are scanned too.
        { name: 'staging', overrides: { replicas: 3 }, gates: { soak: '24h', requireHealthy: true } },
        {
          name: 'prod',
          overrides: { maxReplicas: 10, memoryLimit: '512Mi' },
          services: { worker: { host: 'worker.example.com', gateway: 'gateway-system/public' } },
          gates: { approvals: 1, windows: { timeZone: 'Europe/Berlin', deny: [{ name: 'year-end freeze', start: '0 0 20 12 *', duration: '14d' }] } },
        },
      ],
      deployment: { host: 'orders.example.com', ingressClassName: 'nginx', allowFromNamespaces: ['ingress-nginx'] },
    },
    services: [{ name: 'worker', runtime: Runtime.GO, port: 9090, healthPath: '/ready' }],
  },
];

/** The project of a configuration, in a temp directory. */
export function configurationProject(configuration: Configuration): GitOpsProject {
  const project = gitopsProject(configuration.options);
  for (const service of configuration.services ?? []) project.addService(service);
  return project;
}

/** What `writeConfigurations` wrote, relative to its `dir`. */
export interface Written {
  readonly workflows: string[];
  readonly dockerfiles: string[];
  /** Rendered Kubernetes manifests (`deploy/rendered/<env>/<service>.yaml`). */
  readonly manifests: string[];
  /** Helm chart folders (`deploy/charts/<service>`). */
  readonly charts: string[];
  /** Terraform/OpenTofu files (`infra/**.tf`). */
  readonly hcl: string[];
}

/**
 * Synthesizes every configuration into `dir/<name>/` (each a whole generated repository) and
 * returns the paths of the workflows, Dockerfiles, rendered manifests, charts and infra HCL written.
 */
export function writeConfigurations(dir: string, configurations = CONFIGURATIONS): Written {
  const workflows: string[] = [];
  const dockerfiles: string[] = [];
  const manifests: string[] = [];
  const charts = new Set<string>();
  const hcl: string[] = [];
  for (const configuration of configurations) {
    const out = synth(configurationProject(configuration));
    for (const [file, content] of Object.entries(out)) {
      const target = path.join(dir, configuration.name, file);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, typeof content === 'string' ? content : JSON.stringify(content, undefined, 2));
      const rel = path.join(configuration.name, file);
      if (/^\.github\/workflows\/[^/]+\.ya?ml$/.test(file)) workflows.push(rel);
      if (path.basename(file) === 'Dockerfile') dockerfiles.push(rel);
      if (/^deploy\/rendered\/[^/]+\/[^/]+\.yaml$/.test(file)) manifests.push(rel);
      const chart = /^(deploy\/charts\/[^/]+)\/Chart\.yaml$/.exec(file);
      if (chart) charts.add(path.join(configuration.name, chart[1]));
      if (/^infra\/.*\.tf$/.test(file)) hcl.push(rel);
    }
  }
  return { workflows, dockerfiles, manifests, charts: [...charts], hcl };
}
