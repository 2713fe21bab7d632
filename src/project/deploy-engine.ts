/** The GitOps engine that deploys the rendered manifests from the repository into the clusters. */
export enum DeployEngine {
  /** Argo CD: an AppProject and one Application per service and environment under `deploy/argocd/`, with deployment records. */
  ARGO_CD = 'argocd',
  /** Flux: a GitRepository and one Kustomization per environment under `deploy/flux/` (docs/flux.md); no deployment records. */
  FLUX = 'flux',
}
