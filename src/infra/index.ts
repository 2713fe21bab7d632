export { Infrastructure, SHARED_ROOT } from './infrastructure';
export type { InfrastructureOptions } from './infrastructure';
