export * from './branch-protection';
export * from './codeql-workflow';
export * from './container-build-workflow';
