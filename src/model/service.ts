import { Project } from 'projen';
import { Repository } from './repository';
import { ContainerImage } from '../container/container-image';
import { Runtime } from '../container/runtime';
import { show } from '../core/checks';

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
 * The facts of a service, read from its `ContainerImage` and the repository. The image name
 * follows the container workflow's rule: `<registry>/<owner>/<repo>`, lowercased, with
 * `/<service>` appended for services in folders of their own when there are several.
 */
export function serviceFacts(project: Project, image: ContainerImage): ServiceFacts {
  const repo = Repository.factsOf(project);
  const multi = ContainerImage.all(project).length > 1;
  const derived = repo.repository === undefined ? undefined
    : `${image.registry}/${repo.repository.toLowerCase()}${multi && image.context !== '.' ? `/${image.serviceName}` : ''}`;
  return {
    name: image.serviceName,
    folder: image.context,
    runtime: image.runtime,
    port: image.port,
    uid: image.uid,
    gid: image.uid,
    healthPath: image.healthPath,
    imageRepository: image.imageReference ?? derived,
    fallbackTag: repo.defaultBranch.replace(/[^\w.-]/g, '-'),
  };
}

const CPU = /^(\d+m|\d+(\.\d{1,3})?)$/;
const MEMORY = /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/;
const HOST = /^(\*\.)?([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

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
  if (d.maxReplicas !== undefined && Number.isInteger(d.maxReplicas) && d.maxReplicas < (d.replicas ?? 2)) {
    report('maxReplicas', `must be at least replicas (${d.replicas ?? 2}), got ${d.maxReplicas}; try ${(d.replicas ?? 2) * 2}`);
  }
  if (d.cpuRequest !== undefined && (typeof d.cpuRequest !== 'string' || !CPU.test(d.cpuRequest))) report('cpuRequest', `must be a CPU quantity like '100m' or '0.5', got ${show(d.cpuRequest)}; try '100m'`);
  for (const option of ['memoryRequest', 'memoryLimit'] as const) {
    const value = d[option];
    if (value !== undefined && (typeof value !== 'string' || !MEMORY.test(value))) report(option, `must be a memory quantity like '128Mi' or '1Gi', got ${show(value)}; try '256Mi'`);
  }
  if (d.host !== undefined && (typeof d.host !== 'string' || !HOST.test(d.host))) {
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
