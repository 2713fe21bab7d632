export * from './container-image';
export * from './runtime';
export { DockerfileStageOptions } from './dockerfile-stage';
