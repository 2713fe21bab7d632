/**
 * Each runtime preset builds for real (buildah), the image runs as the non-root user and
 * answers its health check (podman), and its OCI labels survive a push to a registry (skopeo).
 * Base images are made locally from Debian packages (no public registry is reachable here);
 * the Dockerfiles take them as build args. Needs `npx projen build` and the Debian tools
 * `.ci/run` installs.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freePort, missingTools, OciLab } from './oci';
import { bootstrap, packedModuleSpec } from '../../scripts/bootstrap';

const missing = missingTools();
if (missing.length > 0 && process.env.CI) {
  throw new Error(`missing ${missing.join(', ')}: .ci/run installs them (apt-get install buildah podman skopeo debootstrap docker-registry runc uidmap)`);
}
const describeWithTools = missing.length === 0 ? describe : describe.skip;
if (missing.length > 0) console.warn(`image tests skipped: ${missing.join(', ')} not installed`);

const aptBase = (from: string, packages: string) => [
  `FROM ${from}`,
  'RUN apt-get update \\',
  ` && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${packages} \\`,
  ' && apt-get clean && rm -rf /var/lib/apt/lists/*',
].join('\n');

interface Preset {
  readonly runtime: string;
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
    timed('node base', () => lab.buildFromText('localhost/node-test:bookworm', aptBase(debian, 'nodejs npm ca-certificates')));
    timed('python base', () => lab.buildFromText('localhost/python-test:bookworm', aptBase(debian, 'python3 python3-venv ca-certificates')));
    timed('go base', () => lab.buildFromText('localhost/go-test:bookworm', aptBase(debian, 'golang-go ca-certificates')));
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
      expect(lab.exec('podman', ['exec', container, 'ls', '-A', '/app']).stdout.split('\n').filter(Boolean).sort()).toEqual(preset.appFiles);
      lab.exec('podman', ['healthcheck', 'run', container]);
      // The service handles SIGTERM: it stops well before the 15 s grace period ends in a kill
      // (idle keep-alive connections from the requests above must not hold it open).
      const started = Date.now();
      lab.exec('podman', ['stop', '-t', '15', container]);
      expect(Date.now() - started).toBeLessThan(8000);
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
