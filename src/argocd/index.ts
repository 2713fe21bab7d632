export * from './argo-cd';
export * from './promotion';
