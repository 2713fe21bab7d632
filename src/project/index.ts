export * from './gitops-project';
export * from './repo-readme';
