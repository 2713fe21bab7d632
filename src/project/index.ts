export * from './gitops-project';
export * from './repo-readme';
export * from './gitops-template-project';
