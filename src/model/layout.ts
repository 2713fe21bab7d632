/**
 * The deploy layout: the paths the renderers write and the CLI reads. A path used by more than
 * one folder is spelt here once (`deploy/environments/<env>/images.yaml` is written by
 * promotion pull requests, read by the chart, the deploy check and the `promote` command).
 */

/** The folder of everything deployed: charts, environments, rendered manifests, Argo CD objects, policies. */
export const DEPLOY_DIR = 'deploy';

/** A service's Helm chart: `deploy/charts/<service>`. */
export function chartDir(service: string): string {
  return `${DEPLOY_DIR}/charts/${service}`;
}

/** An environment's values folder: `deploy/environments/<env>/values`. */
export function valuesDir(env: string): string {
  return `${DEPLOY_DIR}/environments/${env}/values`;
}

/** A service's values in an environment: `deploy/environments/<env>/values/<service>.yaml`. */
export function valuesFile(env: string, service: string): string {
  return `${valuesDir(env)}/${service}.yaml`;
}

/** An environment's rendered manifests: `deploy/rendered/<env>`. */
export function renderedDir(env: string): string {
  return `${DEPLOY_DIR}/rendered/${env}`;
}

/** A service's rendered manifests in an environment: `deploy/rendered/<env>/<service>.yaml`. */
export function renderedFile(env: string, service: string): string {
  return `${renderedDir(env)}/${service}.yaml`;
}

/** The Argo CD objects: `deploy/argocd`. */
export const ARGOCD_DIR = `${DEPLOY_DIR}/argocd`;

/** The admission policies, one folder per environment: `deploy/policies`. */
export const POLICIES_DIR = `${DEPLOY_DIR}/policies`;

/** `deploy/environments/<env>/images.yaml`, relative to the repository root. */
export function imagesFile(env: string): string {
  return `${DEPLOY_DIR}/environments/${env}/images.yaml`;
}

/** The folder of the infrastructure as code (`Infrastructure`). */
export const INFRA_DIR = 'infra';

/** A GitHub workflow's file, from its name (`.github/workflows/<name>.yml`). */
export function workflowPath(name: string): string {
  return `.github/workflows/${name}.yml`;
}

/** The workflow that builds, pushes and signs the images: its name and file (the signer identity names the file). */
export const CONTAINER_WORKFLOW = { name: 'container', path: workflowPath('container') } as const;
