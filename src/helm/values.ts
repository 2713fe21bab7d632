import { EnvironmentFacts } from '../model/environments';
import { holdSchema } from '../model/hold';
import { DIGEST_PATTERN } from '../model/images-file';
import { ServiceDeploymentOptions, ServiceFacts } from '../model/service';

/* The typed values of a service's chart, their schema, and per-environment overrides (internal). */

/** The values a chart takes; `values.yaml` holds them all, `values.schema.json` closes them. */
export interface ChartValues {
  readonly partOf: string;
  readonly image: { readonly repository: string; readonly tag: string; readonly digest: string; readonly pullPolicy: string };
  /** Digests per service, from an environment's `images.yaml` (written by automation). */
  readonly images: { readonly [service: string]: { readonly digest: string } };
  readonly replicas: number;
  readonly port: number;
  readonly healthPath: string;
  readonly runAsUser: number;
  readonly runAsGroup: number;
  readonly service: { readonly port: number };
  readonly resources: { readonly requests: { readonly cpu: string; readonly memory: string }; readonly limits: { readonly memory: string } };
  readonly autoscaling: { readonly enabled: boolean; readonly maxReplicas: number; readonly targetCPUUtilizationPercentage: number };
  readonly podDisruptionBudget: { readonly maxUnavailable: number };
  readonly networkPolicy: { readonly enabled: boolean; readonly allowFromNamespaces: string[] };
  readonly ingress: { readonly enabled: boolean; readonly className: string; readonly host: string };
  readonly httpRoute: { readonly enabled: boolean; readonly host: string; readonly gatewayName: string; readonly gatewayNamespace: string };
}

/** The chart's values for a service with its deployment options. */
export function chartValues(partOf: string, service: ServiceFacts, d: ServiceDeploymentOptions): ChartValues {
  const replicas = d.replicas ?? 2;
  const [gatewayNamespace, gatewayName] = d.gateway?.split('/') ?? ['', ''];
  return {
    // A label value: at most 63, alphanumeric at both ends (a project name may be longer or end in '-', '.', '_').
    partOf: partOf.slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, ''),
    image: { repository: service.imageRepository ?? '', tag: service.fallbackTag, digest: '', pullPolicy: 'IfNotPresent' },
    images: {},
    replicas,
    port: service.port,
    healthPath: service.healthPath,
    runAsUser: service.uid,
    runAsGroup: service.gid,
    service: { port: d.servicePort ?? 80 },
    resources: {
      requests: { cpu: d.cpuRequest ?? '100m', memory: d.memoryRequest ?? '128Mi' },
      limits: { memory: d.memoryLimit ?? '256Mi' },
    },
    autoscaling: { enabled: d.maxReplicas !== undefined, maxReplicas: d.maxReplicas ?? 10, targetCPUUtilizationPercentage: 80 },
    podDisruptionBudget: { maxUnavailable: 1 },
    networkPolicy: { enabled: true, allowFromNamespaces: [...(d.allowFromNamespaces ?? [])] },
    ingress: { enabled: d.host !== undefined && d.gateway === undefined, className: d.ingressClassName ?? '', host: d.gateway === undefined ? d.host ?? '' : '' },
    httpRoute: { enabled: d.host !== undefined && d.gateway !== undefined, host: d.gateway !== undefined ? d.host ?? '' : '', gatewayName: gatewayName ?? '', gatewayNamespace: gatewayNamespace ?? '' },
  };
}

/** A service's options in an environment: its own, then the environment's, then the environment's for it. */
export function environmentOptions(base: ServiceDeploymentOptions, env: EnvironmentFacts, service: string): ServiceDeploymentOptions {
  return { ...base, ...env.overrides, ...env.services[service] };
}

/** What `b` changes relative to `a`, as a Helm values overlay (maps merged, lists replaced). */
export function valuesDiff(a: any, b: any): any {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(b)) {
    const before = a?.[key];
    if (isMap(value) && isMap(before)) {
      const nested = valuesDiff(before, value);
      if (Object.keys(nested).length > 0) out[key] = nested;
    } else if (JSON.stringify(before) !== JSON.stringify(value)) {
      out[key] = value;
    }
  }
  return out;
}

/** Helm's coalescing of values files: maps merged key by key, anything else replaced. */
export function mergeValues(base: any, ...overlays: any[]): any {
  let result = structuredClone(base);
  for (const overlay of overlays) result = mergeTwo(result, overlay ?? {});
  return result;
}

function mergeTwo(a: any, b: any): any {
  const out: Record<string, unknown> = { ...a };
  for (const [key, value] of Object.entries(b)) {
    out[key] = isMap(value) && isMap(a[key]) ? mergeTwo(a[key], value) : structuredClone(value);
  }
  return out;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Constraints the types alone do not say, by value path. */
const HINTS: Record<string, object> = {
  'image.repository': { minLength: 1 },
  'image.digest': { pattern: DIGEST_PATTERN },
  'image.pullPolicy': { enum: ['Always', 'IfNotPresent', 'Never'], description: 'For an image by digest; the tag fallback is always pulled (Always).' },
  'replicas': { minimum: 0 },
  'port': { minimum: 1, maximum: 65535 },
  'healthPath': { pattern: '^/' },
  'runAsUser': { minimum: 1 },
  'runAsGroup': { minimum: 1 },
  'service.port': { minimum: 1, maximum: 65535 },
  'autoscaling.maxReplicas': { minimum: 1 },
  'autoscaling.targetCPUUtilizationPercentage': { minimum: 1, maximum: 100 },
  'podDisruptionBudget.maxUnavailable': { minimum: 0 },
};

/**
 * `values.schema.json`, generated from the typed values: every object closed
 * (`additionalProperties: false`), so a misspelt key fails `helm lint` and `helm template`.
 */
export function valuesSchema(values: ChartValues): object {
  const root = schemaOf(values, '') as { properties: Record<string, unknown> };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Values of a chart generated by projen-gitops (change .projenrc.ts, not this file)',
    ...root,
    // images.yaml is a values file too: its `hold:` (optional; the templates never read it).
    properties: { ...root.properties, hold: holdSchema() },
  };
}

function schemaOf(value: unknown, at: string): Record<string, unknown> {
  const hint = HINTS[at] ?? {};
  if (at === 'images') {
    return {
      type: 'object',
      description: 'Image digests per service, written by automation (deploy/environments/<env>/images.yaml).',
      additionalProperties: {
        type: 'object',
        properties: { digest: { type: 'string', pattern: DIGEST_PATTERN } },
        required: ['digest'],
        additionalProperties: false,
      },
    };
  }
  if (Array.isArray(value)) return { type: 'array', items: { type: 'string' }, ...hint };
  if (isMap(value)) {
    const keys = Object.keys(value);
    return {
      type: 'object',
      properties: Object.fromEntries(keys.map((k) => [k, schemaOf(value[k], at ? `${at}.${k}` : k)])),
      required: keys,
      additionalProperties: false,
      ...hint,
    };
  }
  if (typeof value === 'number') return { type: 'integer', ...hint };
  return { type: typeof value, ...hint };
}
