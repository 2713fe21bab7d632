import { Component, ObjectFile, Project } from 'projen';
import { ImagePolicies } from './image-policy';
import { NOTIFICATIONS_SECRET, notificationNames, notificationsConfigMap, subscriptionAnnotations } from './notifications';
import { checkDnsSubdomain, checkProjectName, checkTargetNamespace, show, toLabelValue } from '../core/checks';
import { describeFile, FileOwner } from '../core/file-catalog';
import { stringifyForKubernetes } from '../core/kube-yaml';
import { ManagedFile, YamlLayout } from '../core/managed-file';
import { createAtSynthStart } from '../core/projen-adapter';
import { addValidation, Problem } from '../core/validation';
import { applicationName, checkDnsLabel, environmentPath, EnvironmentFacts, Environments, toDnsLabel } from '../model/environments';
import { ARGOCD_DIR, chartDir, POLICIES_DIR, renderedDir } from '../model/layout';
import { Repository } from '../model/repository';
import { ServiceManifests, serviceManifestsOf } from '../model/service-manifests';

/** Where the Argo CD objects live in a generated repository. */
export { ARGOCD_DIR };
/**
 * The AppProject's file. `kubectl apply -f deploy/argocd/` applies a folder's files in name
 * order, and an Application that arrives before its AppProject fails its first sync
 * (`appproject ... not found`) and backs off: the leading digit sorts this file before every
 * `<env>.yaml` (environment names are DNS labels starting with a letter).
 */
export const APP_PROJECT_FILE = `${ARGOCD_DIR}/00-project.yaml`;
/**
 * The deployment records' Argo CD notifications configuration: in a folder of its own, so
 * `kubectl apply -f deploy/argocd/` (not recursive) never applies it with kubectl's shared field
 * manager, which would take away another repository's keys of the shared ConfigMap.
 */
export const NOTIFICATIONS_FILE = `${ARGOCD_DIR}/notifications/argocd-notifications-cm.yaml`;
/** Argo CD's finalizer that deletes an Application's resources with it (cascading delete). */
export const CASCADE_FINALIZER = 'resources-finalizer.argocd.argoproj.io';
/**
 * The sync options of every Application: the namespace is the cluster admin's (never
 * created by Argo CD); server-side apply (no last-applied annotation, no size limit); prune
 * after everything else is healthy; refuse to take over objects another Application owns.
 */
export const SYNC_OPTIONS = ['CreateNamespace=false', 'ServerSideApply=true', 'PruneLast=true', 'FailOnSharedResource=true'];

/** What each Argo CD Application deploys from the repository. */
export enum ArgoCdSource {
  /** The rendered manifests, `deploy/rendered/<env>/<service>.yaml`: Argo CD applies exactly what the pull request showed. */
  RENDERED = 'rendered',
  /** The chart, `deploy/charts/<service>`, with the environment's values files: Argo CD's repo server runs helm. */
  CHART = 'chart',
}

/** Options for `ArgoCd`. */
export interface ArgoCdOptions {
  /**
   * What the Applications deploy: the rendered manifests, or the chart with the environment's values.
   * @default ArgoCdSource.RENDERED
   */
  readonly source?: ArgoCdSource;

  /**
   * The namespace Argo CD runs in (and the AppProject and Applications are created in).
   * @default "argocd"
   */
  readonly namespace?: string;

  /**
   * Deleting an Application deletes the Kubernetes objects it deployed (Argo CD's
   * `resources-finalizer.argocd.argoproj.io`). Off, deleting an Application leaves the
   * workloads running, unmanaged.
   * @default false
   */
  readonly cascadeDelete?: boolean;

  /**
   * Deployment records: Argo CD writes a GitHub deployment and deployment status per
   * environment, and a commit status per Application on the synced revision, when an
   * Application syncs, becomes healthy, degrades or fails to sync. Generates
   * `deploy/argocd/notifications/argocd-notifications-cm.yaml` (this repository's keys of
   * `argocd-notifications-cm`, writing to the GitHub API of `githubUrl`) and subscribes every
   * service Application. It needs a GitHub App's credentials in
   * `argocd-notifications-secret` (docs: deployment records); without them Argo CD logs the
   * failure and deploys as before.
   * @default true
   */
  readonly deploymentRecords?: boolean;
}

/**
 * The Argo CD objects that deploy every service to every environment, under `deploy/argocd/`
 * (managed): `00-project.yaml`, an AppProject limited to this repository, the environments'
 * clusters and namespaces and the kinds the charts render; and `<env>.yaml`, one Application
 * per service in that environment, tracking the default branch. A cluster admin applies the
 * folder once (`kubectl apply --server-side -n argocd -f deploy/argocd/`, the AppProject's file first
 * by its name), and again when it changes. The environments' files are made when the synth
 * starts, so `Environments` may be added before or after this component.
 */
export class ArgoCd extends Component {
  /** The project's Argo CD objects, if it has them. */
  public static of(project: Project): ArgoCd | undefined {
    return project.components.find((c): c is ArgoCd => c instanceof ArgoCd);
  }

  /** The namespace Argo CD runs in. */
  public readonly namespace: string;
  /** What the Applications deploy. */
  public readonly source: ArgoCdSource;
  /** Whether Argo CD writes deployment records to GitHub (notifications). */
  public readonly deploymentRecords: boolean;
  /**
   * `00-project.yaml`: the list of AppProjects (escape hatch:
   * `appProjectFile.addOverride('0.spec.sourceNamespaces', ['argocd-apps'])`, the index first).
   */
  public readonly appProjectFile: ObjectFile;
  /** The notifications ConfigMap's file, with `deploymentRecords` (escape hatch: `addOverride('data.trigger\\.on-deployed', ...)`). */
  public readonly notificationsFile?: ObjectFile;
  private readonly cascadeDelete: boolean;
  private readonly applicationFiles = new Map<string, ObjectFile>();

  constructor(project: Project, options: ArgoCdOptions = {}) {
    super(project);
    this.namespace = options.namespace ?? 'argocd';
    this.source = options.source ?? ArgoCdSource.RENDERED;
    this.cascadeDelete = options.cascadeDelete ?? false;
    this.deploymentRecords = options.deploymentRecords ?? true;
    addValidation(project, () => this.validate());

    this.appProjectFile = ManagedFile.yaml(project, APP_PROJECT_FILE, {
      obj: () => (ImagePolicies.of(project) ? [this.appProject(), this.policyAppProject()] : [this.appProject()]),
      version: '1.1',
      layout: YamlLayout.DOCUMENTS,
      header: () => this.header(ImagePolicies.of(project)
        ? 'The AppProjects that limit what the Applications may deploy: the services\', and the admission policies\' own.'
        : 'The AppProject that limits what the Applications may deploy.'),
    });
    // The files of the environments known now, so .projenrc.ts can patch them (the escape
    // hatch); the rest when the synth starts, once every component is added. Their .gitignore
    // lines come out in the same place either way (createAtSynthStart reserves it here).
    this.addApplicationFiles();
    createAtSynthStart(project, () => this.addApplicationFiles());
    if (this.deploymentRecords) {
      this.notificationsFile = ManagedFile.yaml(project, NOTIFICATIONS_FILE, {
        obj: () => notificationsConfigMap(this.projectName, this.namespace, (value) => stringifyForKubernetes(value),
          Repository.factsOf(this.project).githubApiUrl),
        version: '1.1',
        layout: YamlLayout.DOCUMENT,
        header: () => this.notificationsHeader(),
      });
    }
    describeFile(project, {
      path: `${ARGOCD_DIR}/`,
      owner: FileOwner.MANAGED,
      purpose: 'Argo CD objects: 00-project.yaml (an AppProject, applied first by its name, limited to this repository, the environments\' namespaces and the kinds the charts render; with admission policies a second one that may deploy ClusterImagePolicy and nothing else) and <env>.yaml (one Application per service, tracking the default branch, and with admission policies the one that applies deploy/policies/<env>/ in that second AppProject), and notifications/argocd-notifications-cm.yaml (this repository\'s keys of argocd-notifications-cm: the GitHub deployment records, applied on its own with the command in its header). A cluster admin applies them (docs: Argo CD bootstrap).',
      change: 'Set `argocd` options and each environment\'s `autoSync`, `cluster` and `namespace` in .projenrc.ts; then apply the folder again.',
    });
  }

  /**
   * The file of an environment's Applications, `deploy/argocd/<env>.yaml`: a list, one
   * Application per service in their order, then the admission policy's (escape hatch:
   * `applicationsFile('prod')?.addOverride('0.spec.revisionHistoryLimit', 3)`). `undefined` for
   * an environment that is not deployed, or whose file is made when the synth starts (the
   * environments were added after this component).
   */
  public applicationsFile(environment: string): ObjectFile | undefined {
    return this.applicationFiles.get(environment);
  }

  /** One file per deployed environment, created once. */
  private addApplicationFiles() {
    const project = this.project;
    for (const env of Environments.of(project)?.deployed ?? []) {
      // A repeated environment name is reported by Environments; its file is written once.
      if (this.applicationFiles.has(env.name)) continue;
      const name = env.name;
      this.applicationFiles.set(name, ManagedFile.yaml(project, `${ARGOCD_DIR}/${name}.yaml`, {
        obj: () => this.applications(this.environment(name)),
        version: '1.1',
        layout: YamlLayout.DOCUMENTS,
        header: () => this.header(`The Applications of ${name}: one per service${ImagePolicies.of(project) ? ', and its admission policy' : ''}.`),
      }));
    }
  }

  /** A deployed environment's facts, read when its file is written. */
  private environment(name: string): EnvironmentFacts {
    return (Environments.of(this.project)?.deployed ?? []).find((e) => e.name === name)!;
  }

  /** The AppProject's and the Applications' name. */
  private get projectName(): string {
    return this.project.name;
  }

  /** Where Argo CD clones from: the repository's URL (model), the GitHub one by default. */
  private get repoUrl(): string {
    const repo = Repository.factsOf(this.project);
    return repo.url ?? `${repo.githubUrl}/OWNER/NAME.git`;
  }

  private header(summary: string): string[] {
    return [summary, `Generated by projen-gitops from .projenrc.ts (managed). Apply: kubectl apply --server-side -f ${ARGOCD_DIR}/`];
  }

  private charts(): ServiceManifests[] {
    return serviceManifestsOf(this.project);
  }

  /**
   * The header of `notifications/argocd-notifications-cm.yaml`, this repository's keys of Argo CD's shared
   * notifications ConfigMap. Applied server-side with a field manager of this repository's own, so each repository owns
   * only its keys and applying one never removes another's.
   */
  private notificationsHeader(): string[] {
    const names = notificationNames(this.projectName);
    const keys = Object.values(names.secretKeys);
    return [
      'Deployment records: Argo CD notifications that write GitHub deployments, deployment statuses and commit statuses.',
      `Generated by projen-gitops from .projenrc.ts (managed). Apply: kubectl apply --server-side --field-manager=${names.service} -n ${this.namespace} -f ${NOTIFICATIONS_FILE}`,
      `(its own field manager: several repositories share ${this.namespace}/argocd-notifications-cm, each owning only its keys).`,
      `Needs a GitHub App (Deployments: write, Commit statuses: write) whose credentials you put in ${this.namespace}/${NOTIFICATIONS_SECRET}`,
      `under the keys ${keys.join(', ')} (docs: deployment records). Never commit them.`,
    ];
  }

  /** The AppProject: only this repository, only the environments' destinations, only the kinds the charts render. */
  private appProject(): object {
    const environments = Environments.of(this.project)?.deployed ?? [];
    const kinds = [...new Set(environments.flatMap((env) => this.charts().flatMap((c) => c._renderedKinds(env))))].sort();
    return {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: { name: this.projectName, namespace: this.namespace },
      spec: {
        sourceRepos: [this.repoUrl],
        destinations: environments.map((env) => ({ server: env.cluster, namespace: env.namespace })),
        // Nothing cluster-scoped (namespaces are the cluster admin's). Not even the admission
        // policies: a chart could then ship a permissive ClusterImagePolicy of its own; theirs
        // is the AppProject below, which only their Application belongs to.
        clusterResourceWhitelist: [],
        namespaceResourceWhitelist: kinds.map((k) => ({ group: k.split('/')[0], kind: k.split('/')[1] })),
        orphanedResources: { warn: true },
      },
    };
  }

  /**
   * The admission policies' AppProject: this repository, the environments' clusters, the one
   * cluster-scoped kind ClusterImagePolicy, and no namespaced kind at all. Argo CD permits kinds
   * per AppProject, not per Application, so the policies have a project of their own: the
   * services' Applications cannot deploy a policy, and the policy Applications nothing else.
   */
  private policyAppProject(): object {
    const environments = Environments.of(this.project)?.deployed ?? [];
    return {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: { name: policyProjectName(this.projectName), namespace: this.namespace },
      spec: {
        sourceRepos: [this.repoUrl],
        destinations: environments.map((env) => ({ server: env.cluster, namespace: env.namespace })),
        clusterResourceWhitelist: [{ group: POLICY_GROUP, kind: POLICY_KIND }],
        // An empty whitelist reads as "everything" once a tool drops it: refuse every namespaced kind instead.
        namespaceResourceBlacklist: [{ group: '*', kind: '*' }],
      },
    };
  }

  private applications(env: EnvironmentFacts): object[] {
    return [...this.serviceApplications(env), ...this.policyApplication(env)];
  }

  /** How every Application of an environment syncs: automated (prune, self-heal) where `autoSync`, retried. */
  private syncPolicy(env: EnvironmentFacts): object {
    return {
      ...(env.autoSync ? { automated: { prune: true, selfHeal: true } } : {}),
      syncOptions: SYNC_OPTIONS,
      retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } },
    };
  }

  /** The environment's admission policy, applied to its cluster before the services (sync wave -1). */
  private policyApplication(env: EnvironmentFacts): object[] {
    if (!ImagePolicies.of(this.project)) return [];
    const facts = Repository.factsOf(this.project);
    return [{
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: {
        // Argo CD's namespace is shared by every repository: the name carries the project's.
        name: policyApplicationName(this.projectName, env.name),
        namespace: this.namespace,
        labels: { 'app.kubernetes.io/part-of': toLabelValue(this.project.name), 'projen-gitops.dev/environment': env.name },
        annotations: { 'argocd.argoproj.io/sync-wave': '-1' },
        ...(this.cascadeDelete ? { finalizers: [CASCADE_FINALIZER] } : {}),
      },
      spec: {
        project: policyProjectName(this.projectName),
        source: { repoURL: this.repoUrl, targetRevision: facts.defaultBranch, path: `${POLICIES_DIR}/${env.name}` },
        // Cluster-scoped objects only; the namespace is the environment's (Argo CD needs one).
        destination: { server: env.cluster, namespace: env.namespace },
        syncPolicy: this.syncPolicy(env),
        revisionHistoryLimit: 10,
      },
    }];
  }

  private serviceApplications(env: EnvironmentFacts): object[] {
    const facts = Repository.factsOf(this.project);
    return this.charts().map((chart) => {
      const service = chart.image.serviceName;
      const source = this.source === ArgoCdSource.CHART
        ? {
          repoURL: this.repoUrl,
          targetRevision: facts.defaultBranch,
          path: chartDir(service),
          helm: {
            releaseName: service,
            // Relative to the chart's folder, as Argo CD resolves them.
            valueFiles: [`../../environments/${env.name}/values/${service}.yaml`, `../../environments/${env.name}/images.yaml`],
          },
        }
        : {
          repoURL: this.repoUrl,
          targetRevision: facts.defaultBranch,
          path: renderedDir(env.name),
          directory: { include: `${service}.yaml` },
        };
      return {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: {
          name: applicationName(service, env.name),
          namespace: this.namespace,
          labels: { 'app.kubernetes.io/part-of': toLabelValue(this.project.name), 'projen-gitops.dev/environment': env.name },
          ...(this.deploymentRecords ? { annotations: subscriptionAnnotations(this.projectName) } : {}),
          ...(this.cascadeDelete ? { finalizers: [CASCADE_FINALIZER] } : {}),
        },
        spec: {
          project: this.projectName,
          source,
          destination: { server: env.cluster, namespace: env.namespace },
          syncPolicy: this.syncPolicy(env),
          revisionHistoryLimit: 10,
        },
      };
    });
  }

  private validate(): Problem[] {
    const problems: Problem[] = [];
    const nsProblem = checkDnsLabel(this.namespace, 'argocd');
    if (nsProblem) problems.push({ option: 'argocdOptions.namespace', message: nsProblem });
    if (Repository.factsOf(this.project).url === undefined) {
      problems.push({ option: 'repository', message: "is needed by the Argo CD Applications (their repoURL), got none; set repository: 'my-org/my-repo' (or repositoryUrl), or argocd: false" });
    }
    // The AppProject is named after the project: a custom resource's name is a DNS subdomain.
    // Only what the AppProject adds to the name's own grammar (checked by the project: \`name\`).
    const appProject = checkProjectName(this.project.name) ? undefined : checkDnsSubdomain(this.projectName, 253, 'my-service');
    if (appProject) problems.push({ option: 'name', message: appProject.replace(/^must be/, 'names the Argo CD AppProject, so must be') });
    const environments = Environments.of(this.project)?.deployed ?? [];
    for (const env of environments) {
      // Argo CD's own namespace holds its secrets and Applications: never a deploy target.
      const reserved = checkTargetNamespace(env.namespace, this.namespace, toDnsLabel(`${this.project.name}-${env.name}`, 'my-app-dev'));
      if (reserved && env.namespace === this.namespace) problems.push({ option: `${environmentPath(this.project, env.order)}.namespace`, message: reserved });
    }
    // Each Application name once: `a-b` in `c` and `a` in `b-c` are both 'a-b-c' (one would replace the other).
    const owners = new Map<string, { service: string; env: EnvironmentFacts }>();
    for (const env of environments) {
      for (const chart of this.charts()) {
        const service = chart.image.serviceName;
        // A name that breaks its own grammar is reported under it, once.
        if (checkDnsLabel(service, 'orders') || checkDnsLabel(env.name, 'dev')) continue;
        const name = applicationName(service, env.name);
        const option = `${environmentPath(this.project, env.order)}.name`;
        const subdomain = checkDnsSubdomain(name, 63, 'orders-dev');
        if (subdomain) {
          const room = Math.max(1, 62 - service.length);
          problems.push({ option, message: `names the Argo CD Application ${show(name)} of service '${service}', which must be a DNS subdomain of at most 63 characters (it is also a label value); try '${toDnsLabel(env.name.slice(0, room), 'dev')}'` });
          continue;
        }
        const other = owners.get(name);
        if (other && (other.service !== service || other.env.name !== env.name)) {
          const fix = [`${env.name}-env`, `${env.name}-2`, 'stage'].map((n) => toDnsLabel(n, 'stage')).find((n) => !environments.some((e) => e.name === n)) ?? 'stage';
          problems.push({ option, message: `makes the Argo CD Application ${show(name)} for service '${service}' in '${env.name}', the name service '${other.service}' in '${other.env.name}' already has (one Application would silently replace the other); rename the environment; try '${fix}'` });
        } else {
          owners.set(name, { service, env });
        }
      }
    }
    return problems;
  }
}

/** The group and kind of Sigstore policy-controller's admission policies. */
const POLICY_GROUP = 'policy.sigstore.dev';
const POLICY_KIND = 'ClusterImagePolicy';

/**
 * The AppProject of the admission policies: `<project>-image-policies`, the project part cut so
 * the name stays a DNS subdomain of at most 253 characters.
 */
export function policyProjectName(projectName: string): string {
  const suffix = '-image-policies';
  return `${projectName.slice(0, 253 - suffix.length).replace(/[^a-z0-9]+$/, '') || 'p'}${suffix}`;
}

/**
 * The Application of an environment's admission policy: `<project>-image-policy-<env>`, the
 * project part cut so the name stays within 63 characters (it is also a label value).
 */
export function policyApplicationName(projectName: string, environment: string): string {
  const suffix = `-image-policy-${environment}`;
  const head = projectName.slice(0, Math.max(1, 63 - suffix.length)).replace(/[^a-z0-9]+$/, '');
  return `${head || 'p'}${suffix}`;
}
