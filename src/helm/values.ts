import { show } from '../core/checks';
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

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  pattern?: string;
  enum?: unknown[];
}

/**
 * What `values.schema.json` refuses in a values file, as `helm lint` would (its keywords only:
 * type, properties, required, additionalProperties, items, minimum, maximum, minLength, pattern,
 * enum): each problem at the value's key path, with the typed value there as the fix. For an
 * escape hatch, checked before any file is written.
 */
export function valuesProblems(schema: object, value: unknown, example: unknown, at = ''): Array<{ key: string; message: string }> {
  const node = schema as SchemaNode;
  const key = at || '(the values)';
  const fix = example === undefined ? 'remove the override' : `try ${show(example)}`;
  const wrong = (what: string) => [{ key, message: `must be ${what}, got ${show(value)}; ${fix}` }];
  switch (node.type) {
    case 'object': {
      if (!isMap(value)) return wrong('a map');
      const problems: Array<{ key: string; message: string }> = [];
      for (const name of node.required ?? []) {
        if (!(name in value)) problems.push({ key: at ? `${at}.${name}` : name, message: `is required by the chart's values.schema.json; remove the deletion override${isMap(example) && example[name] !== undefined ? ` (it was ${show(example[name])})` : ''}` });
      }
      for (const [name, item] of Object.entries(value)) {
        const path = at ? `${at}.${name}` : name;
        const sub = node.properties?.[name] ?? (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined);
        if (sub) problems.push(...valuesProblems(sub, item, isMap(example) ? example[name] : undefined, path));
        else if (node.additionalProperties === false) problems.push({ key: path, message: `is no value of the chart (its values.schema.json is closed, so helm lint and the deploy check fail); remove the override, or add the key to values.schema.json and a template that reads it${Object.keys(node.properties ?? {}).length ? `; the chart's keys here: ${Object.keys(node.properties ?? {}).join(', ')}` : ''}` });
      }
      return problems;
    }
    case 'array':
      if (!Array.isArray(value)) return wrong('a list');
      return value.flatMap((item, i) => (node.items ? valuesProblems(node.items, item, undefined, `${key}[${i}]`) : []));
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return wrong('a whole number');
      if (node.minimum !== undefined && value < node.minimum) return wrong(`at least ${node.minimum}`);
      if (node.maximum !== undefined && value > node.maximum) return wrong(`at most ${node.maximum}`);
      return [];
    case 'string':
      if (typeof value !== 'string') return wrong('a string');
      if (node.minLength !== undefined && value.length < node.minLength) return wrong(`at least ${node.minLength} characters`);
      if (node.pattern !== undefined && !new RegExp(node.pattern).test(value)) return wrong(`a string matching ${node.pattern}`);
      if (node.enum && !node.enum.includes(value)) return wrong(`one of ${node.enum.map(show).join(', ')}`);
      return [];
    case 'boolean':
      return typeof value === 'boolean' ? [] : wrong('true or false');
    default:
      return [];
  }
}
