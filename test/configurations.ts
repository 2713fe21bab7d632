/**
 * One option set per kind of generated repository the tests cover: every runtime preset, every
 * way of logging in to a registry, multi-service repositories (mixed runtimes and registries),
 * and the switches that change which workflows exist. The security scanners (zizmor, checkov)
 * run once over all of them (`test/scanners.test.ts`); add a configuration here when a new
 * option changes what is generated.
 */
import * as fs from 'fs';
import * as path from 'path';
import { GitOpsProject, GitOpsProjectOptions, Runtime } from '../src';
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
];

/** The project of a configuration, in a temp directory. */
export function configurationProject(configuration: Configuration): GitOpsProject {
  const project = gitopsProject(configuration.options);
  for (const service of configuration.services ?? []) project.addService(service);
  return project;
}

/**
 * Synthesizes every configuration into `dir/<name>/` (each a whole generated repository) and
 * returns the paths of the workflows and Dockerfiles written, relative to `dir`.
 */
export function writeConfigurations(dir: string, configurations = CONFIGURATIONS): { workflows: string[]; dockerfiles: string[] } {
  const workflows: string[] = [];
  const dockerfiles: string[] = [];
  for (const configuration of configurations) {
    const out = synth(configurationProject(configuration));
    for (const [file, content] of Object.entries(out)) {
      const target = path.join(dir, configuration.name, file);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, typeof content === 'string' ? content : JSON.stringify(content, undefined, 2));
      const rel = path.join(configuration.name, file);
      if (/^\.github\/workflows\/[^/]+\.ya?ml$/.test(file)) workflows.push(rel);
      if (path.basename(file) === 'Dockerfile') dockerfiles.push(rel);
    }
  }
  return { workflows, dockerfiles };
}
