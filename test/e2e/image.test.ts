/**
 * The generated Dockerfile builds for real (buildah), the image runs as the non-root user and
 * answers its health check (podman), and its OCI labels survive a push to a registry (skopeo).
 * Needs the packed module (`npx projen build`) and the Debian tools `.ci/run` installs.
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

describeWithTools('the generated image builds, runs and ships', () => {
  let lab: OciLab;
  let repo: string;
  const image = 'localhost/orders:test';
  const container = `orders-e2e-${process.pid}`;

  beforeAll(async () => {
    repo = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-image-')), 'orders');
    const result = await bootstrap(repo, packedModuleSpec(), ['--port', '8081', '--health-path', '/ready']);
    if (result.status !== 0) throw new Error(`projen new failed:\n${result.output}`);
    lab = new OciLab();
    const debian = lab.makeDebianBase();
    // Stands in for the default node image (Docker Hub is not reachable here).
    lab.buildFromText('localhost/node-test:18', [
      `FROM ${debian}`,
      'RUN apt-get update \\',
      ' && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm ca-certificates \\',
      ' && apt-get clean && rm -rf /var/lib/apt/lists/*',
    ].join('\n'));
  });

  afterAll(() => {
    lab?.dispose();
    if (repo) fs.rmSync(path.dirname(repo), { recursive: true, force: true });
  });

  test('buildah builds the Dockerfile with the base image as a build arg', () => {
    lab.build(repo, image, {
      BASE_IMAGE: 'localhost/node-test:18',
      OCI_SOURCE: 'https://github.com/acme/orders',
      OCI_REVISION: '0123456789abcdef',
    });
    const config = JSON.parse(lab.exec('buildah', ['inspect', '--type', 'image', image]).stdout);
    const docker = config.Docker.config;
    expect(docker.User).toBe('10001:10001');
    expect(Object.keys(docker.ExposedPorts)).toEqual(['8081/tcp']);
    expect(docker.Cmd).toEqual(['node', 'src/server.js']);
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
    expect(lab.exec('podman', ['exec', container, 'sh', '-c', 'test -w /app/src/server.js && echo writable || echo read-only']).stdout.trim()).toBe('read-only');
    // No tooling or secrets from the repository end up in the image.
    expect(lab.exec('podman', ['exec', container, 'ls', '-A', '/app']).stdout.split('\n').filter(Boolean).sort()).toEqual(['node_modules', 'package-lock.json', 'package.json', 'src']);
    lab.exec('podman', ['healthcheck', 'run', container]);
  });

  test('the OCI labels survive a push to a registry', async () => {
    const registry = await lab.startRegistry();
    lab.exec('buildah', ['push', '--tls-verify=false', image, `docker://${registry}/acme/orders:test`]);
    const labels = JSON.parse(lab.exec('skopeo', ['inspect', '--tls-verify=false', `docker://${registry}/acme/orders:test`]).stdout).Labels;
    expect(labels).toMatchObject({
      'org.opencontainers.image.title': 'orders',
      'org.opencontainers.image.description': 'orders service',
      'org.opencontainers.image.source': 'https://github.com/acme/orders',
      'org.opencontainers.image.revision': '0123456789abcdef',
    });
  });
});
