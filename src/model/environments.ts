import { Component, Project } from 'projen';
import { DeployEngine } from './deploy-engine';
import { GateFacts, gateFacts, gateProblems, PromotionGatesOptions } from './gates';
import { checkDeployment, ServiceDeploymentOptions } from './service';
import { checkClusterUrl, checkDnsLabel, checkTargetNamespace, optionPath, show, toDnsLabel } from '../core/checks';
import { componentOfType, indexComponent } from '../core/component-index';
import { optionsProblems } from '../core/known-options';
import { addValidation, OptionsError, Problem } from '../core/validation';

/** One stage the services are deployed to. */
export interface EnvironmentOptions {
  /** The environment's name (a DNS label: lowercase letters, digits, '-'), e.g. `staging`. */
  readonly name: string;

  /**
   * The Kubernetes namespace the services run in.
   * @default - `<project name>-<environment name>`, made a DNS label (`my.app` gives `my-app-dev`)
   */
  readonly namespace?: string;

  /**
   * The cluster's API server URL (as Argo CD names clusters).
   * @default "https://kubernetes.default.svc" (the cluster Argo CD runs in)
   */
  readonly cluster?: string;

  /**
   * Deploy to this environment. `false` turns the whole stage off: no values, no rendered
   * manifests, no promotion into it.
   * @default true
   */
  readonly deploy?: boolean;

  /**
   * Argo CD syncs this environment by itself (automated, with prune and selfHeal) as soon as
   * its rendered manifests change on the default branch; `false` leaves each sync to a person
   * (the Sync button or `argocd app sync`).
   * @default - true, except for the last environment of two or more (prod: synced by hand)
   */
  readonly autoSync?: boolean;

  /**
   * Promotion pull requests into this environment merge by themselves once their required
   * checks and reviews pass (GitHub's auto-merge, squash; the repository must allow
   * auto-merge). Meant for the first environment.
   * @default false
   */
  readonly autoMerge?: boolean;

  /**
   * Who approves what is deployed to this environment (`@user`, `@org/team`): code owners of
   * its folders (`deploy/environments/<env>/`, `deploy/rendered/<env>/`,
   * `deploy/argocd/<env>.yaml`), so a promotion into it needs their review. Needs `codeOwners`
   * (the rulesets then require code-owner review).
   * @default - the repository's code owners
   */
  readonly approvers?: string[];

  /**
   * What must hold before a promotion into this environment may merge: soak and health in
   * the previous environment, allow and deny windows (with a hotfix label), approvals. Each
   * is a line of the pull request's gate table and part of its required check
   * "Promotion gates (<env>)".
   * @default - no gates
   */
  readonly gates?: PromotionGatesOptions;

  /**
   * Overrides for every service in this environment (replicas, resources, host, ...).
   * @default - the services' own settings
   */
  readonly overrides?: ServiceDeploymentOptions;

  /**
   * Overrides for one service in this environment, by service name; applied after `overrides`.
   * @default {}
   */
  readonly services?: { [service: string]: ServiceDeploymentOptions };
}

/** Options for `Environments`. */
export interface EnvironmentsOptions {
  /**
   * The environments in promotion order.
   * @default - dev, staging and prod
   */
  readonly environments?: EnvironmentOptions[];

  /**
   * The GitOps engine that deploys them: what the branch protection notes and the promotion
   * pull requests name (the objects themselves are the engine's component's).
   * @default DeployEngine.ARGO_CD
   */
  readonly deployEngine?: DeployEngine;
}

/** An environment with its defaults filled in (internal). */
export interface EnvironmentFacts {
  /** The environment's name (a DNS label). */
  readonly name: string;
  /** The Kubernetes namespace it deploys to. */
  readonly namespace: string;
  /** The cluster's API server URL. */
  readonly cluster: string;
  /** Position in the promotion order, from 0. */
  readonly order: number;
  /** Whether the environment is deployed. */
  readonly deploy: boolean;
  /** Whether Argo CD syncs the environment automatically (prune and selfHeal). */
  readonly autoSync: boolean;
  /** Code owners who approve promotions into the environment. */
  readonly approvers: string[];
  /** Whether the environment's promotion pull request merges itself once checks pass. */
  readonly autoMerge: boolean;
  /** The promotion gates, defaults filled in. */
  readonly gates: GateFacts;
  /** Deployment settings for every service in this environment. */
  readonly overrides: ServiceDeploymentOptions;
  /** Deployment settings per service name in this environment. */
  readonly services: { [service: string]: ServiceDeploymentOptions };
}

/** The default stages, in promotion order. */
export const DEFAULT_ENVIRONMENTS: EnvironmentOptions[] = [{ name: 'dev' }, { name: 'staging' }, { name: 'prod' }];
export const IN_CLUSTER = 'https://kubernetes.default.svc';

export { checkDnsLabel, toDnsLabel };

/** `<project name>-<environment name>` as a DNS label; a long project name is cut, not the environment's. */
export function defaultNamespace(projectName: string, environment: string): string {
  const suffix = `-${environment}`;
  return toDnsLabel(`${projectName.slice(0, Math.max(1, 63 - suffix.length))}${suffix}`, toDnsLabel(environment, 'default'));
}

/** The Argo CD Application of a service in an environment: `<service>-<environment>`, the one place it is named. */
export function applicationName(service: string, environment: string): string {
  return `${service}-${environment}`;
}

/**
 * Where the environment at `order` was written in `.projenrc.ts`, for a renderer's messages:
 * `environments[1]`, or `addEnvironment('qa')` for one added later.
 */
export function environmentPath(project: Project, order: number): string {
  return Environments.of(project)?._optionPath(order) ?? `environments[${order}]`;
}

/**
 * The environments the services are deployed to, in promotion order (default dev, staging,
 * prod): name, namespace, cluster and per-environment overrides, read by the Helm values,
 * the rendered manifests and the promotion.
 */
export class Environments extends Component {
  /** The project's environments, if it has them. */
  public static of(project: Project): Environments | undefined {
    return componentOfType(project, Environments);
  }

  /** The GitOps engine that deploys the environments. */
  public readonly engine: DeployEngine;
  /**
   * The options were walked already, as part of the project's own (`environments`): the
   * environments do not report their unknown keys and wrong types a second time (those added
   * with `addEnvironment()` are still walked here).
   * @internal
   */
  public _optionsWalked = false;

  /** The environments as written, in promotion order: the option's, then each `addEnvironment()`'s. */
  private readonly given: EnvironmentOptions[];
  /** Where each was written (`environments[1]`, `addEnvironment('qa')`), for messages. */
  private readonly paths: string[];
  /** How many came from the options (the rest were added). */
  private readonly fromOptions: number;
  /** The facts, computed when first read after the last `addEnvironment()`. */
  private facts?: EnvironmentFacts[];

  constructor(project: Project, options: EnvironmentsOptions = {}) {
    super(project);
    indexComponent(this, Environments);
    const given = options.environments ?? DEFAULT_ENVIRONMENTS;
    // A copy, so addEnvironment() never changes the caller's list (or the defaults); a list of
    // the wrong type is kept as it is, for the option check to report.
    this.given = Array.isArray(given) ? [...given] : given;
    this.paths = Array.isArray(given) ? given.map((_, i) => `environments[${i}]`) : [];
    this.fromOptions = this.paths.length;
    this.engine = options.deployEngine ?? DeployEngine.ARGO_CD;
    addValidation(project, () => this.validate());
  }

  /**
   * Adds an environment after the last one, in promotion order: the same as writing it at the
   * end of `environments` (the defaults dev, staging and prod included, when that option is
   * unset). Its defaults follow the whole list, read when the files are written: the last of
   * two or more environments is synced by hand unless `autoSync` says otherwise, so an
   * environment added after `prod` makes `prod` sync by itself.
   *
   * Its problems are reported under `addEnvironment('<name>')` when the synth starts, with the
   * others (a name given twice, a namespace another environment uses, a misspelt key).
   *
   * @example Environments.of(project)!.addEnvironment({ name: 'qa', namespace: 'orders-qa' });
   */
  public addEnvironment(environment: EnvironmentOptions): void {
    const at = typeof environment === 'object' && environment !== null ? `addEnvironment(${show(environment.name)})` : 'addEnvironment()';
    // Not an object at all: nothing to add, and every reader would trip over it.
    const shape = optionsProblems('projen-gitops.EnvironmentOptions', environment, 'EnvironmentOptions', at);
    if (shape.some((p) => p.option === at)) throw new OptionsError(shape);
    this.given.push(environment);
    this.paths.push(at);
    this.facts = undefined;
  }

  /** Every environment, deployed or not, in promotion order (copies). */
  public get all(): EnvironmentFacts[] {
    return this.list.map((e) => ({ ...e, gates: { ...e.gates, allow: [...e.gates.allow], deny: [...e.gates.deny] } }));
  }

  /** The environments that are deployed, in promotion order (copies). */
  public get deployed(): EnvironmentFacts[] {
    return this.all.filter((e) => e.deploy);
  }

  /**
   * Where the environment at `order` was written in `.projenrc.ts` (`environments[1]`,
   * `addEnvironment('qa')`), for messages.
   * @internal
   */
  public _optionPath(order: number): string {
    return this.paths[order] ?? `environments[${order}]`;
  }

  /**
   * The environments given by `addEnvironment()`, with where each was written (copies).
   * @internal
   */
  public _added(): Array<{ at: string; options: EnvironmentOptions }> {
    return this.given.slice(this.fromOptions).map((options, i) => ({ at: this.paths[this.fromOptions + i], options }));
  }

  /** The facts of every environment: read late, so an environment added later counts (see `addEnvironment`). */
  private get list(): EnvironmentFacts[] {
    if (this.facts) return this.facts;
    const given = this.given;
    const project = this.project;
    // A derived namespace is made a DNS label (the project name's grammar is wider); one written is checked.
    this.facts = given.map((env, order) => ({
      name: env.name,
      namespace: env.namespace ?? defaultNamespace(project.name, env.name),
      cluster: env.cluster ?? IN_CLUSTER,
      order,
      deploy: env.deploy ?? true,
      autoSync: env.autoSync ?? !(given.length > 1 && order === given.length - 1),
      approvers: [...(env.approvers ?? [])],
      autoMerge: env.autoMerge ?? false,
      gates: gateFacts(env.gates),
      overrides: { ...env.overrides },
      services: { ...env.services },
    }));
    return this.facts;
  }

  private validate(): Problem[] {
    const problems: Problem[] = [];
    const report = (option: string, message: string | undefined) => message && problems.push({ option, message });
    this.list.forEach((env, i) => {
      const at = this._optionPath(i);
      // A misspelt key or a wrong type would silently change nothing (or the wrong thing).
      if (!this._optionsWalked || i >= this.fromOptions) problems.push(...optionsProblems('projen-gitops.EnvironmentOptions', this.given[i] ?? {}, 'EnvironmentOptions', at));
      report(`${at}.name`, checkDnsLabel(env.name, 'dev'));
      if (this.list.findIndex((e) => e.name === env.name) < i) report(`${at}.name`, `must be unique, got '${env.name}' twice; give each environment its own name`);
      if (this.given[i].namespace !== undefined) report(`${at}.namespace`, checkDnsLabel(env.namespace, defaultNamespace(this.project.name, env.name)));
      // A derived namespace too: project 'kube' and environment 'system' make 'kube-system'.
      report(`${at}.namespace`, checkTargetNamespace(env.namespace, undefined, toDnsLabel(`${this.project.name}-apps-${env.name}`, 'my-app-dev')));
      report(`${at}.cluster`, checkClusterUrl(env.cluster));
      // Soak and health look at the previous deployed environment.
      const firstDeployed = this.list.findIndex((e) => e.deploy) === i;
      problems.push(...gateProblems(this.given[i].gates, `${at}.gates`, firstDeployed));
      // Each level of deployment options once, here: every service's chart reads them.
      problems.push(...checkDeployment(`${at}.overrides`, env.overrides));
      for (const [service, own] of Object.entries(env.services)) problems.push(...checkDeployment(optionPath(`${at}.services`, service), own ?? {}));
      // Two Applications owning the same objects fight over them (FailOnSharedResource stops the second).
      const same = this.list.findIndex((e) => e.deploy && e.namespace === env.namespace && sameCluster(e.cluster, env.cluster));
      if (env.deploy && same >= 0 && same < i && this.list[same].name !== env.name) {
        const fix = defaultNamespace(this.project.name, env.name) === env.namespace ? toDnsLabel(`${env.namespace}-2`, 'my-namespace') : defaultNamespace(this.project.name, env.name);
        report(`${at}.namespace`, `must differ from environment '${this.list[same].name}' on the same cluster (${show(env.cluster)}), got namespace ${show(env.namespace)} for both: their Applications would own the same objects; try '${fix}'`);
      }
    });
    return problems;
  }
}

/** Whether two API server URLs name the same cluster (scheme and host case, default port and trailing '/' ignored). */
function sameCluster(a: string, b: string): boolean {
  const norm = (u: string) => String(u).toLowerCase().replace(/:443(?=\/|$)/, '').replace(/\/+$/, '');
  return norm(a) === norm(b);
}
