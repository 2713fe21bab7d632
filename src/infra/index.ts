export { Infrastructure, Iac, SHARED_ROOT, INFRA_DIR } from './infrastructure';
export type { InfrastructureOptions, InfraRoot } from './infrastructure';
export { InfraWorkflow } from './infra-workflow';
