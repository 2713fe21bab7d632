/**
 * A private, daemonless OCI lab for tests: buildah builds, podman runs, a local registry on
 * 127.0.0.1, all with storage in a temp directory (see shared notes on container builds).
 * Base images are made locally with debootstrap, since no public registry is reachable.
 */
import { ChildProcess, spawn, spawnSync, SpawnSyncReturns } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

/** The tools this lab needs (tests use `describeWith(OCI_TOOLS)` from test/tools.ts). */
export const OCI_TOOLS = ['buildah', 'podman', 'skopeo', 'debootstrap', 'docker-registry', 'runc', 'newuidmap'];
const SUITE = 'bookworm';
const DEBIAN = `localhost/debian:${SUITE}-slim`;

/** Where base images and the Debian root file system are kept between runs. */
export function cacheDir(): string {
  const dir = path.join(os.homedir(), '.cache', 'projen-gitops-tools', 'oci');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

const digest = (data: string | Buffer) => createHash('sha256').update(data).digest('hex').slice(0, 16);

/** Writes a cache file through a temporary name, so a run that stops halfway leaves none. */
function atomicWrite(target: string, write: (tmp: string) => void): void {
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    write(tmp);
    fs.renameSync(tmp, target);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** One `deb` entry of an apt source list: where, which suites, which components. */
export interface AptSource {
  readonly uri: string;
  readonly suites: string[];
  readonly components: string[];
}

/**
 * The `deb` entries of apt's one-line format (`sources.list`, `*.list`):
 * `deb [options] URI SUITE [COMPONENT...]`, with `#` comments. `deb-src` lines are ignored.
 */
export function parseOneLineSources(text: string): AptSource[] {
  return text.split('\n').map((line) => line.replace(/#.*/, '').trim()).flatMap((line) => {
    const match = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)((?:\s+\S+)*)$/.exec(line);
    return match ? [{ uri: match[1], suites: [match[2]], components: match[3].trim().split(/\s+/).filter(Boolean) }] : [];
  });
}

/**
 * The `deb` entries of apt's deb822 format (`*.sources`, see sources.list(5)): stanzas
 * separated by blank lines, fields `Types`, `URIs`, `Suites`, `Components`, `Enabled`;
 * continuation lines start with a space, `#` lines are comments.
 */
export function parseDeb822Sources(text: string): AptSource[] {
  const stanzas = text.split('\n').filter((line) => !line.startsWith('#')).join('\n').split(/\n\s*\n/);
  return stanzas.flatMap((stanza) => {
    const fields: Record<string, string> = {};
    let last = '';
    for (const line of stanza.split('\n')) {
      const field = /^([\w-]+):\s*(.*)$/.exec(line);
      if (field) fields[last = field[1].toLowerCase()] = field[2];
      else if (/^\s/.test(line) && last) fields[last] += ` ${line.trim()}`;
    }
    const words = (name: string) => (fields[name] ?? '').split(/\s+/).filter(Boolean);
    if (!words('types').includes('deb') || (fields.enabled ?? 'yes').trim().toLowerCase() === 'no') return [];
    return words('uris').map((uri) => ({ uri, suites: words('suites'), components: words('components') }));
  });
}

/** Debian's release names and aliases, to tell a Debian archive from another vendor's. */
const DEBIAN_SUITES = ['bullseye', 'bookworm', 'trixie', 'forky', 'duke', 'sid', 'oldstable', 'stable', 'testing', 'unstable'];

/**
 * The Debian mirror debootstrap should use for `suite`, from the machine's own apt
 * configuration: an entry with `main` for that suite, else one for another Debian release
 * (its mirror carries every release). Throws when there is none; it never guesses an address.
 */
export function debianMirror(suite: string, etcApt = '/etc/apt'): string {
  const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf-8') : '');
  const dir = path.join(etcApt, 'sources.list.d');
  const names = fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
  const sources = [
    ...parseOneLineSources(read(path.join(etcApt, 'sources.list'))),
    ...names.filter((n) => n.endsWith('.list')).flatMap((n) => parseOneLineSources(read(path.join(dir, n)))),
    ...names.filter((n) => n.endsWith('.sources')).flatMap((n) => parseDeb822Sources(read(path.join(dir, n)))),
  ].filter((s) => /^(https?|file):/.test(s.uri) && s.components.includes('main'));
  const found = sources.find((s) => s.suites.includes(suite)) ?? sources.find((s) => s.suites.some((x) => DEBIAN_SUITES.includes(x)));
  if (!found) {
    throw new Error(`no Debian mirror in this machine's apt sources (${etcApt}/sources.list, ${dir}/*.list or ${dir}/*.sources): `
      + `debootstrap needs one for '${suite}' with the 'main' component. Add one (see sources.list(5)): the line 'deb <mirror URI> ${suite} main' `
      + `in ${etcApt}/sources.list, or the stanza 'Types: deb', 'URIs: <mirror URI>', 'Suites: ${suite}', 'Components: main' in ${dir}/debian.sources`);
  }
  return found.uri.replace(/\/+$/, '');
}


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

/**
 * Each step of a `buildah bud --layers` log, in order, with whether buildah took it from its
 * layer cache: buildah prints `STEP n/m: INSTRUCTION` (after `[stage/stages] ` in a multi-stage
 * build) and, for a reused layer, `--> Using cache`.
 */
export function cachedSteps(output: string): Array<{ instruction: string; cached: boolean }> {
  const steps: Array<{ instruction: string; cached: boolean }> = [];
  for (const line of output.split('\n')) {
    const step = /^(?:\[\d+\/\d+\] )?STEP \d+\/\d+: (.*)$/.exec(line);
    if (step) steps.push({ instruction: step[1], cached: false });
    else if (line.startsWith('--> Using cache') && steps.length > 0) steps[steps.length - 1].cached = true;
  }
  return steps;
}

export class OciLab {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-oci-'));
  /** The environment every tool runs with (private storage, runc). */
  readonly env: NodeJS.ProcessEnv;
  private readonly containers: string[] = [];
  private registry?: ChildProcess;
  /** What the Debian base was made from; part of every cached base image's key. */
  private baseKey = '';

  constructor() {
    for (const sub of ['graph', 'run', 'tmp', 'registry']) fs.mkdirSync(path.join(this.dir, sub));
    fs.writeFileSync(path.join(this.dir, 'storage.conf'), `[storage]\ndriver = "overlay"\ngraphroot = "${this.dir}/graph"\nrunroot = "${this.dir}/run"\n`);
    fs.writeFileSync(path.join(this.dir, 'containers.conf'), '[containers]\ndefault_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]\n'
      // podman's own state (default /run/libpod, which `podman system reset` deletes) stays in the
      // lab too, so labs running side by side on one machine do not pull it from under each other.
      + `[engine]\nruntime = "runc"\ntmp_dir = "${this.dir}/libpod"\n`);
    this.env = {
      ...process.env,
      CONTAINERS_STORAGE_CONF: path.join(this.dir, 'storage.conf'),
      CONTAINERS_CONF: path.join(this.dir, 'containers.conf'),
      TMPDIR: path.join(this.dir, 'tmp'),
      BUILDAH_ISOLATION: 'chroot',
    };
  }

  /** Runs a command in the lab's environment; throws with its output when it fails. */
  exec(command: string, args: string[], options: { cwd?: string; input?: string | Buffer; env?: NodeJS.ProcessEnv } = {}): SpawnSyncReturns<string> {
    const result = spawnSync(command, args, { encoding: 'utf-8', maxBuffer: 256 * 1024 * 1024, ...options, env: { ...this.env, ...options.env } });
    if (result.status !== 0) {
      throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}):\n${(result.stdout ?? '').slice(-3000)}\n${(result.stderr ?? '').slice(-3000)}`);
    }
    return result;
  }

  /**
   * `localhost/debian:bookworm-slim` from debootstrap, using the machine's own Debian mirror.
   * The root file system is cached as a tarball under ~/.cache/projen-gitops-tools/ (keyed by
   * mirror, suite and debootstrap version; made anew after a week, for security updates).
   */
  makeDebianBase(): string {
    const mirror = debianMirror(SUITE);
    const debootstrap = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'debootstrap'], { encoding: 'utf-8' }).stdout ?? '';
    this.baseKey = digest(`debootstrap ${debootstrap} --variant=minbase ${SUITE} ${mirror}`);
    const tarball = path.join(cacheDir(), `debian-${SUITE}-minbase-${this.baseKey}.tar`);
    const fresh = fs.existsSync(tarball) && Date.now() - fs.statSync(tarball).mtimeMs < 7 * 24 * 3600 * 1000;
    if (!fresh) {
      const rootfs = path.join(this.dir, 'rootfs');
      this.exec('debootstrap', ['--variant=minbase', SUITE, rootfs, mirror]);
      fs.rmSync(path.join(rootfs, 'var/lib/apt/lists'), { recursive: true, force: true });
      atomicWrite(tarball, (tmp) => this.exec('tar', ['-C', rootfs, '-cf', tmp, '.']));
      fs.rmSync(rootfs, { recursive: true, force: true });
    }
    this.exec('podman', ['import', tarball, DEBIAN]);
    return DEBIAN;
  }

  /**
   * Builds an image from a Containerfile given as text, with further files in its context.
   * The image is cached under ~/.cache/projen-gitops-tools/ as an archive keyed by the Debian
   * base, the text and the files, and loaded from there when present.
   */
  buildFromText(tag: string, containerfile: string, files: Record<string, string> = {}): string {
    const key = digest([this.baseKey, tag, containerfile, ...Object.entries(files).map(([name, source]) => `${name}\0${digest(fs.readFileSync(source))}`)].join('\0'));
    const archive = path.join(cacheDir(), `image-${tag.replace(/[^\w.-]+/g, '_')}-${key}.tar`);
    if (fs.existsSync(archive)) {
      this.exec('podman', ['load', '-q', '-i', archive]);
      return tag;
    }
    const context = fs.mkdtempSync(path.join(this.dir, 'ctx-'));
    fs.writeFileSync(path.join(context, 'Containerfile'), containerfile);
    for (const [name, source] of Object.entries(files)) fs.copyFileSync(source, path.join(context, name));
    this.exec('buildah', ['bud', '--isolation', 'chroot', '--format', 'docker', '-t', tag, context]);
    atomicWrite(archive, (tmp) => this.exec('podman', ['save', '-q', '--format', 'docker-archive', '-o', tmp, tag]));
    return tag;
  }

  /** An image's size in bytes, as podman reports it (the sum of its layers, uncompressed). */
  imageSize(image: string): number {
    return Number(this.exec('podman', ['image', 'inspect', '--format', '{{.Size}}', image]).stdout.trim());
  }

  /**
   * Builds a repository's Dockerfile with buildah's layer cache (`--layers`), as BuildKit
   * caches layers; returns the build output (see `cachedSteps`).
   */
  build(contextDir: string, tag: string, buildArgs: Record<string, string>, options: { secrets?: string[]; env?: NodeJS.ProcessEnv } = {}): string {
    const args = [...Object.entries(buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]), ...(options.secrets ?? []).flatMap((s) => ['--secret', s])];
    const result = this.exec('buildah', ['bud', '--layers', '--isolation', 'chroot', '--format', 'docker', ...args, '-t', tag, '.'], { cwd: contextDir, env: options.env });
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
