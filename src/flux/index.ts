export * from './flux-sync';
