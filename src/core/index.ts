export * from './file-catalog';
export { SyncGuard, SyncGuardOptions } from './sync';
