import { IConstruct } from 'constructs';
import { Component, Project } from 'projen';
import { checkDnsLabel, checkDnsSubdomain, checkProjectName, show, toDnsLabel, toDnsSubdomain, toLabelValue } from '../core/checks';
import { describeFile, FileOwner } from '../core/file-catalog';
import { ManagedFile, YamlLayout } from '../core/managed-file';
import { atSynthStart, createAtSynthStart } from '../core/projen-adapter';
import { addValidation, Problem } from '../core/validation';
import { admissionPoliciesOf } from '../model/admission-policies';
import { environmentPath, EnvironmentFacts, Environments, IN_CLUSTER } from '../model/environments';
import { DEPLOY_DIR, POLICIES_DIR, renderedDir } from '../model/layout';
import { checkRepositoryUrl, Repository } from '../model/repository';
import { RepositoryVisibility, signingFacts } from '../model/signing';

/** Where the Flux objects live in a generated repository: `deploy/flux`. */
export const FLUX_DIR = `${DEPLOY_DIR}/flux`;
/** The GitRepository's file; the leading digits sort it before every environment's (names start with a letter). */
export const GIT_REPOSITORY_FILE = `${FLUX_DIR}/00-git-repository.yaml`;
/** The API versions written: Flux 2's GA APIs, served by source-controller and kustomize-controller v1. */
export const SOURCE_API_VERSION = 'source.toolkit.fluxcd.io/v1';
export const KUSTOMIZE_API_VERSION = 'kustomize.toolkit.fluxcd.io/v1';

/** The Kustomization of an environment's services: `deploy/flux/<env>.yaml`. */
export function fluxServicesFile(environment: string): string {
  return `${FLUX_DIR}/${environment}.yaml`;
}

/** The Kustomization of an environment's admission policy: `deploy/flux/<env>-policies.yaml`. */
export function fluxPoliciesFile(environment: string): string {
  return `${FLUX_DIR}/${environment}-policies.yaml`;
}

/** Options for `FluxSync`. */
export interface FluxSyncOptions {
  /**
   * The namespace Flux runs in, where the GitRepository and the Kustomizations are created.
   * @default "flux-system"
   */
  readonly namespace?: string;

  /**
   * How often source-controller fetches the default branch (the GitRepository's `interval`): a
   * Go duration of `h`, `m`, `s` and `ms`, e.g. `1m`, `30s`, `1h30m`. A webhook `Receiver`
   * makes it fetch at once on a push (docs/flux.md).
   * @default "1m"
   */
  readonly interval?: string;

  /**
   * How often kustomize-controller applies each environment again, putting back what was
   * changed by hand (each Kustomization's `interval`); a failed apply is retried after 2 minutes.
   * @default "10m"
   */
  readonly reconcileInterval?: string;

  /**
   * The Secret in `namespace` that source-controller clones the repository with (the
   * GitRepository's `secretRef`): a token or a GitHub App for an `https://` URL, a key and
   * `known_hosts` for `ssh://` (`flux create secret git`, docs/flux.md). Never in `.projenrc.ts`.
   * @default - `<project>-git-auth` for a private or internal repository (`visibility`), none for a public one
   */
  readonly secretName?: string;

  /**
   * Deleting a Kustomization deletes the objects it applied (Flux's own default). Off, each
   * Kustomization has `deletionPolicy: Orphan`: deleting it leaves the workloads running,
   * unmanaged, as Argo CD does without its finalizer.
   * @default false
   */
  readonly cascadeDelete?: boolean;
}

/** Flux's duration grammar (the CRDs' pattern for `interval`, `retryInterval`, `timeout`). */
const DURATION = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;
/** How long kustomize-controller waits to retry a failed apply. */
const RETRY_INTERVAL = '2m';

/** A Flux duration (`1m`, `30s`, `1h30m`) that is not zero. */
export function checkFluxDuration(value: string, example: string): string | undefined {
  if (typeof value !== 'string' || !DURATION.test(value) || !/[1-9]/.test(value)) {
    const words: Record<string, string> = { second: 's', seconds: 's', minute: 'm', minutes: 'm', min: 'm', hour: 'h', hours: 'h' };
    const guess = String(value ?? '').trim().toLowerCase().replace(/\s+/g, '').replace(/([0-9.]+)([a-z]+)/g, (_m, n: string, unit: string) => `${n}${words[unit] ?? unit}`);
    const fix = DURATION.test(guess) && /[1-9]/.test(guess) ? guess : example;
    return `must be a Go duration of h, m, s and ms that is not zero (what Flux's CRDs accept), got ${show(value)}; try '${fix}'`;
  }
  return undefined;
}

/**
 * The URL source-controller clones: the model's repository URL in a form Flux accepts. The
 * GitRepository CRD takes `http(s)://` and `ssh://` only, so the scp-like `git@host:owner/name.git`
 * is written `ssh://git@host/owner/name.git` (the same repository); `git://` has no Flux form.
 */
export function fluxRepositoryUrl(url: string): string | undefined {
  if (/^(https|ssh):\/\//.test(url)) return url;
  const scp = /^([A-Za-z0-9._-]+)@([^:/]+):(.+)$/.exec(url);
  if (scp) return `ssh://${scp[1]}@${scp[2]}/${scp[3]}`;
  return undefined;
}

/**
 * The Secret with the kubeconfig of a cluster other than the one Flux runs in (a
 * Kustomization's `kubeConfig.secretRef`): one per cluster, named after its host and port,
 * shared by every repository that deploys there.
 */
export function kubeConfigSecretName(cluster: string): string {
  const host = String(cluster).replace(/^https:\/\//, '').split('/')[0];
  return toDnsLabel(`kubeconfig-${host}`, 'kubeconfig-cluster');
}

/**
 * A managed file holding one Flux object, rendered from a lazy object: a projen `ObjectFile`, so
 * `project.tryFindObjectFile('deploy/flux/dev.yaml')?.addOverride('spec.timeout', '5m')` is
 * the escape hatch, written as YAML for Kubernetes tools under a header saying what it is.
 */
function fluxObjectFile(scope: IConstruct, filePath: string, obj: () => object, header: () => string[]): ManagedFile {
  return ManagedFile.yaml(scope, filePath, { obj, header, version: '1.1', layout: YamlLayout.DOCUMENT });
}

/**
 * The Flux objects that deploy every environment from the repository, under `deploy/flux/`
 * (managed): `00-git-repository.yaml`, a GitRepository that follows the default branch;
 * `<env>.yaml`, a Kustomization that applies `deploy/rendered/<env>/` into the environment's
 * namespace; and with admission policies `<env>-policies.yaml`, the Kustomization of
 * `deploy/policies/<env>/` that the services wait for (`dependsOn`). An environment with
 * `autoSync: false` is suspended: a person deploys it with `flux resume`. A cluster admin applies the
 * folder once (`kubectl apply --server-side -f deploy/flux/`), and again when it changes.
 *
 * Built on the model only (the repository, its URL and default branch, the environments, the
 * deploy layout): the second deploy engine next to `ArgoCd`, in a folder of its own.
 */
export class FluxSync extends Component {
  /** The project's Flux objects, if it has them. */
  public static of(project: Project): FluxSync | undefined {
    return project.components.find((c): c is FluxSync => c instanceof FluxSync);
  }

  /** The namespace Flux runs in. */
  public readonly namespace: string;
  /** How often the GitRepository is fetched. */
  public readonly interval: string;
  /** How often each Kustomization is applied again. */
  public readonly reconcileInterval: string;
  private readonly options: FluxSyncOptions;
  private readonly cascadeDelete: boolean;
  private readonly written = new Set<string>();

  constructor(project: Project, options: FluxSyncOptions = {}) {
    super(project);
    this.options = options;
    this.namespace = options.namespace ?? 'flux-system';
    this.interval = options.interval ?? '1m';
    this.reconcileInterval = options.reconcileInterval ?? '10m';
    this.cascadeDelete = options.cascadeDelete ?? false;
    addValidation(project, () => this.validate());
    fluxObjectFile(project, GIT_REPOSITORY_FILE, () => this.gitRepository(), () => [
      `The GitRepository of ${project.name}: source-controller fetches ${this.branch} every ${this.interval}.`,
      ...this.applyLines(),
    ]);
    this.written.add(GIT_REPOSITORY_FILE);
    // The files of the environments known now, so .projenrc.ts can patch them (the escape
    // hatch); the rest once every component is added: made when the synth starts, after the files
    // other components make then (the admission policies the Kustomizations depend on), so
    // neither the order components are added in nor a hand-over changes them.
    this.addEnvironmentFiles();
    atSynthStart(project, () => createAtSynthStart(project, () => this.addEnvironmentFiles()));
    describeFile(project, {
      path: `${FLUX_DIR}/`,
      owner: FileOwner.MANAGED,
      purpose: 'Flux objects: 00-git-repository.yaml (a GitRepository following the default branch), <env>.yaml (a Kustomization applying deploy/rendered/<env>/ into the environment\'s namespace; suspended where autoSync is false, deployed with flux resume) and, with admission policies, <env>-policies.yaml (the Kustomization of deploy/policies/<env>/ the services wait for). A cluster admin applies them (projen-gitops docs/flux.md).',
      change: 'Set `fluxOptions` and each environment\'s `autoSync`, `cluster` and `namespace` in .projenrc.ts; then apply the folder again. Escape hatch: `project.tryFindObjectFile("deploy/flux/<env>.yaml")?.addOverride(...)`.',
    });
  }

  /** The GitRepository's name: the project's (Flux's namespace is shared by every repository). */
  public get gitRepositoryName(): string {
    return this.project.name;
  }

  /** The Kustomization of an environment's services: `<project>-<env>`. */
  public servicesName(environment: string): string {
    return `${this.project.name}-${environment}`;
  }

  /** The Kustomization of an environment's admission policy: `<project>-<env>-policies`. */
  public policiesName(environment: string): string {
    return `${this.project.name}-${environment}-policies`;
  }

  private get branch(): string {
    return Repository.factsOf(this.project).defaultBranch;
  }

  private get deployed(): EnvironmentFacts[] {
    const environments = Environments.of(this.project)?.deployed ?? [];
    return environments.filter((e, i) => environments.findIndex((o) => o.name === e.name) === i);
  }

  /** The environments with an admission policy (`deploy/policies/<env>/`): every deployed one, when the project has policies (the model's role). */
  private policyEnvironments(): Set<string> {
    return new Set(admissionPoliciesOf(this.project) ? this.deployed.map((e) => e.name) : []);
  }

  /** One file per Kustomization, created once; a path another environment's file already has is reported by `validate`. */
  private addEnvironmentFiles() {
    const policies = this.policyEnvironments();
    for (const env of this.deployed) {
      const name = env.name;
      if (policies.has(name)) {
        this.addFile(fluxPoliciesFile(name), () => this.policiesKustomization(name), () => [
          `The admission policy of ${name}: kustomize-controller applies ${POLICIES_DIR}/${name}/ before the services (${this.servicesName(name)} depends on it).`,
          ...this.suspendedLines(name),
          ...this.applyLines(),
        ]);
      }
      this.addFile(fluxServicesFile(name), () => this.servicesKustomization(name), () => [
        `The services of ${name}: kustomize-controller applies ${renderedDir(name)}/ into ${this.environment(name)?.namespace}, pruning what was removed and waiting until it is healthy.`,
        ...this.suspendedLines(name),
        ...this.applyLines(),
      ]);
    }
  }

  private addFile(filePath: string, obj: () => object, header: () => string[]) {
    if (this.written.has(filePath) || this.project.tryFindFile(filePath)) return;
    fluxObjectFile(this.project, filePath, obj, header);
    this.written.add(filePath);
  }

  private environment(name: string): EnvironmentFacts | undefined {
    return this.deployed.find((e) => e.name === name);
  }

  private applyLines(): string[] {
    return [`Generated by projen-gitops from .projenrc.ts (managed). Apply: kubectl apply --server-side -f ${FLUX_DIR}/`];
  }

  private suspendedLines(name: string): string[] {
    if (this.environment(name)?.autoSync !== false) return [];
    const names = [...(this.policyEnvironments().has(name) ? [this.policiesName(name)] : []), this.servicesName(name)];
    return [
      `Suspended (autoSync is false): a merge into ${this.branch} changes nothing in ${name} until a person deploys it with`,
      `  flux resume kustomization ${names.join(' ')} -n ${this.namespace} --wait`,
      `and holds it again with: flux suspend kustomization ${names.join(' ')} -n ${this.namespace}`,
    ];
  }

  private metadata(name: string, environment?: string): object {
    return {
      name,
      namespace: this.namespace,
      labels: { 'app.kubernetes.io/part-of': toLabelValue(this.project.name), ...(environment ? { 'projen-gitops.dev/environment': environment } : {}) },
    };
  }

  private get secretName(): string | undefined {
    if (this.options.secretName !== undefined) return this.options.secretName;
    return signingFacts(this.project).visibility === RepositoryVisibility.PUBLIC ? undefined : `${this.gitRepositoryName}-git-auth`;
  }

  /** The GitRepository: the repository's URL (model), its default branch; the artifact holds `deploy/` only. */
  private gitRepository(): object {
    const { url, githubUrl } = Repository.factsOf(this.project);
    const secret = this.secretName;
    return {
      apiVersion: SOURCE_API_VERSION,
      kind: 'GitRepository',
      metadata: this.metadata(this.gitRepositoryName),
      spec: {
        url: (url !== undefined ? fluxRepositoryUrl(url) : undefined) ?? url ?? `${githubUrl}/OWNER/NAME.git`,
        ref: { branch: this.branch },
        interval: this.interval,
        ...(secret !== undefined ? { secretRef: { name: secret } } : {}),
        // What the Kustomizations read is under deploy/: the service's source stays out of the cluster.
        ignore: `/*\n!/${DEPLOY_DIR}/\n`,
      },
    };
  }

  /** The Kustomization of an environment's policies (`deploy/policies/<env>/`). */
  private policiesKustomization(name: string): object {
    return this.kustomization(name, this.policiesName(name), `./${POLICIES_DIR}/${name}`);
  }

  /** The Kustomization of an environment's services (`deploy/rendered/<env>/`), after its policy. */
  private servicesKustomization(name: string): object {
    const policy = this.policyEnvironments().has(name) ? this.policiesName(name) : undefined;
    return this.kustomization(name, this.servicesName(name), `./${renderedDir(name)}`, policy, this.environment(name)?.namespace);
  }

  /** A Kustomization of an environment: the sync policy of the environment, applied to its cluster. */
  private kustomization(environment: string, name: string, path: string, dependsOn?: string, targetNamespace?: string): object {
    const env = this.environment(environment);
    const cluster = env !== undefined && env.cluster !== IN_CLUSTER ? env.cluster : undefined;
    return {
      apiVersion: KUSTOMIZE_API_VERSION,
      kind: 'Kustomization',
      metadata: this.metadata(name, environment),
      spec: {
        // Argo CD's manual sync: nothing is applied until a person resumes it.
        ...(env?.autoSync === false ? { suspend: true } : {}),
        ...(dependsOn !== undefined ? { dependsOn: [{ name: dependsOn }] } : {}),
        sourceRef: { kind: 'GitRepository', name: this.gitRepositoryName },
        path,
        // Every namespaced object lands in the environment's namespace, whatever a file says.
        ...(targetNamespace !== undefined ? { targetNamespace } : {}),
        interval: this.reconcileInterval,
        retryInterval: RETRY_INTERVAL,
        prune: true,
        wait: true,
        ...(this.cascadeDelete ? {} : { deletionPolicy: 'Orphan' }),
        // Another cluster than Flux's own, as an Argo CD destination server: its kubeconfig in a Secret.
        ...(cluster !== undefined ? { kubeConfig: { secretRef: { name: kubeConfigSecretName(cluster) } } } : {}),
      },
    };
  }

  private validate(): Problem[] {
    const problems: Problem[] = [];
    const report = (option: string, message: string | undefined) => message && problems.push({ option, message });
    report('fluxOptions.namespace', checkDnsLabel(this.namespace, 'flux-system'));
    report('fluxOptions.interval', checkFluxDuration(this.interval, '1m'));
    report('fluxOptions.reconcileInterval', checkFluxDuration(this.reconcileInterval, '10m'));
    if (this.options.secretName !== undefined) report('fluxOptions.secretName', checkDnsSubdomain(this.options.secretName, 253, `${toDnsSubdomain(this.project.name, 240) || 'my-service'}-git-auth`));
    const url = Repository.factsOf(this.project).url;
    if (url === undefined) {
      report('repository', "is needed by the Flux GitRepository (its url), got none; set repository: 'my-org/my-repo' (or repositoryUrl)");
    } else if (checkRepositoryUrl(url) === undefined && fluxRepositoryUrl(url) === undefined) {
      // Only the scheme Flux adds to the URL's own grammar (checked by Repository: \`repositoryUrl\`).
      const fix = /^git:\/\/([^/:]+)(?::\d+)?\/(.+)$/.exec(url);
      report('repositoryUrl', `must be an https:// or ssh:// URL for Flux (source-controller clones no other scheme), got ${show(url)}; try '${fix ? `https://${fix[1]}/${fix[2]}` : 'https://github.com/my-org/my-repo.git'}'`);
    }
    // Names carry the project's (Flux's namespace is shared) and are label values on every applied object: at most 63.
    // Only what Flux adds to the name's own grammar (checked by the project: \`name\`).
    const projectName = checkProjectName(this.project.name) ? undefined : checkDnsSubdomain(this.project.name, 63, 'my-service');
    if (projectName) {
      report('name', projectName.replace(/^must be/, 'names the Flux GitRepository and Kustomizations, so must be'));
      return problems;
    }
    const policies = this.policyEnvironments();
    const owners = new Map<string, string>();
    for (const env of Environments.of(this.project)?.deployed ?? []) {
      const option = environmentPath(this.project, env.order);
      if (env.namespace === this.namespace) {
        report(`${option}.namespace`, `must not be Flux's own namespace, got ${show(env.namespace)}; give the environment a namespace of its own; try '${toDnsLabel(`${this.project.name}-apps-${env.name}`, 'my-app-dev')}'`);
      }
      // A name that breaks its own grammar is reported under it, once.
      if (checkDnsLabel(env.name, 'dev')) continue;
      const names = [this.servicesName(env.name), ...(policies.has(env.name) ? [this.policiesName(env.name)] : [])];
      for (const name of names) {
        if (name.length > 63) {
          const room = 63 - (name.length - env.name.length);
          const fix = room >= 1 ? toDnsLabel(env.name.slice(0, room), 'dev') : undefined;
          report(fix ? `${option}.name` : 'name', `makes the Flux Kustomization ${show(name)} longer than 63 characters (kustomize-controller writes its name as a label value on every object it applies); ${fix ? `try '${fix}'` : `shorten the project name to ${Math.max(1, 63 - (name.length - this.project.name.length))} characters or fewer`}`);
          break;
        }
        const other = owners.get(name);
        if (other !== undefined && other !== env.name) {
          const fix = [`${env.name}-env`, `${env.name}-2`, 'stage'].map((n) => toDnsLabel(n, 'stage')).find((n) => !this.deployed.some((e) => e.name === n)) ?? 'stage';
          report(`${option}.name`, `makes the Flux Kustomization ${show(name)}, the name environment '${other}' already has (one would replace the other, and the file too); rename the environment; try '${fix}'`);
        } else {
          owners.set(name, env.name);
        }
      }
    }
    return problems;
  }
}
