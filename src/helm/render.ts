import { ChartValues } from './values';

/*
 * The chart's templates (templates/helm/chart/templates/), computed in TypeScript: synth writes
 * the rendered manifests without helm. The tests render every chart with a real `helm template`
 * and compare (as parsed documents in this order), so the two cannot drift apart.
 */

/** One rendered object and the template it comes from. */
export interface RenderedObject {
  readonly source: string;
  readonly object: Record<string, unknown>;
}

/** What `helm template <release> <chart> --namespace <namespace>` knows besides the values. */
export interface Release {
  readonly name: string;
  readonly namespace: string;
  readonly chartName: string;
  readonly appVersion: string;
}

/** The chart's objects for one release, in Helm's install order (its `InstallOrder` by kind). */
export function renderChart(v: ChartValues, release: Release): RenderedObject[] {
  const selector = { 'app.kubernetes.io/name': release.chartName, 'app.kubernetes.io/instance': release.name };
  const labels = {
    ...selector,
    'app.kubernetes.io/version': release.appVersion,
    'app.kubernetes.io/part-of': v.partOf,
    'app.kubernetes.io/managed-by': 'Helm',
  };
  const metadata = () => ({ name: release.name, namespace: release.namespace, labels: { ...labels } });
  const source = (file: string) => `${release.chartName}/templates/${file}`;
  const out: RenderedObject[] = [];

  if (v.networkPolicy.enabled) {
    out.push({
      source: source('networkpolicy.yaml'),
      object: {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: metadata(),
        spec: {
          podSelector: { matchLabels: { ...selector } },
          policyTypes: ['Ingress'],
          ingress: [{
            ports: [{ port: v.port, protocol: 'TCP' }],
            from: [
              { podSelector: {} },
              ...v.networkPolicy.allowFromNamespaces.map((ns) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } })),
            ],
          }],
        },
      },
    });
  }
  out.push({
    source: source('poddisruptionbudget.yaml'),
    object: {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: metadata(),
      spec: { maxUnavailable: v.podDisruptionBudget.maxUnavailable, selector: { matchLabels: { ...selector } } },
    },
  });
  out.push({
    source: source('serviceaccount.yaml'),
    object: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(), automountServiceAccountToken: false },
  });
  out.push({
    source: source('service.yaml'),
    object: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: metadata(),
      spec: {
        type: 'ClusterIP',
        selector: { ...selector },
        ports: [{ name: 'http', port: v.service.port, targetPort: 'http', protocol: 'TCP' }],
      },
    },
  });
  const probe = (extra: object) => ({ httpGet: { path: v.healthPath, port: 'http' }, ...extra });
  const spread = (topologyKey: string) => ({ maxSkew: 1, topologyKey, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { ...selector } } });
  const digest = digestOf(v, release.chartName);
  out.push({
    source: source('deployment.yaml'),
    object: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { ...metadata(), annotations: checkovSkips(digest) },
      spec: {
        ...(v.autoscaling.enabled ? {} : { replicas: v.replicas }),
        revisionHistoryLimit: 5,
        selector: { matchLabels: { ...selector } },
        template: {
          metadata: { labels: { ...labels } },
          spec: {
            serviceAccountName: release.name,
            automountServiceAccountToken: false,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: v.runAsUser,
              runAsGroup: v.runAsGroup,
              fsGroup: v.runAsGroup,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            topologySpreadConstraints: [spread('topology.kubernetes.io/zone'), spread('kubernetes.io/hostname')],
            containers: [{
              name: release.chartName,
              image: imageOf(v, release.chartName),
              // A tag moves (the branch's newest image), so a node pulls it every time; a digest never changes.
              imagePullPolicy: digest ? v.image.pullPolicy : 'Always',
              ports: [{ name: 'http', containerPort: v.port, protocol: 'TCP' }],
              startupProbe: probe({ periodSeconds: 2, failureThreshold: 60 }),
              livenessProbe: probe({ periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 }),
              readinessProbe: probe({ periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 }),
              resources: structuredClone(v.resources),
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            }],
            volumes: [{ name: 'tmp', emptyDir: {} }],
          },
        },
      },
    },
  });
  if (v.autoscaling.enabled) {
    out.push({
      source: source('horizontalpodautoscaler.yaml'),
      object: {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: metadata(),
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: release.name },
          minReplicas: v.replicas,
          maxReplicas: v.autoscaling.maxReplicas,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: v.autoscaling.targetCPUUtilizationPercentage } } }],
        },
      },
    });
  }
  if (v.ingress.enabled) {
    out.push({
      source: source('ingress.yaml'),
      object: {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: metadata(),
        spec: {
          ...(v.ingress.className ? { ingressClassName: v.ingress.className } : {}),
          rules: [{
            host: v.ingress.host,
            http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: release.name, port: { name: 'http' } } } }] },
          }],
        },
      },
    });
  }
  if (v.httpRoute.enabled) {
    out.push({
      source: source('httproute.yaml'),
      object: {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: metadata(),
        spec: {
          parentRefs: [{ name: v.httpRoute.gatewayName, namespace: v.httpRoute.gatewayNamespace }],
          hostnames: [v.httpRoute.host],
          rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: release.name, port: v.service.port }] }],
        },
      },
    });
  }
  return out;
}

/** The digest the image runs by (the environment's pin, else `image.digest`); empty for the tag fallback. */
function digestOf(v: ChartValues, service: string): string {
  return v.images[service]?.digest || v.image.digest;
}

/** The image by digest, the tag only as a fallback. */
export function imageOf(v: ChartValues, service: string): string {
  const digest = digestOf(v, service);
  return digest ? `${v.image.repository}@${digest}` : `${v.image.repository}:${v.image.tag}`;
}

/** The checks checkov would flag on the Deployment that are choices, each with its reason (checkov reads these annotations). */
function checkovSkips(digest: string): Record<string, string> {
  return {
    'checkov.io/skip1': 'CKV_K8S_11=No CPU limit by design: a limit throttles pods while the node has spare CPU; the request reserves what they need',
    ...(digest ? {} : { 'checkov.io/skip2': 'CKV_K8S_43=Runs the branch tag until a promotion pins a digest in images.yaml; pulled every time (imagePullPolicy Always)' }),
  };
}
