export * from './argo-cd';
export * from './promotion';
export { ImagePolicies, POLICY_INCLUDE_LABEL } from './image-policy';
