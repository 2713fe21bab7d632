import { Component, Project } from 'projen';
import { ServiceDeploymentOptions } from './service';
import { show } from '../core/checks';
import { optionsProblems } from '../core/known-options';
import { addValidation, Problem } from '../core/validation';

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
  /** Deployment settings for every service in this environment. */
  readonly overrides: ServiceDeploymentOptions;
  /** Deployment settings per service name in this environment. */
  readonly services: { [service: string]: ServiceDeploymentOptions };
}

/** The default stages, in promotion order. */
export const DEFAULT_ENVIRONMENTS: EnvironmentOptions[] = [{ name: 'dev' }, { name: 'staging' }, { name: 'prod' }];
export const IN_CLUSTER = 'https://kubernetes.default.svc';
const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The nearest DNS-1035 label to `value` (`my.app-dev` to `my-app-dev`), or `fallback` when nothing is left. */
export function toDnsLabel(value: string, fallback: string): string {
  return String(value ?? '').toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^[^a-z]+/, '').slice(0, 63).replace(/-+$/, '') || fallback;
}

/** `<project name>-<environment name>` as a DNS label; a long project name is cut, not the environment's. */
function defaultNamespace(projectName: string, environment: string): string {
  const suffix = `-${environment}`;
  return toDnsLabel(`${projectName.slice(0, Math.max(1, 63 - suffix.length))}${suffix}`, toDnsLabel(environment, 'default'));
}

/** A Kubernetes DNS-1035 label (Service names, environment names). */
export function checkDnsLabel(value: string, example: string): string | undefined {
  if (typeof value !== 'string' || !DNS_LABEL.test(value)) {
    return `must be a DNS label (lowercase letters, digits and '-', starting with a letter, at most 63), got ${show(value)}; try '${toDnsLabel(value, example)}'`;
  }
  return undefined;
}

/**
 * The environments the services are deployed to, in promotion order (default dev, staging,
 * prod): name, namespace, cluster and per-environment overrides, read by the Helm values,
 * the rendered manifests and the promotion.
 */
export class Environments extends Component {
  /** The project's environments, if it has them. */
  public static of(project: Project): Environments | undefined {
    return project.components.find((c): c is Environments => c instanceof Environments);
  }

  private readonly list: EnvironmentFacts[];
  private readonly given: EnvironmentOptions[];

  constructor(project: Project, options: EnvironmentsOptions = {}) {
    super(project);
    const given = options.environments ?? DEFAULT_ENVIRONMENTS;
    this.given = given;
    // A derived namespace is made a DNS label (the project name's grammar is wider); one written is checked.
    this.list = given.map((env, order) => ({
      name: env.name,
      namespace: env.namespace ?? defaultNamespace(project.name, env.name),
      cluster: env.cluster ?? IN_CLUSTER,
      order,
      deploy: env.deploy ?? true,
      autoSync: env.autoSync ?? !(given.length > 1 && order === given.length - 1),
      approvers: [...(env.approvers ?? [])],
      autoMerge: env.autoMerge ?? false,
      overrides: { ...env.overrides },
      services: { ...env.services },
    }));
    addValidation(project, () => this.validate());
  }

  /** Every environment, deployed or not, in promotion order (copies). */
  public get all(): EnvironmentFacts[] {
    return this.list.map((e) => ({ ...e }));
  }

  /** The environments that are deployed, in promotion order (copies). */
  public get deployed(): EnvironmentFacts[] {
    return this.all.filter((e) => e.deploy);
  }

  private validate(): Problem[] {
    const problems: Problem[] = [];
    const report = (option: string, message: string | undefined) => message && problems.push({ option, message });
    this.list.forEach((env, i) => {
      const at = `environments[${i}]`;
      // A misspelt key or a wrong type would silently change nothing (or the wrong thing).
      problems.push(...optionsProblems('projen-gitops.EnvironmentOptions', this.given[i] ?? {}, 'EnvironmentOptions', at));
      report(`${at}.name`, checkDnsLabel(env.name, 'dev'));
      if (this.list.findIndex((e) => e.name === env.name) < i) report(`${at}.name`, `must be unique, got '${env.name}' twice; give each environment its own name`);
      if (this.given[i].namespace !== undefined) report(`${at}.namespace`, checkDnsLabel(env.namespace, defaultNamespace(this.project.name, env.name)));
      if (!/^https:\/\/[^\s/]+(\/\S*)?$/.test(env.cluster)) {
        report(`${at}.cluster`, `must be the https URL of a cluster's API server, got ${show(env.cluster)}; try '${IN_CLUSTER}'`);
      }
    });
    return problems;
  }
}
