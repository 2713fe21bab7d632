/**
 * A private, daemonless OCI lab for tests: buildah builds, podman runs, a local registry on
 * 127.0.0.1, all with storage in a temp directory (see shared notes on container builds).
 * Base images are made locally with debootstrap, since no public registry is reachable.
 */
import { ChildProcess, spawn, spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

/** The tools this lab needs (tests use `describeWith(OCI_TOOLS)` from test/tools.ts). */
export const OCI_TOOLS = ['buildah', 'podman', 'skopeo', 'debootstrap', 'docker-registry', 'runc', 'newuidmap'];

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export class OciLab {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-oci-'));
  /** The environment every tool runs with (private storage, runc). */
  readonly env: NodeJS.ProcessEnv;
  private readonly containers: string[] = [];
  private registry?: ChildProcess;

  constructor() {
    for (const sub of ['graph', 'run', 'tmp', 'registry']) fs.mkdirSync(path.join(this.dir, sub));
    fs.writeFileSync(path.join(this.dir, 'storage.conf'), `[storage]\ndriver = "overlay"\ngraphroot = "${this.dir}/graph"\nrunroot = "${this.dir}/run"\n`);
    fs.writeFileSync(path.join(this.dir, 'containers.conf'), '[containers]\ndefault_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]\n[engine]\nruntime = "runc"\n');
    this.env = {
      ...process.env,
      CONTAINERS_STORAGE_CONF: path.join(this.dir, 'storage.conf'),
      CONTAINERS_CONF: path.join(this.dir, 'containers.conf'),
      TMPDIR: path.join(this.dir, 'tmp'),
      BUILDAH_ISOLATION: 'chroot',
    };
  }

  /** Runs a command in the lab's environment; throws with its output when it fails. */
  exec(command: string, args: string[], options: { cwd?: string; input?: string | Buffer } = {}): SpawnSyncReturns<string> {
    const result = spawnSync(command, args, { env: this.env, encoding: 'utf-8', maxBuffer: 256 * 1024 * 1024, ...options });
    if (result.status !== 0) {
      throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}):\n${(result.stdout ?? '').slice(-3000)}\n${(result.stderr ?? '').slice(-3000)}`);
    }
    return result;
  }

  /** `localhost/debian:bookworm-slim` from debootstrap, using the machine's Debian mirror. */
  makeDebianBase(): string {
    const sources = fs.readFileSync('/etc/apt/sources.list.d/debian.sources', 'utf-8');
    const mirror = /^URIs:\s*(\S+)/m.exec(sources)?.[1] ?? 'http://deb.debian.org/debian';
    const rootfs = path.join(this.dir, 'rootfs');
    this.exec('debootstrap', ['--variant=minbase', 'bookworm', rootfs, mirror]);
    fs.rmSync(path.join(rootfs, 'var/lib/apt/lists'), { recursive: true, force: true });
    const tarball = path.join(this.dir, 'rootfs.tar');
    this.exec('tar', ['-C', rootfs, '-cf', tarball, '.']);
    this.exec('podman', ['import', tarball, 'localhost/debian:bookworm-slim']);
    fs.rmSync(rootfs, { recursive: true, force: true });
    fs.rmSync(tarball, { force: true });
    return 'localhost/debian:bookworm-slim';
  }

  /** Builds an image from a Containerfile given as text, with further files in its context. */
  buildFromText(tag: string, containerfile: string, files: Record<string, string> = {}): string {
    const context = fs.mkdtempSync(path.join(this.dir, 'ctx-'));
    fs.writeFileSync(path.join(context, 'Containerfile'), containerfile);
    for (const [name, source] of Object.entries(files)) fs.copyFileSync(source, path.join(context, name));
    this.exec('buildah', ['bud', '--isolation', 'chroot', '--format', 'docker', '-t', tag, context]);
    return tag;
  }

  /** Builds a repository's Dockerfile; returns the build output. */
  build(contextDir: string, tag: string, buildArgs: Record<string, string>): string {
    const args = Object.entries(buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
    const result = this.exec('buildah', ['bud', '--isolation', 'chroot', '--format', 'docker', ...args, '-t', tag, '.'], { cwd: contextDir });
    return result.stdout + result.stderr;
  }

  /** Starts a container in the background with a port published on 127.0.0.1. */
  run(image: string, name: string, hostPort: number, containerPort: number): void {
    this.exec('podman', ['run', '-d', '--name', name, '-p', `127.0.0.1:${hostPort}:${containerPort}`, image]);
    this.containers.push(name);
  }

  /** Starts a registry on 127.0.0.1; returns its address. */
  async startRegistry(): Promise<string> {
    const port = await freePort();
    const config = path.join(this.dir, 'registry.yml');
    fs.writeFileSync(config, `version: 0.1\nlog: {level: warn}\nstorage: {filesystem: {rootdirectory: ${this.dir}/registry}}\nhttp: {addr: 127.0.0.1:${port}}\n`);
    this.registry = spawn('docker-registry', ['serve', config], { env: this.env, stdio: 'ignore' });
    const address = `127.0.0.1:${port}`;
    for (let i = 0; i < 80; i++) {
      if (await fetch(`http://${address}/v2/`).then((r) => r.ok, () => false)) return address;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error('the local registry did not start');
  }

  /** Stops everything the lab started and deletes its storage. */
  dispose(): void {
    for (const name of this.containers) spawnSync('podman', ['rm', '-f', '-t', '0', name], { env: this.env });
    if (this.registry && this.registry.exitCode === null) this.registry.kill('SIGTERM');
    spawnSync('podman', ['system', 'reset', '--force'], { env: this.env });
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
