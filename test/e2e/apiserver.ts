/**
 * A real Kubernetes control plane for the end-to-end tests: etcd and kube-apiserver, built
 * from their Go modules by `scripts/build-kube-apiserver.sh` (cached under
 * ~/.cache/projen-gitops-tools/kube-<version>/), started on 127.0.0.1 with a throwaway
 * self-signed certificate and a static bearer token, and stopped by PID. No container engine,
 * no kubeconfig, no kubectl: the tests talk HTTPS to the API server directly.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as https from 'https';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { freePort } from './oci';
import { HELM_LAYER } from '../../src/github/helm-tool';

export const BUILD_SCRIPT = path.resolve(__dirname, '..', '..', 'scripts', 'build-kube-apiserver.sh');
/** Builds Argo CD and copies its CRDs and configuration (the ones the dry-run tests install, too). */
export const ARGOCD_BUILD_SCRIPT = path.resolve(__dirname, '..', '..', 'scripts', 'build-argo-cd.sh');
/** Fetches Flux's source-controller and kustomize-controller CRDs (the Flux dry-run tests install them). */
export const FLUX_CRDS_SCRIPT = path.resolve(__dirname, '..', '..', 'scripts', 'fetch-flux-crds.sh');
/** Where the build scripts cache what they build. */
export const TOOLS_ROOT = process.env.PROJEN_GITOPS_TOOLS_CACHE ?? path.join(os.homedir(), '.cache', 'projen-gitops-tools');

/** A `NAME="${NAME:-value}"` pin of a build script (the pins' one home); the environment overrides it as in the script. */
export function scriptPin(script: string, name: string): string {
  const match = fs.readFileSync(script, 'utf-8').match(new RegExp(`^${name}="\\$\\{${name}:-((?:v|go)[\\d.]+)\\}"$`, 'm'));
  if (!match) throw new Error(`${script} has no ${name} pin`);
  return process.env[name] ?? match[1];
}

/** The pinned versions, read from the build scripts (their one home). */
export function kubePins(): { kube: string; etcd: string; kwok: string; argocd: string; gatewayApi: string } {
  const pin = (name: string) => scriptPin(BUILD_SCRIPT, name);
  return { kube: pin('KUBE_VERSION'), etcd: pin('ETCD_VERSION'), kwok: pin('KWOK_VERSION'), argocd: scriptPin(ARGOCD_BUILD_SCRIPT, 'ARGOCD_VERSION'), gatewayApi: pin('GATEWAY_API_VERSION') };
}

/** The cache folder of Argo CD's build (argocd, crds/, core-install.yaml, hack/). */
export function argoCdDir(): string {
  return path.join(TOOLS_ROOT, `argo-cd-${kubePins().argocd}`);
}

/**
 * The folder of Flux's CRDs (GitRepository, Kustomization, ...) at the version
 * scripts/fetch-flux-crds.sh pins, fetched when missing (seconds: two module zips from the Go
 * module proxy, checked against their go.sum hashes), or why there is none.
 */
export function fluxCrds(): { dir: string; version: string; missing?: undefined } | { missing: string } {
  const version = scriptPin(FLUX_CRDS_SCRIPT, 'FLUX_CONTROLLERS_VERSION');
  const dir = path.join(TOOLS_ROOT, `flux-${version}`, 'crds');
  if (fs.existsSync(path.join(dir, '..', '.complete'))) return { dir, version };
  const result = spawnSync('bash', [FLUX_CRDS_SCRIPT], { encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) {
    const tail = `${result.stderr ?? ''}`.trim().split('\n').slice(-3).join('\n');
    return { missing: `${path.relative(process.cwd(), FLUX_CRDS_SCRIPT)} failed (exit ${result.status}; is the Go module proxy reachable?):\n${tail}` };
  }
  return fs.existsSync(dir) ? { dir, version } : { missing: `${FLUX_CRDS_SCRIPT} ran but ${dir} is missing` };
}

/** The built binaries and fetched CRDs (paths), or why there are none. */
export type ControlPlaneTools =
  | { readonly apiserver: string; readonly etcd: string; readonly crdDirs: string[]; readonly missing?: undefined }
  | { readonly missing: string };

/**
 * The cached binaries and CRDs; runs the build script when something is missing and Go is on
 * PATH (the first build takes minutes: `.ci/run` runs it before the tests).
 */
export function controlPlaneTools(): ControlPlaneTools {
  const pins = kubePins();
  const dir = path.join(TOOLS_ROOT, `kube-${pins.kube}`);
  const tools = {
    apiserver: path.join(dir, 'kube-apiserver'),
    etcd: path.join(dir, `etcd-${pins.etcd}`),
    // Argo CD's CRDs from the module version the loop test runs (scripts/build-argo-cd.sh).
    crdDirs: [path.join(argoCdDir(), 'crds'), path.join(dir, `gateway-api-${pins.gatewayApi}`, 'crds')],
  };
  const present = () => fs.existsSync(tools.apiserver) && fs.existsSync(tools.etcd) && tools.crdDirs.every((d) => fs.existsSync(d));
  if (present()) return tools;
  if (spawnSync('go', ['version']).status !== 0) return { missing: 'no Go toolchain on PATH to build kube-apiserver and etcd' };
  console.warn(`building kube-apiserver ${pins.kube} and etcd ${pins.etcd} from the Go module proxy (a few minutes, once): ${BUILD_SCRIPT}`);
  // Only the copied CRDs of Argo CD (seconds), not its build (minutes; .ci/run does that).
  for (const [script, args] of [[BUILD_SCRIPT, []], [ARGOCD_BUILD_SCRIPT, ['manifests']]] as const) {
    const result = spawnSync('bash', [script, ...args], { encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (result.status !== 0) {
      const tail = `${result.stderr ?? ''}`.trim().split('\n').slice(-5).join('\n');
      return { missing: `${path.relative(process.cwd(), script)} failed (exit ${result.status}; is the Go module proxy reachable?):\n${tail}` };
    }
  }
  if (!present()) return { missing: `the build scripts ran but ${[tools.apiserver, tools.etcd, ...tools.crdDirs].filter((f) => !fs.existsSync(f)).join(', ')} is missing` };
  return tools;
}

/** kubectl as the same pinned npm layer ships it next to helm (lib/layer.zip, sha256 checked), or why not. */
export function kubectlBinary(): { path: string; missing?: undefined } | { missing: string } {
  let zip: string;
  try {
    zip = path.join(path.dirname(require.resolve(`${HELM_LAYER.package}/package.json`)), 'lib', 'layer.zip');
  } catch {
    return { missing: `${HELM_LAYER.package} is not installed (npm ci)` };
  }
  const root = process.env.PROJEN_GITOPS_TOOLS_CACHE ?? path.join(os.homedir(), '.cache', 'projen-gitops-tools');
  const dir = path.join(root, `kubectl-${HELM_LAYER.version}-${HELM_LAYER.sha256.slice(0, 12)}`);
  const kubectl = path.join(dir, 'kubectl', 'kubectl');
  if (!fs.existsSync(kubectl)) {
    const sha = crypto.createHash('sha256').update(fs.readFileSync(zip)).digest('hex');
    if (sha !== HELM_LAYER.sha256) throw new Error(`${zip} has sha256 ${sha}, expected ${HELM_LAYER.sha256}: not the pinned layer`);
    const tmp = `${dir}.tmp-${process.pid}`;
    fs.mkdirSync(tmp, { recursive: true });
    const unzip = spawnSync('unzip', ['-q', '-o', zip, 'kubectl/kubectl', '-d', tmp], { encoding: 'utf-8' });
    if (unzip.status !== 0) return { missing: `unzip failed: ${unzip.error?.message ?? unzip.stderr}` };
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
  }
  return { path: kubectl };
}

/** One API response: status, parsed body and every `Warning` header's text. */
export interface KubeResponse {
  readonly status: number;
  readonly body: any;
  readonly warnings: string[];
}

/** The outcome of a server-side dry-run apply: accepted without warnings, or why not. */
export interface Verdict {
  readonly object: string;
  readonly status: number;
  readonly warnings: string[];
  /** The API server's message when it rejected the object. */
  readonly message?: string;
  /** Which requests were rejected: the server-side apply, the create, or both. */
  readonly rejectedBy: ReadonlyArray<'apply' | 'create'>;
}

interface Resource { readonly plural: string; readonly namespaced: boolean }

const FIELD_MANAGER = 'projen-gitops-e2e';

/** The built-in kinds with a pod template (custom resources' `spec.template` is something else). */
const WORKLOADS = ['apps/v1/Deployment', 'apps/v1/StatefulSet', 'apps/v1/DaemonSet', 'apps/v1/ReplicaSet', 'batch/v1/Job', 'batch/v1/CronJob', 'v1/ReplicationController'];

/**
 * Where the control plane's processes run when not right here: a network namespace of their
 * own (test/e2e/loop.ts), reached through a Unix socket relayed to its loopback.
 */
export interface ProcessPlace {
  /** The command and arguments that run `bin args` there (exec'd, so the PID is the process's). */
  command(bin: string, args: string[]): [string, string[]];
  /** A Unix socket path, here, that is connected to 127.0.0.1:`port` there. */
  relay(port: number): Promise<string>;
}

/** A running etcd + kube-apiserver pair. Always `stop()` it (afterAll). */
export class ControlPlane {
  /**
   * Starts etcd and kube-apiserver on free loopback ports and waits (bounded) for /readyz.
   * Returns how long the API server took to become ready in `startSeconds`.
   */
  static async start(bins: { apiserver: string; etcd: string }, timeoutMs = 180_000, place?: ProcessPlace): Promise<ControlPlane> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-kube-'));
    // Three different ports: two calls of freePort() can return the same one.
    const ports = new Set<number>();
    while (ports.size < 3) ports.add(await freePort());
    const [etcdPort, peerPort, apiPort] = [...ports];
    const token = crypto.randomBytes(24).toString('hex');
    writeCredentials(dir, token);
    const plane = new ControlPlane(dir, apiPort, token, fs.readFileSync(path.join(dir, 'server.crt')), place);
    const started = Date.now();
    try {
      if (place) plane.socketPath = await place.relay(apiPort);
      plane.etcd = plane.spawn('etcd', bins.etcd, [
        '--name=default',
        `--data-dir=${path.join(dir, 'etcd')}`,
        `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
        `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
        `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-cluster=default=http://127.0.0.1:${peerPort}`,
        '--unsafe-no-fsync',
        '--log-level=warn',
      ]);
      plane.apiserver = plane.spawn('kube-apiserver', bins.apiserver, [
        `--etcd-servers=http://127.0.0.1:${etcdPort}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        `--tls-cert-file=${path.join(dir, 'server.crt')}`,
        `--tls-private-key-file=${path.join(dir, 'server.key')}`,
        `--token-auth-file=${path.join(dir, 'tokens.csv')}`,
        '--authorization-mode=RBAC',
        `--service-account-key-file=${path.join(dir, 'sa.pub')}`,
        `--service-account-signing-key-file=${path.join(dir, 'sa.key')}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        '--service-cluster-ip-range=10.96.0.0/16',
        // A real cluster's setting: privileged pods are then stopped by Pod Security, not by
        // the API server's own validation, so the known-bad fixture tests PodSecurity.
        '--allow-privileged=true',
        '--enable-admission-plugins=PodSecurity',
        // 127.0.0.1 is not a valid Endpoints address; nothing needs the `kubernetes` Service.
        '--endpoint-reconciler-type=none',
        '--profiling=false',
        '--v=0',
      ]);
      await plane.waitReady(started + timeoutMs);
    } catch (error) {
      await plane.stop();
      throw error;
    }
    plane.startSeconds = (Date.now() - started) / 1000;
    return plane;
  }

  /** Seconds from starting etcd to kube-apiserver's /readyz answering 200. */
  public startSeconds = 0;
  private etcd?: ChildProcess;
  private apiserver?: ChildProcess;
  private readonly logs: Record<string, string> = {};
  private readonly resources = new Map<string, Resource>();
  /** The Unix socket that reaches the API server when it runs in a `ProcessPlace`. */
  private socketPath?: string;

  private constructor(
    private readonly dir: string,
    readonly port: number,
    private readonly token: string,
    private readonly ca: Buffer,
    private readonly place?: ProcessPlace,
  ) {}

  /** A file of the control plane's credentials: `server.crt` (also the CA), `sa.key`, `sa.pub`. */
  credential(name: 'server.crt' | 'sa.key' | 'sa.pub'): string {
    return path.join(this.dir, name);
  }

  /** A kubeconfig for this server and token (in the control plane's own temp folder), with a default namespace if given. */
  kubeconfig(namespace?: string): string {
    const file = path.join(this.dir, `kubeconfig${namespace ? `-${namespace}` : ''}.json`);
    fs.writeFileSync(file, JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'e2e', cluster: { 'server': `https://127.0.0.1:${this.port}`, 'certificate-authority-data': this.ca.toString('base64') } }],
      users: [{ name: 'e2e', user: { token: this.token } }],
      contexts: [{ name: 'e2e', context: { cluster: 'e2e', user: 'e2e', ...(namespace ? { namespace } : {}) } }],
      ['current-context']: 'e2e',
    }), { mode: 0o600 });
    return file;
  }

  /** The last lines each process wrote, for failure messages. */
  logTail(lines = 20): string {
    return Object.entries(this.logs).map(([name, log]) => `--- ${name}\n${log.trim().split('\n').slice(-lines).join('\n')}`).join('\n');
  }

  /** Stops both processes by PID (SIGTERM, then SIGKILL) and deletes the data. */
  async stop(): Promise<void> {
    for (const child of [this.apiserver, this.etcd]) {
      if (!child || child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** One HTTPS request with the test token. */
  request(method: string, urlPath: string, body?: unknown, contentType = 'application/json'): Promise<KubeResponse> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request({
        ...(this.socketPath ? { socketPath: this.socketPath } : { host: '127.0.0.1', port: this.port }),
        method,
        path: urlPath,
        ca: this.ca,
        servername: 'localhost',
        headers: {
          Authorization: `Bearer ${this.token}`,
          Accept: 'application/json',
          ...(payload === undefined ? {} : { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) }),
        },
        timeout: 60_000,
      }, (res) => {
        let text = '';
        res.setEncoding('utf-8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => {
          const warnings: string[] = [];
          for (let i = 0; i < res.rawHeaders.length; i += 2) {
            if (res.rawHeaders[i].toLowerCase() === 'warning') warnings.push(warningText(res.rawHeaders[i + 1]));
          }
          let parsed: any = text;
          try { parsed = JSON.parse(text); } catch { /* not JSON (e.g. /readyz) */ }
          resolve({ status: res.statusCode ?? 0, body: parsed, warnings });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath} timed out`)));
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** Creates an object for real (namespaces, service accounts, CRDs); an existing one is kept. */
  async create(object: any, namespace?: string): Promise<void> {
    const url = await this.collectionUrl(object, namespace);
    const res = await this.request('POST', `${url}?fieldManager=${FIELD_MANAGER}&fieldValidation=Strict`, object);
    if (res.status === 409) return;
    if (res.status >= 300 || res.warnings.length > 0) {
      throw new Error(`creating ${objectName(object)} failed (${res.status}): ${messageOf(res.body)} ${res.warnings.join('; ')}`);
    }
  }

  /** A namespace of an environment, enforcing (and warning and auditing) the restricted profile, with its default service account. */
  async createRestrictedNamespace(name: string): Promise<void> {
    const labels: Record<string, string> = {};
    for (const mode of ['enforce', 'warn', 'audit']) {
      labels[`pod-security.kubernetes.io/${mode}`] = 'restricted';
      labels[`pod-security.kubernetes.io/${mode}-version`] = 'latest';
    }
    await this.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
    // The controller manager would create it; pods need their service account to exist.
    await this.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } }, name);
  }

  /**
   * Installs the CustomResourceDefinitions of YAML text (other kinds in it are left out) and
   * waits until each is Established.
   */
  async installCrds(yamlText: string, timeoutMs = 60_000): Promise<string[]> {
    const crds = parseObjects(yamlText).filter((o) => o.kind === 'CustomResourceDefinition');
    for (const crd of crds) await this.create(crd);
    const deadline = Date.now() + timeoutMs;
    for (const crd of crds) {
      for (;;) {
        const res = await this.request('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`);
        const established = (res.body?.status?.conditions ?? []).some((c: any) => c.type === 'Established' && c.status === 'True');
        if (established) break;
        if (Date.now() > deadline) throw new Error(`CRD ${crd.metadata.name} not Established in ${timeoutMs} ms`);
        await sleep(200);
      }
    }
    this.resources.clear();
    return crds.map((crd) => crd.metadata.name);
  }

  /**
   * The object dry-run (`dryRun=All`, nothing is stored) both ways a client sends it, each with
   * `fieldValidation=Strict`: a server-side apply (PATCH application/apply-patch+yaml, as
   * `kubectl apply --server-side` and Argo CD's ServerSideApply) and a create (POST, as
   * `kubectl create` and client-side apply). Admission (Pod Security included), the schema and
   * every validation run; a create of an object that already exists (409) counts for nothing.
   */
  async dryRunApply(object: any, namespace?: string): Promise<Verdict> {
    const collection = await this.collectionUrl(object, namespace);
    const query = `dryRun=All&fieldManager=${FIELD_MANAGER}&fieldValidation=Strict`;
    const apply = await this.request('PATCH', `${collection}/${encodeURIComponent(object.metadata?.name ?? '')}?${query}&force=true`, object, 'application/apply-patch+yaml');
    const create = await this.request('POST', `${collection}?${query}`, object);
    const rejections: string[] = [];
    const rejectedBy: Array<'apply' | 'create'> = [];
    for (const [how, res] of [['apply', apply], ['create', create]] as const) {
      if ((res.status >= 200 && res.status < 300) || (how === 'create' && res.status === 409)) continue;
      rejectedBy.push(how);
      rejections.push(`${how}: ${messageOf(res.body)}`);
    }
    return {
      object: objectName(object),
      status: rejectedBy.length > 0 ? Math.max(apply.status, create.status) : apply.status,
      warnings: [...new Set([...apply.warnings, ...create.warnings])],
      message: rejections.length > 0 ? rejections.join('\n') : undefined,
      rejectedBy,
    };
  }

  /**
   * All objects of one namespace: their ServiceAccounts are created for real first (pods need
   * theirs to exist, as in a cluster), then every object and every pod template is dry-run.
   */
  async dryRunAll(objects: any[], namespace?: string): Promise<Verdict[]> {
    for (const sa of objects.filter((o) => o.apiVersion === 'v1' && o.kind === 'ServiceAccount')) await this.create(sa, namespace);
    const verdicts: Verdict[] = [];
    for (const object of objects) {
      verdicts.push(await this.dryRunApply(object, namespace));
      const pod = await this.dryRunPodOf(object, namespace);
      if (pod) verdicts.push(pod);
    }
    return verdicts;
  }

  /**
   * The pod template of a built-in workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob) dry-run as a Pod:
   * Pod Security only warns about templates but rejects pods, so this makes the restricted
   * profile a rejection. Undefined for objects without a pod template.
   */
  async dryRunPodOf(object: any, namespace?: string): Promise<Verdict | undefined> {
    if (!WORKLOADS.includes(`${object.apiVersion}/${object.kind}`)) return undefined;
    const template = object.kind === 'CronJob' ? object.spec?.jobTemplate?.spec?.template : object.spec?.template;
    if (!template?.spec) return undefined;
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { ...(template.metadata ?? {}), name: `${object.metadata.name}-template`, namespace: namespace ?? object.metadata.namespace },
      spec: template.spec,
    };
    const verdict = await this.dryRunApply(pod, namespace);
    return { ...verdict, object: `pod template of ${objectName(object)}` };
  }

  private spawn(name: string, bin: string, args: string[]): ChildProcess {
    const [command, argv] = this.place ? this.place.command(bin, args) : [bin, args];
    const child = spawn(command, argv, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    this.logs[name] = '';
    const keep = (chunk: Buffer) => { this.logs[name] = (this.logs[name] + chunk.toString()).slice(-20_000); };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    // Never left running: if the test process ends without stop(), take the child with it.
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));
    return child;
  }

  private async waitReady(deadline: number): Promise<void> {
    let last = '';
    for (;;) {
      for (const [name, child] of [['etcd', this.etcd], ['kube-apiserver', this.apiserver]] as const) {
        if (child && child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}\n${this.logTail()}`);
      }
      try {
        const res = await this.request('GET', '/readyz');
        if (res.status === 200) return;
        last = `${res.status} ${typeof res.body === 'string' ? res.body.slice(-500) : JSON.stringify(res.body)}`;
      } catch (error) {
        last = String(error);
      }
      if (Date.now() > deadline) throw new Error(`kube-apiserver not ready in time (last /readyz: ${last})\n${this.logTail()}`);
      await sleep(250);
    }
  }

  private async collectionUrl(object: any, namespace?: string): Promise<string> {
    const apiVersion: string = object.apiVersion ?? '';
    const kind: string = object.kind ?? '';
    const resource = await this.resourceOf(apiVersion, kind);
    const prefix = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    if (!resource.namespaced) return `${prefix}/${resource.plural}`;
    const ns = object.metadata?.namespace ?? namespace;
    if (!ns) throw new Error(`${objectName(object)} is namespaced but no namespace was given`);
    return `${prefix}/namespaces/${encodeURIComponent(ns)}/${resource.plural}`;
  }

  private async resourceOf(apiVersion: string, kind: string): Promise<Resource> {
    const key = `${apiVersion}/${kind}`;
    if (!this.resources.has(key)) {
      const res = await this.request('GET', apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`);
      if (res.status !== 200) throw new Error(`the API server serves no ${apiVersion} (${res.status}): install its CRDs first`);
      for (const r of res.body.resources ?? []) {
        if (!r.name.includes('/')) this.resources.set(`${apiVersion}/${r.kind}`, { plural: r.name, namespaced: r.namespaced });
      }
    }
    const resource = this.resources.get(key);
    if (!resource) throw new Error(`the API server serves no kind ${kind} in ${apiVersion}`);
    return resource;
  }
}

/** Every non-empty document of a multi-document YAML text. */
export function parseObjects(yamlText: string): any[] {
  return parseAllDocuments(yamlText).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors[0].message}`);
    return doc.toJS();
  }).filter((o) => o && typeof o === 'object');
}

/** `Deployment/orders`, for messages. */
export function objectName(object: any): string {
  return `${object?.kind ?? '?'}/${object?.metadata?.name ?? '?'}`;
}

function messageOf(body: any): string {
  return typeof body === 'object' && body?.message ? body.message : String(body).slice(0, 2000);
}

/** `299 - "text"` to `text`. */
function warningText(header: string): string {
  const match = header.match(/^\d{3} \S+ "((?:[^"\\]|\\.)*)"/);
  return match ? match[1].replace(/\\(.)/g, '$1') : header;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A self-signed serving certificate for 127.0.0.1 (openssl), the service-account key pair and the token file. */
function writeCredentials(dir: string, token: string): void {
  const openssl = spawnSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=projen-gitops-e2e-apiserver',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout', path.join(dir, 'server.key'), '-out', path.join(dir, 'server.crt'),
  ], { encoding: 'utf-8' });
  if (openssl.status !== 0) throw new Error(`openssl could not make the serving certificate: ${openssl.stderr}`);
  const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  fs.writeFileSync(path.join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  fs.writeFileSync(path.join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  // system:masters is bound to cluster-admin by the RBAC bootstrap policy.
  fs.writeFileSync(path.join(dir, 'tokens.csv'), `${token},projen-gitops-e2e,projen-gitops-e2e,"system:masters"\n`, { mode: 0o600 });
}
