export * from './argo-cd';
export { ImagePolicies, POLICY_INCLUDE_LABEL } from './image-policy';
