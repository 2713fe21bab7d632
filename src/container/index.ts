export * from './container-image';
export * from './runtime';
