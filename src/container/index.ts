export * from './container-image';
export type { DockerfileStageOptions } from './dockerfile-stage';
