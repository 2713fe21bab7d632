export * from './branch-protection';
export * from './code-owners';
export * from './codeql-workflow';
export * from './container-build-workflow';
export * from './dependency-review-workflow';
export { DriftCheckWorkflow } from './drift-check-workflow';
export type { DriftCheckWorkflowOptions } from './drift-check-workflow';
export * from './dependency-updates';
export * from './security-policy';
