/**
 * THE CONTRACT between whatever writes deployment records (the Argo CD notifications template
 * under `deploy/argocd/`) and what reads them (the promotion gates of `projen-gitops promote`:
 * soak and health). Change it only on both sides at once.
 *
 * A deployment record is a GitHub deployment with its deployment statuses (REST API,
 * `/repos/{owner}/{repo}/deployments` and `.../deployments/{id}/statuses`):
 * - `environment`: the environment's name as in `.projenrc.ts` (`deploymentEnvironment`), one
 *   GitHub environment per deployed environment, shared by its services' Applications;
 * - `ref` (GitHub answers it as `sha` too): the commit of this repository Argo CD synced
 *   (`app.status.sync.revision`). The digests it runs are read from git:
 *   `deploy/environments/<env>/images.yaml` at that commit. Argo CD's GitHub notifier cannot
 *   write a deployment payload, so the payload is not part of the contract;
 * - `task`: `deploy` (GitHub's default);
 * - statuses, by `state` (`DeploymentState`): `success` when the Application is synced and
 *   healthy, `failure` when it is degraded (unhealthy) or its sync failed (what
 *   `argocd/notifications.ts` writes), `error` (read as `failure`: another writer may use it),
 *   `in_progress` while it syncs or progresses. `created_at` is when Argo CD reported it.
 */

/** A GitHub deployment status state, as the notifications write them and the gates read them. */
export enum DeploymentState {
  /** Synced and healthy. */
  SUCCESS = 'success',
  /** Degraded: the environment reported unhealthy (resets the soak). */
  FAILURE = 'failure',
  /** The sync failed (resets the soak). */
  ERROR = 'error',
  /** Syncing or progressing. */
  IN_PROGRESS = 'in_progress',
}

/** The GitHub deployment environment of a deployed environment: its name. */
export function deploymentEnvironment(environment: string): string {
  return environment;
}

/** One deployment record as the gates read it (internal). */
export interface DeploymentRecord {
  /** The deployment's id. */
  readonly id: number;
  /** The environment (`deploymentEnvironment`). */
  readonly environment: string;
  /** The commit of this repository that was synced. */
  readonly sha: string;
  /** When the deployment was created (ISO 8601). */
  readonly createdAt: string;
  /** Its statuses, oldest first. */
  readonly statuses: ReadonlyArray<{ readonly state: string; readonly createdAt: string; readonly description?: string }>;
}

/** States that reset the soak: the environment reported it was not healthy. */
export const UNHEALTHY_STATES: readonly string[] = [DeploymentState.FAILURE, DeploymentState.ERROR];
