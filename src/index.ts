export * from './container';
export * from './core';
export * from './github';
export * from './project';
export * from './helm';
export * from './model';
export * from './infra';
export * from './argocd';
