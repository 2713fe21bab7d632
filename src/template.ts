/**
 * `projen-gitops/lib/template`: the project type of a company template package, used by the
 * `.projenrc.ts` that `projen-gitops template` writes. Not part of the main entry point: a
 * second project type there would make `projen new --from projen-gitops` ask which one.
 */
export { GitOpsTemplateProject } from './project/gitops-template-project';
export type { GitOpsTemplateProjectOptions } from './project/gitops-template-project';
