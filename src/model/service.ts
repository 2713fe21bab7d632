import { Component, Project } from 'projen';
import { derivedImagePath, Repository } from './repository';
import { Runtime } from './runtime';
import { show } from '../core/checks';
import { componentsOfType, indexComponent } from '../core/component-index';

/**
 * Every service of the project: the one at the root first (whenever it was added), then the
 * services in the order they were added.
 */
export function servicesOf(project: Project): Service[] {
  const services = componentsOfType(project, Service);
  return [...services.filter((s) => s.context === '.'), ...services.filter((s) => s.context !== '.')];
}

/** The project's main service: the one at the root, else the first added, if any. */
export function mainServiceOf(project: Project): Service | undefined {
  return servicesOf(project)[0];
}

/**
 * A service of the repository as every renderer sees it: its name, folder, runtime, port,
 * user, health path and image. `ContainerImage` is the kind that exists today (it also renders
 * the Dockerfile); the workflows, the chart, the Argo CD objects and the infrastructure read
 * services through `servicesOf(project)`, never through the component that builds the image.
 */
export abstract class Service extends Component {
  /** The service's name. */
  public abstract readonly serviceName: string;
  /** The service's folder (its build context), relative to the project root. */
  public abstract readonly context: string;
  /** The runtime preset. */
  public abstract readonly runtime: Runtime;
  /** The port the service listens on. */
  public abstract readonly port: number;
  /** The health check path. */
  public abstract readonly healthPath: string;
  /** The user id the container runs as. */
  public abstract readonly uid: number;
  /** The registry host. */
  public abstract readonly registry: string;
  /** The configured image repository name, or `undefined` for the GitHub repository's. */
  public abstract readonly imageName?: string;
  /** The full image reference without tag, or `undefined` when derived from the GitHub repository at run time. */
  public abstract readonly imageReference?: string;
  /** Path of the Dockerfile, relative to the project root. */
  public abstract readonly dockerfilePath: string;
  /** The base image of the runtime stage (empty for a Dockerfile of your own). */
  public abstract readonly baseImage: string;
  /** The build stage image of compiled runtimes, if any. */
  public abstract readonly buildImage?: string;

  /**
   * Where this service's options are written in `.projenrc.ts` (`services[1]`), for messages;
   * empty for options at the top level.
   * @internal
   */
  public _optionPath = '';

  /**
   * Options this service took from the project's top level (a service's `registry`): their
   * problems are reported there, once, by the service at the top level.
   * @internal
   */
  public _inherited: string[] = [];

  constructor(project: Project) {
    super(project);
    indexComponent(this, Service);
  }

  /**
   * The path of one of this service's options in `.projenrc.ts` (`services[1].port`).
   * @internal
   */
  public _optionName(option: string): string {
    if (!this._optionPath || this._inherited.includes(option)) return option;
    return `${this._optionPath}.${option === 'serviceName' ? 'name' : option}`;
  }
}

/** How a service runs in Kubernetes; every field also works as a per-environment override. */
export interface ServiceDeploymentOptions {
  /**
   * Pods to run (the minimum when `maxReplicas` turns autoscaling on).
   * @default 2
   */
  readonly replicas?: number;

  /**
   * Turns on a HorizontalPodAutoscaler that scales up to this many pods on CPU use.
   * @default - no autoscaling
   */
  readonly maxReplicas?: number;

  /**
   * The CPU each pod requests (a Kubernetes quantity, e.g. `"100m"`). No CPU limit is set,
   * so pods are not throttled while the node has spare CPU.
   * @default "100m"
   */
  readonly cpuRequest?: string;

  /**
   * The memory each pod requests (e.g. `"128Mi"`).
   * @default "128Mi"
   */
  readonly memoryRequest?: string;

  /**
   * The memory limit of each pod (e.g. `"256Mi"`).
   * @default "256Mi"
   */
  readonly memoryLimit?: string;

  /**
   * The port of the Kubernetes Service in front of the pods.
   * @default 80
   */
  readonly servicePort?: number;

  /**
   * A public host name: exposes the service through an Ingress (or an HTTPRoute with
   * `gateway`), and lets the ingress controller's namespace (`ingressNamespace`) reach it.
   * @default - not exposed outside the cluster
   */
  readonly host?: string;

  /**
   * The Ingress class of the controller that serves `host`.
   * @default - the cluster's default class
   */
  readonly ingressClassName?: string;

  /**
   * A Gateway API Gateway as `namespace/name`: `host` is served by an HTTPRoute attached to
   * it instead of an Ingress.
   * @default - an Ingress
   */
  readonly gateway?: string;

  /**
   * Namespaces whose pods may connect to the service's port, besides its own namespace (the
   * NetworkPolicy admits nothing else), e.g. the ingress controller's.
   * @default []
   */
  readonly allowFromNamespaces?: string[];
}

/**
 * The image name rule, decided here once: a service without `imageName` is pushed as
 * `<registry>/<owner>/<repo>` (lowercased), with `/<service>` appended for a service in a
 * folder of its own when the repository has several. This is the `<service>` part, if any;
 * the container workflow's image step, the facts, the checks and the README all read it.
 */
export function imagePathService(service: Service): string | undefined {
  return servicesOf(service.project).length > 1 && service.context !== '.' ? service.serviceName : undefined;
}

/** The derived image path with `<owner>/<repo>` standing for the repository (for messages and docs). */
export function derivedImagePattern(service: Service): string {
  return derivedImagePath('<owner>/<repo>', imagePathService(service));
}

/** What the deployment renderers know about one service (internal). */
export interface ServiceFacts {
  readonly name: string;
  readonly folder: string;
  readonly runtime: Runtime;
  readonly port: number;
  readonly uid: number;
  /** The images run as `uid:uid`: the group id is the user id. */
  readonly gid: number;
  readonly healthPath: string;
  /** Registry and repository of the image (no tag), or `undefined` when unknown at synth time. */
  readonly imageRepository?: string;
  /** The tag used when an environment pins no digest: what a push to the default branch publishes. */
  readonly fallbackTag: string;
}

/**
 * The facts of a service, read from it and the repository. The image name
 * follows the container workflow's rule: `<registry>/<owner>/<repo>`, lowercased, with
 * `/<service>` appended for services in folders of their own when there are several.
 */
export function serviceFacts(project: Project, image: Service): ServiceFacts {
  const repo = Repository.factsOf(project);
  const derived = repo.repository === undefined ? undefined
    : `${image.registry}/${derivedImagePath(repo.repository, imagePathService(image))}`;
  return {
    name: image.serviceName,
    folder: image.context,
    runtime: image.runtime,
    port: image.port,
    uid: image.uid,
    gid: image.uid,
    healthPath: image.healthPath,
    imageRepository: image.imageReference ?? derived,
    // Read when the synth starts, before the option checks: a branch of the wrong type is reported there.
    fallbackTag: String(repo.defaultBranch).replace(/[^\w.-]/g, '-'),
  };
}

const CPU = /^(\d+m|\d+(\.\d{1,3})?)$/;
const MEMORY = /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/;
const HOST = /^(\*\.)?([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** Whether a value is a host an Ingress or HTTPRoute takes (a lowercase DNS name, optionally `*.` first). */
export function isHost(value: unknown): value is string {
  return typeof value === 'string' && HOST.test(value);
}

/** Problems of deployment options, each under `at` (e.g. `deployment.replicas`). */
export function checkDeployment(at: string, d: ServiceDeploymentOptions): Array<{ option: string; message: string }> {
  const problems: Array<{ option: string; message: string }> = [];
  const report = (option: string, message: string) => problems.push({ option: `${at}.${option}`, message });
  const integer = (option: 'replicas' | 'maxReplicas' | 'servicePort', min: number, max: number, example: number) => {
    const value = d[option];
    if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) report(option, `must be an integer from ${min} to ${max}, got ${show(value)}; try ${example}`);
  };
  integer('replicas', 0, 1000, 2);
  integer('maxReplicas', 1, 1000, 10);
  integer('servicePort', 1, 65535, 80);
  // maxReplicas against replicas is checked on what each environment gets (checkEffectiveDeployment).
  if (d.cpuRequest !== undefined && (typeof d.cpuRequest !== 'string' || !CPU.test(d.cpuRequest))) report('cpuRequest', `must be a CPU quantity like '100m' or '0.5', got ${show(d.cpuRequest)}; try '100m'`);
  for (const option of ['memoryRequest', 'memoryLimit'] as const) {
    const value = d[option];
    if (value !== undefined && (typeof value !== 'string' || !MEMORY.test(value))) report(option, `must be a memory quantity like '128Mi' or '1Gi', got ${show(value)}; try '256Mi'`);
  }
  if (d.host !== undefined && !isHost(d.host)) {
    report('host', `must be a lowercase DNS name (optionally '*.' first), got ${show(d.host)}; try 'orders.example.com'`);
  }
  if (d.ingressClassName !== undefined && (typeof d.ingressClassName !== 'string' || !SUBDOMAIN.test(d.ingressClassName))) {
    report('ingressClassName', `must be a DNS subdomain (lowercase letters, digits, '-', '.'), got ${show(d.ingressClassName)}; try 'nginx'`);
  }
  if (d.gateway !== undefined) {
    const parts = typeof d.gateway === 'string' ? d.gateway.split('/') : [];
    if (parts.length !== 2 || !parts.every((p) => LABEL.test(p))) report('gateway', `must be a Gateway as 'namespace/name' (DNS labels), got ${show(d.gateway)}; try 'gateway-system/public'`);
    if (d.host === undefined) report('gateway', `needs a host to route, got gateway ${show(d.gateway)} without host; set host: 'orders.example.com'`);
  }
  for (const [i, ns] of (d.allowFromNamespaces ?? []).entries()) {
    if (typeof ns !== 'string' || !LABEL.test(ns)) report(`allowFromNamespaces[${i}]`, `must be a namespace name (a DNS label), got ${show(ns)}; try 'ingress-nginx'`);
  }
  return problems;
}

/** A Kubernetes memory quantity in bytes (`128Mi`, `1G`, `0.5Gi`), or `undefined` when it is not one. */
export function memoryBytes(quantity: string): number | undefined {
  const match = typeof quantity === 'string' ? /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(quantity) : null;
  if (!match) return undefined;
  const scale: Record<string, number> = { '': 1, 'k': 1e3, 'M': 1e6, 'G': 1e9, 'T': 1e12, 'Ki': 2 ** 10, 'Mi': 2 ** 20, 'Gi': 2 ** 30, 'Ti': 2 ** 40 };
  return Number(match[1]) * scale[match[2] ?? ''];
}

/** One level of deployment options and where it is written (`deployment`, `environments[2].overrides`, ...). */
export interface DeploymentLevel {
  readonly at: string;
  readonly options: ServiceDeploymentOptions;
}

/**
 * The rules the API server enforces across fields, on what a service gets in one environment
 * (its levels merged, most specific last): a memory request at most the limit (core/v1
 * validation, "must be less than or equal to memory limit"); with autoscaling, at least one
 * replica (`minReplicas` "must be greater than or equal to 1") and `maxReplicas` at least
 * `replicas` ("must be greater than or equal to `minReplicas`"). Each problem names the most
 * specific level that set one of the fields, with a fix for that level.
 */
export function checkEffectiveDeployment(levels: DeploymentLevel[], where: string): Array<{ option: string; message: string }> {
  const merged: ServiceDeploymentOptions = Object.assign({}, ...levels.map((l) => l.options));
  const lastSetting = (...fields: Array<keyof ServiceDeploymentOptions>) =>
    [...levels].reverse().find((l) => fields.some((f) => l.options[f] !== undefined)) ?? levels[0];
  const problems: Array<{ option: string; message: string }> = [];
  const request = merged.memoryRequest ?? '128Mi';
  const limit = merged.memoryLimit ?? '256Mi';
  const [requestBytes, limitBytes] = [memoryBytes(request), memoryBytes(limit)];
  if (requestBytes !== undefined && limitBytes !== undefined && requestBytes > limitBytes) {
    const level = lastSetting('memoryRequest', 'memoryLimit');
    const field = level.options.memoryLimit !== undefined ? 'memoryLimit' : 'memoryRequest';
    const fix = field === 'memoryLimit' ? request : limit;
    problems.push({ option: `${level.at}.${field}`, message: `leaves ${where} a memory request (${request}) above its limit (${limit}), which the API server refuses; try '${fix}'` });
  }
  const replicas = merged.replicas ?? 2;
  if (merged.maxReplicas !== undefined && Number.isInteger(merged.maxReplicas) && Number.isInteger(replicas)) {
    if (replicas < 1) {
      const level = lastSetting('replicas');
      problems.push({ option: `${level.at}.replicas`, message: `is ${replicas} in ${where}, where maxReplicas (${merged.maxReplicas}) turns on an autoscaler, whose minReplicas must be at least 1 (the API server refuses 0); try 1` });
    } else if (merged.maxReplicas < replicas) {
      const level = lastSetting('replicas', 'maxReplicas');
      const field = level.options.maxReplicas !== undefined ? 'maxReplicas' : 'replicas';
      problems.push({ option: `${level.at}.${field}`, message: `leaves ${where} maxReplicas (${merged.maxReplicas}) below replicas (${replicas}), which the API server refuses for the autoscaler; try ${field === 'maxReplicas' ? replicas : merged.maxReplicas}` });
    }
  }
  return problems;
}
