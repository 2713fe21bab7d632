/**
 * Each runtime preset builds for real (buildah), the image runs as the non-root user and
 * answers its health check (podman), and its OCI labels survive a push to a registry (skopeo).
 * Base images are made locally from Debian packages (no public registry is reachable here);
 * the Dockerfiles take them as build args. Needs `npx projen build` and the Debian tools
 * `.ci/run` installs.
 *
 * Built for real: node (npm, pnpm, Yarn), python (requirements.txt, pyproject.toml), go,
 * static. Not built: java-maven and java-gradle, since Maven Central is not reachable here
 * (Maven and Gradle cannot fetch their plugins); their Dockerfiles are linted in the unit tests
 * (dockerfile-utils, dockerlinter) instead.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { freePort, OCI_TOOLS, OciLab } from './oci';
import { bootstrap, packedModuleSpec, run } from '../../scripts/bootstrap';
import { describeWith } from '../tools';

const describeWithTools = describeWith(OCI_TOOLS);

const aptBase = (from: string, packages: string) => [
  `FROM ${from}`,
  'RUN apt-get update \\',
  ` && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${packages} \\`,
  ' && apt-get clean && rm -rf /var/lib/apt/lists/*',
].join('\n');

interface Preset {
  readonly runtime: string;
  /** Where the image keeps the service (default /app). */
  readonly appDir?: string;
  /** Build args that stand in for the official images. */
  readonly buildArgs: (debian: string) => Record<string, string>;
  /** What the runtime stage holds in /app (tooling and secrets stay out). */
  readonly appFiles: string[];
  readonly codeFile: string;
  readonly cmd: string[];
}

const PRESETS: Preset[] = [
  {
    runtime: 'node',
    buildArgs: () => ({ BASE_IMAGE: 'localhost/node-test:bookworm' }),
    appFiles: ['node_modules', 'package-lock.json', 'package.json', 'src'],
    codeFile: '/app/src/server.js',
    cmd: ['node', 'src/server.js'],
  },
  {
    runtime: 'python',
    buildArgs: () => ({ BASE_IMAGE: 'localhost/python-test:bookworm' }),
    appFiles: ['requirements.txt', 'src'],
    codeFile: '/app/src/main.py',
    cmd: ['python3', 'src/main.py'],
  },
  {
    runtime: 'python-pyproject',
    buildArgs: () => ({ BASE_IMAGE: 'localhost/python-test:bookworm' }),
    appFiles: ['pyproject.toml', 'src'],
    codeFile: '/app/src/main.py',
    cmd: ['python3', 'src/main.py'],
  },
  {
    runtime: 'static',
    buildArgs: () => ({ BASE_IMAGE: 'localhost/nginx-test:bookworm' }),
    appDir: '/srv/site',
    appFiles: ['index.html'],
    codeFile: '/srv/site/index.html',
    cmd: ['nginx', '-g', 'daemon off;'],
  },
  {
    runtime: 'go',
    buildArgs: (debian) => ({ BUILD_IMAGE: 'localhost/go-test:bookworm', BASE_IMAGE: debian }),
    appFiles: ['server'],
    codeFile: '/app/server',
    cmd: ['/app/server'],
  },
];

describeWithTools('generated images build, run and ship', () => {
  let lab: OciLab;
  let debian: string;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-image-'));
  const timings: string[] = [];
  const timed = <T>(label: string, fn: () => T): T => {
    const started = Date.now();
    const result = fn();
    timings.push(`${label}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return result;
  };

  beforeAll(() => {
    lab = new OciLab();
    debian = timed('debootstrap base', () => lab.makeDebianBase());
    // Debian's Node.js has no corepack; the pnpm and Yarn presets get theirs (and through it pnpm
    // and Yarn) from the npm registry, as node's official images bundle it. A machine that
    // reaches the registry through a TLS-inspecting proxy names its CA bundle in
    // NODE_EXTRA_CA_CERTS; the stand-in base trusts it too, as a company's mirror image would.
    const ca = process.env.NODE_EXTRA_CA_CERTS && fs.existsSync(process.env.NODE_EXTRA_CA_CERTS) ? process.env.NODE_EXTRA_CA_CERTS : undefined;
    const trust = ca ? 'COPY extra-ca.crt /etc/ssl/certs/extra-ca.crt\nENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/extra-ca.crt\n' : '';
    timed('node base', () => lab.buildFromText('localhost/node-test:bookworm',
      `${aptBase(debian, 'nodejs npm ca-certificates')}\n${trust}RUN npm install -g --no-audit --no-fund corepack@0.36.0`,
      ca ? { 'extra-ca.crt': ca } : {}));
    timed('python base', () => lab.buildFromText('localhost/python-test:bookworm', aptBase(debian, 'python3 python3-venv ca-certificates')));
    timed('go base', () => lab.buildFromText('localhost/go-test:bookworm', aptBase(debian, 'golang-go ca-certificates')));
    // Debian's nginx stands in for nginx-unprivileged; wget for the health check, as busybox's.
    timed('nginx base', () => lab.buildFromText('localhost/nginx-test:bookworm', aptBase(debian, 'nginx-light wget')));
  });

  afterAll(() => {
    lab?.dispose();
    fs.rmSync(work, { recursive: true, force: true });
    console.log(`image build times:\n  ${timings.join('\n  ')}`);
  });

  describe.each(PRESETS)('$runtime', (preset) => {
    const repo = path.join(work, `svc-${preset.runtime}`);
    const image = `localhost/svc-${preset.runtime}:test`;
    const container = `svc-${preset.runtime}-${process.pid}`;

    beforeAll(async () => {
      const result = await bootstrap(repo, packedModuleSpec(), ['--runtime', preset.runtime, '--port', '8081', '--health-path', '/ready']);
      if (result.status !== 0) throw new Error(`projen new failed:\n${result.output}`);
    });

    test('buildah builds the generated Dockerfile', () => {
      timed(`${preset.runtime} image build`, () => lab.build(repo, image, {
        ...preset.buildArgs(debian),
        OCI_SOURCE: 'https://github.com/acme/orders',
        OCI_REVISION: '0123456789abcdef',
      }));
      const docker = JSON.parse(lab.exec('buildah', ['inspect', '--type', 'image', image]).stdout).Docker.config;
      expect(docker.User).toBe('10001:10001');
      expect(Object.keys(docker.ExposedPorts)).toEqual(['8081/tcp']);
      expect(docker.Cmd).toEqual(preset.cmd);
      expect(docker.Healthcheck.Test[0]).toBe('CMD');
    });

    test('the container answers on the health path as the non-root user, and its health check passes', async () => {
      const port = await freePort();
      lab.run(image, container, port, 8081);
      let body: unknown;
      for (let i = 0; i < 80 && body === undefined; i++) {
        body = await fetch(`http://127.0.0.1:${port}/ready`).then((r) => (r.ok ? r.json() : undefined), () => undefined);
        if (body === undefined) await new Promise((r) => setTimeout(r, 250));
      }
      expect(body).toEqual({ status: 'ok' });
      expect(lab.exec('podman', ['exec', container, 'id', '-u']).stdout.trim()).toBe('10001');
      // The code is owned by root: the service cannot rewrite itself.
      expect(lab.exec('podman', ['exec', container, 'sh', '-c', `test -w ${preset.codeFile} && echo writable || echo read-only`]).stdout.trim()).toBe('read-only');
      // No tooling or secrets from the repository end up in the image.
      expect(lab.exec('podman', ['exec', container, 'ls', '-A', preset.appDir ?? '/app']).stdout.split('\n').filter(Boolean).sort()).toEqual(preset.appFiles);
      lab.exec('podman', ['healthcheck', 'run', container]);
      // The service handles SIGTERM: it stops well before the 15 s grace period ends in a kill
      // (idle keep-alive connections from the requests above must not hold it open).
      const started = Date.now();
      lab.exec('podman', ['stop', '-t', '15', container]);
      expect(Date.now() - started).toBeLessThan(8000);
    });
  });

  /** Waits for the health path of a container published on `port` to answer; returns the body. */
  const health = async (port: number, pathname: string) => {
    for (let i = 0; i < 80; i++) {
      const body = await fetch(`http://127.0.0.1:${port}${pathname}`).then((r) => (r.ok ? r.json() : undefined), () => undefined);
      if (body !== undefined) return body;
      await new Promise((r) => setTimeout(r, 250));
    }
    return undefined;
  };

  describe('a repository with three services (npm at the root, pnpm and Yarn in folders)', () => {
    const repo = path.join(work, 'multi');
    const git = (...args: string[]) => {
      const result = run('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], repo);
      if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
      return result.stdout.trim();
    };
    /** What the workflow's `Changed services` job reports for the last commit, run for real. */
    const changedServices = (): Record<string, string> => {
      const step = parse(fs.readFileSync(path.join(repo, '.github/workflows/container.yml'), 'utf-8')).jobs.changes.steps
        .find((s: { id?: string }) => s.id === 'diff');
      const output = path.join(work, `changes-${Date.now()}`);
      // The services come from the step's env: (plain values here; only the SHAs are expressions).
      const result = run('bash', ['-e', '-c', step.run], repo, { ...step.env, BASE_SHA: git('rev-parse', 'HEAD~1'), HEAD_SHA: git('rev-parse', 'HEAD'), GITHUB_OUTPUT: output });
      if (result.status !== 0) throw new Error(`the changes script failed: ${result.stderr}`);
      return Object.fromEntries(fs.readFileSync(output, 'utf-8').trim().split('\n').map((line) => line.split('=')));
    };
    /** Builds, like the workflow's pull request jobs, exactly the services reported as changed. */
    const buildChanged = (changed: Record<string, string>) => Object.entries(changed).filter(([, v]) => v === 'true').map(([service]) => {
      const context = service === 'multi' ? repo : path.join(repo, 'services', service);
      timed(`${service} image build (multi-service)`, () => lab.build(context, `localhost/multi-${service}:test`, { BASE_IMAGE: 'localhost/node-test:bookworm' }));
      return service;
    });
    const exists = (image: string) => run('podman', ['image', 'exists', image], repo, lab.env).status === 0;

    beforeAll(async () => {
      const created = await bootstrap(repo, packedModuleSpec());
      if (created.status !== 0) throw new Error(`projen new failed:\n${created.output}`);
      const rcFile = path.join(repo, '.projenrc.ts');
      const rc = fs.readFileSync(rcFile, 'utf-8')
        .replace('import { GitOpsProject } from "projen-gitops";', 'import { GitOpsProject, Runtime } from "projen-gitops";')
        .replace('new GitOpsProject({', 'new GitOpsProject({\n  services: [{ name: "web", runtime: Runtime.NODE_PNPM }, { name: "worker", runtime: Runtime.NODE_YARN }],');
      fs.writeFileSync(rcFile, rc);
      const synth = run('npx', ['projen'], repo);
      if (synth.status !== 0) throw new Error(`npx projen failed:\n${synth.stdout}${synth.stderr}`);
      git('add', '-A');
      git('commit', '-qm', 'add the web and worker services');
    });

    test('a change to the pnpm service builds only it, and the image runs', async () => {
      fs.appendFileSync(path.join(repo, 'services/web/src/server.js'), '\n// a change\n');
      git('commit', '-qam', 'change web');
      const changed = changedServices();
      expect(changed).toEqual({ multi: 'false', web: 'true', worker: 'false' });
      expect(buildChanged(changed)).toEqual(['web']);
      expect(exists('localhost/multi-worker:test')).toBe(false);
      expect(exists('localhost/multi-multi:test')).toBe(false);
      const port = await freePort();
      lab.run('localhost/multi-web:test', `multi-web-${process.pid}`, port, 8080);
      expect(await health(port, '/healthz')).toEqual({ status: 'ok' });
      expect(lab.exec('podman', ['exec', `multi-web-${process.pid}`, 'ls', '-A', '/app']).stdout.split('\n').filter(Boolean).sort()).toEqual(['node_modules', 'package.json', 'pnpm-lock.yaml', 'src']);
    });

    test('then a change to the Yarn service builds only that one, and it runs', async () => {
      fs.appendFileSync(path.join(repo, 'services/worker/src/server.js'), '\n// a change\n');
      git('commit', '-qam', 'change worker');
      const changed = changedServices();
      expect(changed).toEqual({ multi: 'false', web: 'false', worker: 'true' });
      expect(buildChanged(changed)).toEqual(['worker']);
      const port = await freePort();
      lab.run('localhost/multi-worker:test', `multi-worker-${process.pid}`, port, 8080);
      expect(await health(port, '/healthz')).toEqual({ status: 'ok' });
      lab.exec('podman', ['healthcheck', 'run', `multi-worker-${process.pid}`]);
    });
  });

  test('the OCI labels survive a push to a registry', async () => {
    const registry = await lab.startRegistry();
    lab.exec('buildah', ['push', '--tls-verify=false', 'localhost/svc-node:test', `docker://${registry}/acme/orders:test`]);
    const labels = JSON.parse(lab.exec('skopeo', ['inspect', '--tls-verify=false', `docker://${registry}/acme/orders:test`]).stdout).Labels;
    expect(labels).toMatchObject({
      'org.opencontainers.image.title': 'svc-node',
      'org.opencontainers.image.description': 'svc-node service',
      'org.opencontainers.image.source': 'https://github.com/acme/orders',
      'org.opencontainers.image.revision': '0123456789abcdef',
    });
  });
});
