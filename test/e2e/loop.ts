/**
 * The GitOps loop, for real, for test/e2e/loop.test.ts: a Kubernetes control plane (etcd,
 * kube-apiserver, kube-controller-manager, kube-scheduler, and kwok's fake node that makes pods
 * run), Argo CD in core mode (repo-server, application-controller, notifications controller,
 * redis) and a `git daemon` serving the generated repository, every one of them a process
 * started here and stopped by its PID, all inside a network namespace of their own
 * (`unshare -n`, root) where only loopback exists. The test reaches the API server through a
 * Unix socket relayed into the namespace, runs kubectl there with `nsenter`, and its fake
 * GitHub API is relayed the other way (a port in the namespace, a Unix socket, the test's
 * port), so Argo CD's notifications reach it as they would reach GitHub.
 *
 * Built by scripts/build-kube-apiserver.sh and scripts/build-argo-cd.sh (cached under
 * ~/.cache/projen-gitops-tools/); redis is Debian's redis-tools (`redis-check-rdb` is the
 * server binary, run through a link named `redis-server`). Facts and pitfalls:
 * docs/testing.md ("The GitOps loop").
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ARGOCD_BUILD_SCRIPT, argoCdDir, ControlPlane, controlPlaneTools, kubectlBinary, kubePins, parseObjects, ProcessPlace, TOOLS_ROOT } from './apiserver';
import { findTool, installHint } from '../tools';

/** Every binary and file the loop runs, or why it cannot run (`tool`: what is missing, as test/tools.ts counts skips). */
export type LoopTools =
  | {
    readonly apiserver: string;
    readonly etcd: string;
    readonly controllerManager: string;
    readonly scheduler: string;
    readonly kwok: string;
    readonly kwokStages: string;
    readonly argocd: string;
    /** Argo CD's release files: crds/, core-install.yaml, notifications/, hack/ (the repo-server's git wrappers). */
    readonly argocdDir: string;
    readonly redis: string;
    readonly kubectl: string;
    /** util-linux's `unshare` and `nsenter`, iproute2's `ip`: the network namespace. */
    readonly unshare: string;
    readonly nsenter: string;
    readonly ip: string;
    readonly missing?: undefined;
    readonly tool?: undefined;
  }
  | { readonly missing: string; readonly tool: string };

/** The loop's tools from the caches (built by .ci/run before the tests; never built here: minutes). */
export function loopTools(): LoopTools {
  if (process.getuid?.() !== 0) return { tool: 'root', missing: 'the loop runs in a network namespace of its own (unshare -n), which needs root' };
  // The namespace's tools first: without them nothing else matters.
  // jq: the documented command that writes the App's key into argocd-notifications-secret.
  const system: Record<'unshare' | 'nsenter' | 'ip' | 'redis' | 'jq', string | undefined> = {
    unshare: findTool('unshare'), nsenter: findTool('nsenter'), ip: findTool('ip'), redis: findTool('redis-check-rdb'), jq: findTool('jq'),
  };
  for (const [key, tool] of [['unshare', 'unshare'], ['nsenter', 'nsenter'], ['ip', 'ip'], ['redis', 'redis-check-rdb'], ['jq', 'jq']] as const) {
    if (system[key] === undefined) return { tool, missing: `${tool} is not installed (${installHint(tool)})` };
  }
  const plane = controlPlaneTools();
  if (plane.missing !== undefined) return { tool: 'kube-apiserver', missing: plane.missing };
  const pins = kubePins();
  const kube = path.join(TOOLS_ROOT, `kube-${pins.kube}`);
  const argocdDir = argoCdDir();
  const files = {
    controllerManager: path.join(kube, 'kube-controller-manager'),
    scheduler: path.join(kube, 'kube-scheduler'),
    kwok: path.join(kube, `kwok-${pins.kwok}`, 'kwok'),
    kwokStages: path.join(kube, `kwok-${pins.kwok}`, 'stages.yaml'),
    argocd: path.join(argocdDir, 'argocd'),
  };
  const absent = Object.entries(files).filter(([, f]) => !fs.existsSync(f));
  if (absent.length > 0) {
    return {
      tool: absent.some(([key]) => key === 'argocd') ? 'argocd' : 'kube-controller-manager',
      missing: `${absent.map(([, f]) => f).join(', ')} not built: run bash scripts/build-kube-apiserver.sh and bash scripts/build-argo-cd.sh (about 12 min cold on 2 cores; .ci/run does)`,
    };
  }
  // Files copied from the module into a cache made before they were (seconds, no build).
  if (!fs.existsSync(path.join(argocdDir, 'notifications', 'argocd-notifications-secret.yaml'))) {
    const copied = spawnSync('bash', [ARGOCD_BUILD_SCRIPT, 'manifests'], { encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (copied.status !== 0) return { tool: 'argocd', missing: `bash ${ARGOCD_BUILD_SCRIPT} manifests failed: ${copied.stderr.trim().split('\n').slice(-3).join(' ')}` };
  }
  const kubectl = kubectlBinary();
  if (kubectl.missing !== undefined) return { tool: 'kubectl', missing: kubectl.missing };
  return {
    apiserver: plane.apiserver,
    etcd: plane.etcd,
    ...files,
    argocdDir,
    redis: system.redis!,
    kubectl: kubectl.path,
    unshare: system.unshare!,
    nsenter: system.nsenter!,
    ip: system.ip!,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Processes started by the loop: logs kept, stopped by PID (SIGTERM, then SIGKILL), never left behind. */
class Processes {
  private readonly children: Array<{ name: string; child: ChildProcess }> = [];
  readonly logs: Record<string, string> = {};

  start(name: string, command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): ChildProcess {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.logs[name] = '';
    // PROJEN_GITOPS_LOOP_LOGS=<folder> keeps every process's whole log there, for a failure's post-mortem.
    const full = process.env.PROJEN_GITOPS_LOOP_LOGS ? path.join(process.env.PROJEN_GITOPS_LOOP_LOGS, `${name}.log`) : undefined;
    if (full) fs.mkdirSync(path.dirname(full), { recursive: true });
    const keep = (chunk: Buffer) => {
      this.logs[name] = (this.logs[name] + chunk.toString()).slice(-40_000);
      if (full) fs.appendFileSync(full, chunk);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('error', (error) => keep(Buffer.from(`spawn failed: ${error.message}\n`)));
    // Never left running: if the test process ends without stopAll(), take them all with it (one listener).
    if (this.children.length === 0) process.once('exit', this.killAll);
    this.children.push({ name, child });
    return child;
  }

  /** The processes that exited although nobody stopped them. */
  exited(): string[] {
    return this.children.filter(({ child }) => child.exitCode !== null || child.signalCode !== null).map(({ name, child }) => `${name} (exit ${child.exitCode ?? child.signalCode})`);
  }

  tail(name: string, lines = 30): string {
    return (this.logs[name] ?? '').trim().split('\n').slice(-lines).join('\n');
  }

  /** Every line a process wrote that matches `pattern` (of the last 40,000 characters kept). */
  grep(name: string, pattern: RegExp): string[] {
    return (this.logs[name] ?? '').split('\n').filter((l) => pattern.test(l));
  }

  private readonly killAll = () => {
    for (const { child } of this.children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };

  /** Stops them in reverse order of starting, each by its PID. */
  async stopAll(): Promise<void> {
    for (const { child } of this.children.reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    this.children.length = 0;
    process.removeListener('exit', this.killAll);
  }
}

/**
 * A network namespace with only `lo` (up), held open by a `sleep` started with `unshare -n`;
 * processes join it through `nsenter --net=/proc/<pid>/ns/net` (which execs them: their PID is
 * the one spawned). Argo CD's controller binds its metrics server to 0.0.0.0 whatever it is
 * told: in here that is loopback too.
 */
export class NetNamespace implements ProcessPlace {
  static async create(processes: Processes, dir: string, bins: { unshare: string; nsenter: string; ip: string }): Promise<NetNamespace> {
    const holder = processes.start('netns', bins.unshare, ['--net', '--', 'sh', '-c', `'${bins.ip}' link set lo up && echo up && exec sleep 86400`]);
    const deadline = Date.now() + 10_000;
    while (!(processes.logs.netns ?? '').includes('up')) {
      if (holder.exitCode !== null) throw new Error(`unshare -n failed: ${processes.tail('netns')}`);
      if (Date.now() > deadline) throw new Error('the network namespace did not come up in 10 s');
      await sleep(20);
    }
    return new NetNamespace(processes, dir, holder.pid!, bins.nsenter);
  }

  private relays = 0;

  private constructor(private readonly processes: Processes, private readonly dir: string, readonly pid: number, private readonly nsenter: string) {}

  command(bin: string, args: string[]): [string, string[]] {
    return [this.nsenter, [`--net=/proc/${this.pid}/ns/net`, '--', bin, ...args]];
  }

  /** Starts a process inside the namespace. */
  start(name: string, bin: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): ChildProcess {
    const [command, argv] = this.command(bin, args);
    return this.processes.start(name, command, argv, options);
  }

  /** A Unix socket here, piped to 127.0.0.1:port in the namespace by a small Node.js relay running there. */
  async relay(port: number): Promise<string> {
    const socket = path.join(this.dir, `relay-${port}-${this.relays++}.sock`);
    await this.startRelay(`relay-${port}`, true, socket, port);
    return socket;
  }

  /**
   * The other way: 127.0.0.1:`nsPort` in the namespace reaches 127.0.0.1:`hostPort` here (the
   * test's fake GitHub API), through a Unix socket (the file system is shared, the network is
   * not): a relay in the namespace from the port to the socket, one here from the socket to the port.
   */
  async relayFrom(hostPort: number, nsPort: number): Promise<void> {
    const socket = path.join(this.dir, `relay-from-${hostPort}-${this.relays++}.sock`);
    await this.startRelay(`relay-from-${hostPort}-host`, false, socket, hostPort);
    await this.startRelay(`relay-from-${hostPort}-ns`, true, nsPort, socket);
  }

  /** A Node.js process (here or in the namespace) that listens on a socket path or loopback port and pipes every connection to another. */
  private async startRelay(name: string, inside: boolean, listen: string | number, target: string | number): Promise<void> {
    const script = [
      "const net = require('net');",
      'const [listen, target] = process.argv.slice(1).map((a) => (/^\\d+$/.test(a) ? Number(a) : a));',
      'const to = () => (typeof target === "number" ? net.connect(target, "127.0.0.1") : net.connect(target));',
      'const server = net.createServer((c) => { const u = to(); c.pipe(u); u.pipe(c);',
      "  u.on('error', () => c.destroy()); c.on('error', () => u.destroy()); });",
      'const ready = () => console.log("listening");',
      'if (typeof listen === "number") server.listen(listen, "127.0.0.1", ready); else server.listen(listen, ready);',
    ].join('\n');
    const args = ['-e', script, String(listen), String(target)];
    const child = inside ? this.start(name, process.execPath, args) : this.processes.start(name, process.execPath, args);
    const deadline = Date.now() + 10_000;
    while (!(this.processes.logs[name] ?? '').includes('listening')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the relay ${name} did not start: ${this.processes.tail(name)}`);
      await sleep(20);
    }
  }

  /** Runs a command inside the namespace, synchronously. */
  run(bin: string, args: string[], options: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
    const [command, argv] = this.command(bin, args);
    return spawnSync(command, argv, { encoding: 'utf-8', input: options.input, cwd: options.cwd, env: options.env ?? process.env, maxBuffer: 64 * 1024 * 1024 });
  }
}

/** An Argo CD Application's status, as the tests read it. */
export interface AppState {
  readonly sync?: string;
  readonly health?: string;
  readonly revision?: string;
  readonly phase?: string;
  readonly operationMessage?: string;
  readonly conditions: string[];
}

export const ARGOCD_NS = 'argocd';
/** The port in the loop's namespace where the test's fake GitHub API answers (`githubUrl: http://127.0.0.1:<port>`). */
export const GITHUB_PORT = 9080;
/** Argo CD's refresh annotation: what its webhook handler sets on the Applications of a pushed repository. */
export const REFRESH_ANNOTATION = 'argocd.argoproj.io/refresh';

/** A verdict that ends a wait at once (Argo CD's own error, say), instead of a timeout. */
export class Verdict extends Error {}

/** The running loop. Always `stop()` it. */
export class Loop {
  /**
   * Starts everything, installs Argo CD's CRDs and configuration (from its release's
   * core-install.yaml, and the notifications ConfigMap and Secret as its full install makes
   * them) and waits until the fake node is Ready. `gitRoot` is served read-only at
   * `git://127.0.0.1:9418/<path>.git`; `githubPort`, a port of this process's loopback (the
   * fake GitHub API), answers at 127.0.0.1:`GITHUB_PORT` in the namespace. Returns the seconds
   * each phase took in `timings`.
   */
  static async start(tools: Exclude<LoopTools, { missing: string }>, gitRoot: string, options: { githubPort?: number } = {}): Promise<Loop> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-loop-'));
    const processes = new Processes();
    const loop = new Loop(dir, processes, tools);
    const started = Date.now();
    try {
      loop.ns = await NetNamespace.create(processes, dir, tools);
      if (options.githubPort !== undefined) await loop.ns.relayFrom(options.githubPort, GITHUB_PORT);
      loop.plane = await ControlPlane.start(tools, 180_000, loop.ns);
      loop.timings.apiserver = (Date.now() - started) / 1000;
      const kubeconfig = loop.plane.kubeconfig();
      const ns = loop.ns;
      ns.start('kube-controller-manager', tools.controllerManager, [
        `--kubeconfig=${kubeconfig}`,
        `--service-account-private-key-file=${loop.plane.credential('sa.key')}`,
        `--root-ca-file=${loop.plane.credential('server.crt')}`,
        // No cloud, no node IPAM or routes: nothing here to do them.
        '--controllers=*,-nodeipam,-service-lb-controller,-route,-cloud-node-lifecycle',
        '--leader-elect=false',
        '--secure-port=0',
        '--use-service-account-credentials=false',
        '--v=0',
      ]);
      ns.start('kube-scheduler', tools.scheduler, [`--kubeconfig=${kubeconfig}`, '--leader-elect=false', '--secure-port=0', '--v=0']);
      ns.start('kwok', tools.kwok, [
        `--kubeconfig=${kubeconfig}`,
        `--config=${tools.kwokStages}`,
        '--manage-all-nodes=false',
        '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
        '--cidr=10.244.0.0/16',
        '--node-ip=127.0.0.1',
        '--server-address=127.0.0.1:10247',
      ]);
      await loop.plane.create({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name: 'kwok-node-0',
          annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
          labels: { 'kubernetes.io/hostname': 'kwok-node-0', 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'topology.kubernetes.io/zone': 'zone-a', 'type': 'kwok' },
        },
      });

      // Argo CD: its CRDs and base configuration as the release installs them.
      await loop.plane.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ARGOCD_NS } });
      for (const file of fs.readdirSync(path.join(tools.argocdDir, 'crds')).filter((f) => f.endsWith('.yaml')).sort()) {
        await loop.plane.installCrds(fs.readFileSync(path.join(tools.argocdDir, 'crds', file), 'utf-8'));
      }
      const config = parseObjects(fs.readFileSync(path.join(tools.argocdDir, 'core-install.yaml'), 'utf-8'))
        .filter((o) => (o.kind === 'ConfigMap' || o.kind === 'Secret') && o.apiVersion === 'v1');
      // The notifications controller's, as the full install makes them (core-install.yaml has none).
      for (const file of ['argocd-notifications-cm.yaml', 'argocd-notifications-secret.yaml']) {
        config.push(...parseObjects(fs.readFileSync(path.join(tools.argocdDir, 'notifications', file), 'utf-8')));
      }
      for (const object of config) await loop.plane.create(object, ARGOCD_NS);
      loop.configMaps = config.map((o) => `${o.kind}/${o.metadata.name}`);

      // Fixed ports: the namespace is the loop's own (the control plane's come from freePort(), all different).
      const redisPort = 6379;
      const repoServerPort = 8081;
      fs.mkdirSync(path.join(dir, 'bin'));
      fs.symlinkSync(tools.redis, path.join(dir, 'bin', 'redis-server'));
      ns.start('redis', path.join(dir, 'bin', 'redis-server'), ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);

      const argoEnv = (binary: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
        const home = path.join(dir, binary);
        for (const sub of ['ssh', 'tls', 'gnupg', 'tmp']) fs.mkdirSync(path.join(home, sub), { recursive: true, mode: 0o700 });
        return {
          PATH: `${path.join(tools.argocdDir, 'hack')}${path.delimiter}${process.env.PATH}`,
          HOME: home,
          TMPDIR: path.join(home, 'tmp'),
          ARGOCD_BINARY_NAME: binary,
          // v3.6 always runs commit verification through hack/git-verify-wrapper.sh; no GPG here.
          ARGOCD_GPG_ENABLED: 'false',
          ARGOCD_SSH_DATA_PATH: path.join(home, 'ssh'),
          ARGOCD_TLS_DATA_PATH: path.join(home, 'tls'),
          ARGOCD_GNUPGHOME: path.join(home, 'gnupg'),
          ...extra,
        };
      };
      ns.start('argocd-repo-server', tools.argocd, [
        '--disable-tls', '--client-ca-path=', `--port=${repoServerPort}`, '--metrics-port=8084',
        `--redis=127.0.0.1:${redisPort}`, '--loglevel=info',
      ], { env: argoEnv('argocd-repo-server') });
      ns.start('argocd-application-controller', tools.argocd, [
        `--repo-server=127.0.0.1:${repoServerPort}`, '--repo-server-plaintext', `--redis=127.0.0.1:${redisPort}`,
        '--metrics-port=8082', '--status-processors=4', '--operation-processors=4', '--loglevel=info',
      ], { env: argoEnv('argocd-application-controller', { ARGOCD_FAKE_IN_CLUSTER: 'true', KUBECONFIG: loop.plane.kubeconfig(ARGOCD_NS) }) });
      // The notifications controller (its namespace from the kubeconfig's context), as the full install runs it.
      ns.start('argocd-notifications', tools.argocd, [
        `--argocd-repo-server=127.0.0.1:${repoServerPort}`, '--argocd-repo-server-plaintext', '--metrics-port=9001', '--loglevel=info',
      ], { env: argoEnv('argocd-notifications', { KUBECONFIG: loop.plane.kubeconfig(ARGOCD_NS) }) });
      ns.start('git-daemon', 'git', ['daemon', '--listen=127.0.0.1', '--port=9418', '--export-all', '--reuseaddr', '--informative-errors', `--base-path=${gitRoot}`, gitRoot]);

      await loop.waitFor('the fake node to be Ready', async () => {
        const node = await loop.get('/api/v1/nodes/kwok-node-0');
        return (node.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
      }, 60_000);
      loop.timings.ready = (Date.now() - started) / 1000;
      return loop;
    } catch (error) {
      const logs = loop.logTail();
      await loop.stop();
      throw new Error(`${(error as Error).message}\n${logs}`);
    }
  }

  /** Seconds from the start to each phase: `apiserver` ready, everything `ready`. */
  readonly timings: Record<string, number> = {};
  /** The ConfigMaps and Secrets taken from Argo CD's core-install.yaml. */
  configMaps: string[] = [];
  plane!: ControlPlane;
  ns!: NetNamespace;

  private constructor(readonly dir: string, private readonly processes: Processes, private readonly tools: Exclude<LoopTools, { missing: string }>) {}

  /** kubectl (the pinned one) inside the namespace, with the admin kubeconfig; `cwd` as a user's shell. */
  kubectl(args: string[], options: { cwd?: string; input?: string } = {}) {
    return this.ns.run(this.tools.kubectl, ['--kubeconfig', this.plane.kubeconfig(), ...args], options);
  }

  /**
   * A shell script inside the namespace as a cluster admin's terminal runs it: the pinned
   * kubectl on PATH, KUBECONFIG the admin's, `env` added.
   */
  sh(script: string, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
    const env = { ...process.env, PATH: `${path.dirname(this.tools.kubectl)}${path.delimiter}${process.env.PATH}`, KUBECONFIG: this.plane.kubeconfig(), ...options.env };
    return this.ns.run('sh', ['-euc', script], { cwd: options.cwd, env });
  }

  /** GET an API path; the parsed body, or undefined on 404. */
  async get(urlPath: string): Promise<any> {
    const res = await this.plane.request('GET', urlPath);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw new Error(`GET ${urlPath}: ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
    return res.body;
  }

  /** A JSON merge patch. */
  async patch(urlPath: string, patch: object): Promise<any> {
    const res = await this.plane.request('PATCH', urlPath, patch, 'application/merge-patch+json');
    if (res.status !== 200) throw new Error(`PATCH ${urlPath}: ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
    return res.body;
  }

  application(name: string): Promise<any> {
    return this.get(`/apis/argoproj.io/v1alpha1/namespaces/${ARGOCD_NS}/applications/${name}`);
  }

  async state(name: string): Promise<AppState> {
    const app = await this.application(name);
    return {
      sync: app?.status?.sync?.status,
      health: app?.status?.health?.status,
      revision: app?.status?.sync?.revision,
      phase: app?.status?.operationState?.phase,
      operationMessage: app?.status?.operationState?.message,
      conditions: (app?.status?.conditions ?? []).map((c: any) => `${c.type}: ${c.message}`),
    };
  }

  /** What Argo CD's webhook does on a push: asks for a refresh of each Application. */
  async refresh(names: string[]): Promise<void> {
    for (const name of names) {
      await this.patch(`/apis/argoproj.io/v1alpha1/namespaces/${ARGOCD_NS}/applications/${name}`, { metadata: { annotations: { [REFRESH_ANNOTATION]: 'normal' } } });
    }
  }

  /**
   * A sync by hand, as `argocd app sync` and the UI ask for one: the Application's
   * `operation` field, which the controller runs and clears.
   */
  async syncByHand(name: string, revision: string): Promise<void> {
    await this.patch(`/apis/argoproj.io/v1alpha1/namespaces/${ARGOCD_NS}/applications/${name}`, {
      operation: { initiatedBy: { username: 'projen-gitops-e2e' }, sync: { revision, prune: true } },
    });
  }

  /** Polls `check` every 200 ms until it is true; fails after `timeoutMs` with the loop's logs. Returns the seconds it took. */
  async waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<number> {
    const started = Date.now();
    let lastError = '';
    for (;;) {
      try {
        if (await check()) return (Date.now() - started) / 1000;
        lastError = '';
      } catch (error) {
        if (error instanceof Verdict) throw error;
        lastError = (error as Error).message;
      }
      const exited = this.processes.exited().filter((p) => !p.startsWith('relay'));
      if (exited.length > 0) throw new Error(`waiting for ${what}: ${exited.join(', ')} stopped\n${this.logTail()}`);
      if (Date.now() - started > timeoutMs) throw new Error(`${what}: not so after ${timeoutMs / 1000} s${lastError ? ` (${lastError})` : ''}\n${this.logTail()}`);
      await sleep(200);
    }
  }

  /** The lines of a process's log that match `pattern` (e.g. the notifications controller's errors). */
  logLines(name: string, pattern: RegExp): string[] {
    return this.processes.grep(name, pattern);
  }

  /** The last lines of each process's log, for failure messages. */
  logTail(lines = 15): string {
    return [this.plane?.logTail(lines) ?? '', ...Object.keys(this.processes.logs).map((name) => `--- ${name}\n${this.processes.tail(name, lines)}`)].join('\n');
  }

  /** Stops every process by PID (the control plane's too) and deletes the loop's files. */
  async stop(): Promise<void> {
    await this.processes.stopAll();
    await this.plane?.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
