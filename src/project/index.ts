export * from './deploy-engine';
export * from './gitops-project';
export * from './repo-readme';
