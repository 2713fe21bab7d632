/**
 * Hand-written TEST FIXTURES for the API server tests: a service shaped the way a
 * restricted-Pod-Security workload must look, and known-bad variants that the API server must
 * reject. They prove the harness can pass and fail; they say nothing about generated output,
 * which the tests apply separately.
 */

export const FIXTURE_NAMESPACE = 'fixtures';

const labels = { 'app.kubernetes.io/name': 'orders', 'app.kubernetes.io/instance': 'orders' };
const image = `ghcr.io/acme/orders@sha256:${'0'.repeat(64)}`;

/** A restricted-profile pod spec (https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted). */
export function restrictedPodSpec(): any {
  return {
    serviceAccountName: 'orders',
    automountServiceAccountToken: false,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers: [{
      name: 'orders',
      image,
      ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
      startupProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 2, failureThreshold: 30 },
      livenessProbe: { httpGet: { path: '/healthz', port: 'http' } },
      readinessProbe: { httpGet: { path: '/healthz', port: 'http' } },
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
      securityContext: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      },
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
    }],
    volumes: [{ name: 'tmp', emptyDir: {} }],
    topologySpreadConstraints: [{
      maxSkew: 1,
      topologyKey: 'topology.kubernetes.io/zone',
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: labels },
    }],
  };
}

export function deployment(podSpec: any = restrictedPodSpec()): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'orders', labels },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: podSpec },
    },
  };
}

/** Known-good objects of one service. */
export function knownGoodService(): any[] {
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'orders', labels }, automountServiceAccountToken: false },
    deployment(),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'orders', labels },
      spec: { type: 'ClusterIP', selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'orders', labels },
      spec: {
        podSelector: { matchLabels: labels },
        policyTypes: ['Ingress'],
        ingress: [{ ports: [{ port: 8080, protocol: 'TCP' }] }],
      },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'orders', labels },
      spec: { minAvailable: 1, selector: { matchLabels: labels } },
    },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'orders', labels },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'orders' },
        minReplicas: 2,
        maxReplicas: 5,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
      },
    },
    httpRoute(),
  ];
}

export function httpRoute(): any {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'orders', labels },
    spec: {
      parentRefs: [{ name: 'public', namespace: 'gateway' }],
      hostnames: ['orders.example.com'],
      rules: [{
        matches: [{ path: { type: 'PathPrefix', value: '/' } }],
        backendRefs: [{ name: 'orders', port: 80 }],
      }],
    },
  };
}

export const ARGOCD_NAMESPACE = 'argocd';

/** Known-good Argo CD objects (in the argocd namespace). */
export function knownGoodArgoCd(): any[] {
  return [
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: { name: 'orders' },
      spec: {
        sourceRepos: ['https://github.com/acme/orders.git'],
        destinations: [{ server: 'https://kubernetes.default.svc', namespace: FIXTURE_NAMESPACE }],
        namespaceResourceWhitelist: [{ group: 'apps', kind: 'Deployment' }, { group: '', kind: 'Service' }],
      },
    },
    application(),
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'ApplicationSet',
      metadata: { name: 'orders' },
      spec: {
        goTemplate: true,
        goTemplateOptions: ['missingkey=error'],
        generators: [{ list: { elements: [{ env: 'dev' }, { env: 'staging' }] } }],
        template: {
          metadata: { name: 'orders-{{.env}}' },
          spec: {
            project: 'orders',
            source: { repoURL: 'https://github.com/acme/orders.git', targetRevision: 'main', path: 'deploy/rendered/{{.env}}' },
            destination: { server: 'https://kubernetes.default.svc', namespace: 'orders-{{.env}}' },
          },
        },
      },
    },
  ];
}

export function application(): any {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'orders-dev' },
    spec: {
      project: 'orders',
      source: { repoURL: 'https://github.com/acme/orders.git', targetRevision: 'main', path: 'deploy/rendered/dev' },
      destination: { server: 'https://kubernetes.default.svc', namespace: FIXTURE_NAMESPACE },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=false'] },
    },
  };
}

/** What each known-bad fixture is, and what the API server's message must say about it. */
export interface KnownBad {
  readonly name: string;
  readonly namespace: string;
  readonly object: any;
  /** Tested as a pod made from the object's pod template instead of the object itself. */
  readonly asPod?: boolean;
  readonly rejectedWith: RegExp;
}

export function knownBad(): KnownBad[] {
  const privileged = restrictedPodSpec();
  privileged.containers[0].securityContext = { privileged: true };
  const root = restrictedPodSpec();
  delete root.securityContext.runAsNonRoot;
  delete root.securityContext.runAsUser;
  const unknownField = deployment();
  unknownField.spec.template.spec.containers[0].imagePullPolcy = 'Always';
  const portless = httpRoute();
  delete portless.spec.rules[0].backendRefs[0].port;
  const misspelt = application();
  misspelt.spec.destination = { server: 'https://kubernetes.default.svc', namepsace: FIXTURE_NAMESPACE };
  return [
    {
      name: 'a privileged pod (restricted Pod Security)',
      namespace: FIXTURE_NAMESPACE,
      object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'privileged', labels }, spec: privileged },
      rejectedWith: /apply: .*violates PodSecurity "restricted:latest": privileged \(container "orders" must not set securityContext\.privileged=true\)/,
    },
    {
      name: 'a Deployment whose pods may run as root (a Pod Security warning, a rejected pod)',
      namespace: FIXTURE_NAMESPACE,
      object: deployment(root),
      asPod: true,
      rejectedWith: /apply: .*violates PodSecurity "restricted:latest": runAsNonRoot != true/,
    },
    {
      name: 'a Deployment with an unknown field (strict field validation)',
      namespace: FIXTURE_NAMESPACE,
      object: unknownField,
      rejectedWith: /apply: .*containers\[name="orders"\]\.imagePullPolcy: field not declared in schema\ncreate: .*unknown field "spec\.template\.spec\.containers\[0\]\.imagePullPolcy"/,
    },
    {
      name: "an HTTPRoute to a Service without a port (Gateway API's CEL rule)",
      namespace: FIXTURE_NAMESPACE,
      object: portless,
      rejectedWith: /apply: .*Must have port for Service reference\ncreate: .*Must have port for Service reference/,
    },
    {
      name: 'an Application with a misspelt key (Argo CD CRD schema, strict)',
      namespace: ARGOCD_NAMESPACE,
      object: misspelt,
      rejectedWith: /apply: .*\.spec\.destination\.namepsace: field not declared in schema\ncreate: .*unknown field "spec\.destination\.namepsace"/,
    },
  ];
}
