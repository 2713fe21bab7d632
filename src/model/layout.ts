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

/** `deploy/environments/<env>/images.yaml`, relative to the repository root. */
export function imagesFile(env: string): string {
  return `${DEPLOY_DIR}/environments/${env}/images.yaml`;
}

/** The folder of the infrastructure as code (`Infrastructure`). */
export const INFRA_DIR = 'infra';
