/*
 * Kubernetes object schemas from kubernetes-models 4.5.1 (the OpenAPI of Kubernetes 1.3x,
 * compiled to validators). Those validators accept unknown fields; `schemaProblems` closes
 * them: every field of the object is replaced in turn by a value no schema accepts, and a
 * field whose replacement draws no error is one the schema does not know.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const MODELS: Record<string, () => any> = {
  'v1/ServiceAccount': () => require('kubernetes-models/v1/ServiceAccount').ServiceAccount,
  'v1/Service': () => require('kubernetes-models/v1/Service').Service,
  'v1/Pod': () => require('kubernetes-models/v1/Pod').Pod,
  'apps/v1/Deployment': () => require('kubernetes-models/apps/v1/Deployment').Deployment,
  'policy/v1/PodDisruptionBudget': () => require('kubernetes-models/policy/v1/PodDisruptionBudget').PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': () => require('kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler').HorizontalPodAutoscaler,
  'networking.k8s.io/v1/NetworkPolicy': () => require('kubernetes-models/networking.k8s.io/v1/NetworkPolicy').NetworkPolicy,
  'networking.k8s.io/v1/Ingress': () => require('kubernetes-models/networking.k8s.io/v1/Ingress').Ingress,
  // Argo CD's CRD schemas (@kubernetes-models/argo-cd 2.7.2), for deploy/argocd/.
  'argoproj.io/v1alpha1/AppProject': () => require('@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject').AppProject,
  'argoproj.io/v1alpha1/Application': () => require('@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application').Application,
};

/** Kinds without a schema here (Gateway API's CRDs are not in kubernetes-models 4.x). */
export const UNSCHEMED = new Set(['gateway.networking.k8s.io/v1/HTTPRoute']);

const NOTHING_ACCEPTS = [[[]]]; // a list of lists of lists: no Kubernetes field has that type

interface AjvError { instancePath: string; message?: string }

function errorsOf(Model: any, data: unknown): AjvError[] {
  try {
    new Model(data).validate();
    return [];
  } catch (e: any) {
    return e.errors ?? [{ instancePath: '', message: e.message }];
  }
}

function pointer(path: string[]): string {
  return path.map((p) => `/${p.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

function keyPaths(value: any, prefix: string[] = []): string[][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => keyPaths(v, [...prefix, String(i)]));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [[...prefix, k], ...keyPaths(v, [...prefix, k])]);
}

/** Problems of one object against its kind's schema, unknown fields included. */
export function schemaProblems(object: any): string[] {
  const kind = `${object?.apiVersion}/${object?.kind}`;
  const id = `${object?.kind}/${object?.metadata?.name}`;
  const model = MODELS[kind];
  if (!model) return UNSCHEMED.has(kind) ? [] : [`${id}: no schema for ${kind}`];
  const Model = model();
  const problems = errorsOf(Model, object).map((e) => `${id}: ${e.instancePath || '/'} ${e.message}`);
  for (const path of keyPaths(object)) {
    if (path.length === 1 && (path[0] === 'apiVersion' || path[0] === 'kind')) continue;
    const probe = structuredClone(object);
    let parent = probe;
    for (const p of path.slice(0, -1)) parent = parent[p];
    parent[path[path.length - 1]] = NOTHING_ACCEPTS;
    const at = pointer(path);
    if (!errorsOf(Model, probe).some((e) => e.instancePath === at || e.instancePath.startsWith(`${at}/`))) {
      problems.push(`${id}: ${at} is not a field of ${kind}`);
    }
  }
  return problems;
}
