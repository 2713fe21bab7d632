export * from './file-catalog';
export { SyncGuard } from './sync';
export type { SyncGuardOptions } from './sync';
