/** The GitOps engine that deploys the rendered manifests from the repository into the clusters. */
export enum DeployEngine {
  /** Argo CD: an AppProject and one Application per service and environment under `deploy/argocd/`, with deployment records. */
  ARGO_CD = 'argocd',
  /** Flux: a GitRepository and one Kustomization per environment under `deploy/flux/` (docs/flux.md); no deployment records. */
  FLUX = 'flux',
}

/** What a person reads: "Argo CD" or "Flux". */
export function deployEngineName(engine: DeployEngine): string {
  return engine === DeployEngine.FLUX ? 'Flux' : 'Argo CD';
}
