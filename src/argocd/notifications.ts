/**
 * Deployment records: Argo CD notifications configuration
 * (`deploy/argocd/notifications/argocd-notifications-cm.yaml`)
 * that makes Argo CD write, through its GitHub service, for every Application of this
 * repository (subscribed by annotations on the Application):
 * - a GitHub **deployment** per environment: `environment` = the environment's name, `ref` = the
 *   git revision Argo CD synced (`.app.status.sync.revision`), no required contexts, no
 *   auto-merge (a rollback deploys an older revision); the description names the Application
 *   and its images (Argo CD's GitHub service has no `payload` field);
 * - **deployment statuses**: `success` when synced and healthy, `in_progress` while a sync runs,
 *   `failure` when the health is Degraded or the sync failed;
 * - a **commit status** on the revision per Application, context `deploy/<env>/<application>`:
 *   `success`, `pending`, `failure` for the same events.
 * Field names are those of argoproj/notifications-engine `pkg/services/github.go`
 * (`github.deployment.{state,environment,environmentURL,logURL,requiredContexts,autoMerge}`,
 * `github.status.{state,label,targetURL}`, `github.revisionPath`), and of its GitHub service
 * (`appID`, `installationID`, `privateKey`, `enterpriseBaseURL`).
 */
import { DeploymentState } from '../model/deployment-record';
import { toDnsLabel } from '../model/environments';
import { REPOSITORY_DEFAULTS } from '../model/repository';

/** Argo CD's notifications ConfigMap (one per Argo CD instance, shared by every repository). */
export const NOTIFICATIONS_CONFIG_MAP = 'argocd-notifications-cm';
/** The Secret whose keys `$name` in the ConfigMap refers to (Argo CD's, created by its install). */
export const NOTIFICATIONS_SECRET = 'argocd-notifications-secret';
/** The label on every Application that names its environment (the template reads it). */
export const ENVIRONMENT_LABEL = 'projen-gitops.dev/environment';

/** The states these notifications write (of the contract's `DeploymentState`): a failed sync is written as `failure`, as a degraded health. */
type DeploymentRecordState = DeploymentState.SUCCESS | DeploymentState.IN_PROGRESS | DeploymentState.FAILURE;
const WRITTEN: readonly DeploymentRecordState[] = [DeploymentState.SUCCESS, DeploymentState.IN_PROGRESS, DeploymentState.FAILURE];

/** What the gates read back: the commit status context of an Application in an environment. */
export function commitStatusContext(environment: string, application: string): string {
  return `deploy/${environment}/${application}`;
}

/** The names of one repository's notifications objects: prefixed so repositories share the ConfigMap. */
export interface NotificationNames {
  /** `service.github.<service>`: the GitHub service (App credentials). */
  readonly service: string;
  /** Argo CD catalog trigger (on-deployed, ...) → this repository's trigger of that name and the state it records. */
  readonly triggers: Record<string, { readonly name: string; readonly state: DeploymentRecordState }>;
  /** state → template name. */
  readonly templates: Record<DeploymentRecordState, string>;
  /** The Secret's keys the user creates. */
  readonly secretKeys: { readonly appId: string; readonly installationId: string; readonly privateKey: string };
}

/** The names for a project: every key carries the project's name (a DNS label, no dot: Argo CD splits service keys on dots). */
export function notificationNames(projectName: string): NotificationNames {
  const p = toDnsLabel(projectName.replace(/\./g, '-').slice(0, 40), 'app');
  return {
    service: `${p}-github`,
    triggers: {
      'on-deployed': { name: `${p}-on-deployed`, state: DeploymentState.SUCCESS },
      'on-sync-running': { name: `${p}-on-sync-running`, state: DeploymentState.IN_PROGRESS },
      'on-health-degraded': { name: `${p}-on-health-degraded`, state: DeploymentState.FAILURE },
      'on-sync-failed': { name: `${p}-on-sync-failed`, state: DeploymentState.FAILURE },
    },
    templates: {
      [DeploymentState.SUCCESS]: `${p}-deployment-success`,
      [DeploymentState.IN_PROGRESS]: `${p}-deployment-in-progress`,
      [DeploymentState.FAILURE]: `${p}-deployment-failure`,
    },
    secretKeys: { appId: `${p}-github-app-id`, installationId: `${p}-github-installation-id`, privateKey: `${p}-github-private-key` },
  };
}

/**
 * Every trigger waits for a status with a synced revision: an Application the controller has
 * not looked at yet has no `status` (the catalog's conditions then fail to evaluate, logged as
 * errors), and one whose first sync is running may have no `sync.revision` yet (a record would
 * go to the commit `<no value>`: GitHub answers 404 and the in-progress record is lost). Both
 * seen with the real notifications controller in test/e2e/loop.test.ts.
 */
const REVISION_KNOWN = "app.status != nil and app.status.sync != nil and app.status.sync.revision != nil and app.status.sync.revision != ''";

/**
 * When each trigger fires: the conditions of Argo CD's own catalog (notifications_catalog/triggers,
 * v3.6: on-deployed, on-sync-running, on-health-degraded, on-sync-failed), plus Progressing
 * health as in progress, each behind `REVISION_KNOWN`. Once per synced revision.
 */
const CATALOG_CONDITIONS: Record<string, string> = {
  'on-deployed': "app.status.operationState != nil and app.status.operationState.phase in ['Succeeded'] and app.status.health.status == 'Healthy' and (!time.Parse(app.status.health.lastTransitionTime).Add(1 * time.Minute).Before(time.Parse(app.status.operationState.finishedAt)) or time.Parse(app.status.health.lastTransitionTime).Before(time.Parse(app.status.operationState.startedAt)))",
  'on-sync-running': "app.status.operationState != nil and app.status.operationState.phase in ['Running'] or app.status.health.status == 'Progressing'",
  'on-health-degraded': "app.status.health.status == 'Degraded'",
  'on-sync-failed': "app.status.operationState != nil and app.status.operationState.phase in ['Error', 'Failed']",
};
const CONDITIONS: Record<string, string> = Object.fromEntries(Object.entries(CATALOG_CONDITIONS).map(([trigger, when]) => [trigger, `${REVISION_KNOWN} and (${when})`]));
const ONCE_PER = 'app.status.sync.revision';

/** The commit status state for a deployment state (commit statuses have no in_progress). */
const COMMIT_STATE: Record<DeploymentRecordState, string> = { success: 'success', in_progress: 'pending', failure: 'failure' };
const DESCRIPTION: Record<DeploymentRecordState, string> = { success: 'synced and healthy', in_progress: 'syncing', failure: 'degraded or failed to sync' };

/**
 * The `argocd-notifications-cm` ConfigMap with this repository's keys (data values are YAML
 * text, as Argo CD reads them). `githubApiUrl` is the REST API root of the repository's GitHub
 * server: anything but api.github.com goes into the service's `enterpriseBaseURL`, which
 * notifications-engine hands to ghinstallation as is (the App token: `<url>/app/installations/<id>/access_tokens`)
 * and to go-github's `WithEnterpriseURLs` (which adds `/api/v3/` unless the URL ends with it or
 * its host starts with `api.`): the API root itself is right for both.
 */
export function notificationsConfigMap(
  projectName: string, namespace: string, stringify: (value: unknown) => string, githubApiUrl: string = REPOSITORY_DEFAULTS.githubApiUrl,
): object {
  const names = notificationNames(projectName);
  const env = `{{index .app.metadata.labels "${ENVIRONMENT_LABEL}"}}`;
  const appUrl = '{{if .context.argocdUrl}}{{.context.argocdUrl}}/applications/{{.app.metadata.namespace}}/{{.app.metadata.name}}?operation=true{{end}}';
  const data: Record<string, string> = {
    // The GitHub App's credentials: `$key` is a key of argocd-notifications-secret (the user's).
    [`service.github.${names.service}`]: stringify({
      appID: `$${names.secretKeys.appId}`,
      installationID: `$${names.secretKeys.installationId}`,
      privateKey: `$${names.secretKeys.privateKey}`,
      ...(githubApiUrl.replace(/\/+$/, '') === REPOSITORY_DEFAULTS.githubApiUrl ? {} : { enterpriseBaseURL: githubApiUrl.replace(/\/+$/, '') }),
    }),
  };
  for (const state of WRITTEN) {
    data[`template.${names.templates[state]}`] = stringify({
      // The statuses' description (cut by Argo CD at 140 characters): the Application and its
      // images, as Argo CD's summary lists them (empty until the controller has filled it: then the revision).
      message: `{{.app.metadata.name}} ${DESCRIPTION[state]}: {{if .app.status.summary.images}}{{range $i, $image := .app.status.summary.images}}{{if $i}}, {{end}}{{$image}}{{end}}{{else}}revision {{.app.status.sync.revision}}{{end}}`,
      github: {
        revisionPath: '{{.app.status.sync.revision}}',
        status: { state: COMMIT_STATE[state], label: commitStatusContext(env, '{{.app.metadata.name}}'), targetURL: appUrl },
        deployment: { state, environment: env, logURL: appUrl, requiredContexts: [], autoMerge: false, transientEnvironment: false },
      },
    });
  }
  for (const [catalog, { name, state }] of Object.entries(names.triggers)) {
    data[`trigger.${name}`] = stringify([{ when: CONDITIONS[catalog], description: `${catalog} (Argo CD's catalog): deployment status ${state}`, send: [names.templates[state]], oncePer: ONCE_PER }]);
  }
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    // No labels: the ConfigMap's metadata is Argo CD's install's (its labels name the
    // notifications controller), and a label of another value here would make the server-side
    // apply of the header's command conflict with the install's field manager.
    metadata: { name: NOTIFICATIONS_CONFIG_MAP, namespace },
    data: Object.fromEntries(Object.entries(data).sort(([a], [b]) => a.localeCompare(b))),
  };
}

/** The annotations that subscribe an Application to this repository's triggers, through its GitHub service. */
export function subscriptionAnnotations(projectName: string): Record<string, string> {
  const names = notificationNames(projectName);
  return Object.fromEntries(Object.values(names.triggers).map((t) => t.name).sort().map((trigger) => [`notifications.argoproj.io/subscribe.${trigger}.${names.service}`, '']));
}
