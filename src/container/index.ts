export * from './container-image';
export * from './runtime';
export type { DockerfileStageOptions } from './dockerfile-stage';
