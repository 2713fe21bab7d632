/**
 * Each runtime preset builds for real (buildah) with one real dependency from its own registry
 * (npm, PyPI with a hash pin, the Go module proxy, Maven Central), the image runs as the
 * non-root user, loads that dependency, answers its health check and stops on SIGTERM
 * (podman), a source-only change rebuilds reusing the dependency layer, and the OCI labels
 * survive a push to a registry (skopeo). Base images are made locally from Debian packages
 * (no public container registry is reachable here) and cached between runs; the Dockerfiles
 * take them as build args. Needs `npx projen build` and the Debian tools `.ci/run` installs.
 * Image sizes and build times are in the benchmark (`BENCH_IMAGES=1 npx projen bench`).
 *
 * Not built: java-gradle (see test/e2e/presets.ts: Gradle cannot be had from the reachable
 * registries); it shows as a skipped test, and its Dockerfile is linted in the unit tests.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { cachedSteps, freePort, OCI_TOOLS, OciLab } from './oci';
import { BASES, changeSource, DEVELOPER_ENV, makeBases, makeRepository, NOT_BUILT, PRESETS } from './presets';
import { bootstrap, packedModuleSpec, run } from '../../scripts/bootstrap';
import { describeWith } from '../tools';

const describeWithTools = describeWith(OCI_TOOLS);

describeWithTools('generated images build, run and ship', () => {
  let lab: OciLab;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-image-'));
  const timings: string[] = [];
  const timed = <T>(label: string, fn: () => T): T => {
    const started = Date.now();
    const result = fn();
    timings.push(`${label}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return result;
  };
  const buildArgs = { OCI_SOURCE: 'https://github.com/acme/orders', OCI_REVISION: '0123456789abcdef' };

  beforeAll(() => {
    lab = new OciLab();
    for (const [name, seconds] of Object.entries(makeBases(lab))) timings.push(`${name} base (made or loaded from the cache): ${seconds.toFixed(1)} s`);
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
    let service: string;

    beforeAll(async () => {
      service = await makeRepository(preset, repo);
    });

    test('buildah builds the generated Dockerfile, with a real dependency from its registry', () => {
      timed(`${preset.runtime} image build`, () => lab.build(service, image, { ...preset.buildArgs, ...buildArgs }));
      const docker = JSON.parse(lab.exec('buildah', ['inspect', '--type', 'image', image]).stdout).Docker.config;
      expect(docker.User).toBe('10001:10001');
      expect(Object.keys(docker.ExposedPorts)).toEqual(['8081/tcp']);
      expect(docker.Cmd).toEqual(preset.cmd);
      expect(docker.Healthcheck.Test[0]).toBe('CMD');
    });

    test('the container answers on the health path as the non-root user, loads its dependency, and its health check passes', async () => {
      const port = await freePort();
      lab.run(image, container, port, 8081);
      let body: unknown;
      for (let i = 0; i < 120 && body === undefined; i++) {
        body = await fetch(`http://127.0.0.1:${port}/ready`).then((r) => (r.ok ? r.json() : undefined), () => undefined);
        if (body === undefined) await new Promise((r) => setTimeout(r, 250));
      }
      expect(body).toEqual({ status: 'ok' });
      expect(lab.exec('podman', ['exec', container, 'id', '-u']).stdout.trim()).toBe('10001');
      // The code is owned by root: the service cannot rewrite itself.
      expect(lab.exec('podman', ['exec', container, 'sh', '-c', `test -w ${preset.codeFile} && echo writable || echo read-only`]).stdout.trim()).toBe('read-only');
      // No tooling or secrets from the repository end up in the image.
      expect(lab.exec('podman', ['exec', container, 'ls', '-A', preset.appDir ?? '/app']).stdout.split('\n').filter(Boolean).sort()).toEqual(preset.appFiles);
      if (preset.dependencyCheck) {
        expect(lab.exec('podman', ['exec', container, ...preset.dependencyCheck.command]).stdout.trim()).toBe(preset.dependencyCheck.prints);
      }
      if (preset.runtime === 'go') {
        // The runtime image has no Go: read the binary's build information with the build image's.
        const out = fs.mkdtempSync(path.join(lab.dir, 'bin-'));
        lab.exec('podman', ['cp', `${container}:/app/server`, path.join(out, 'server')]);
        const info = lab.exec('podman', ['run', '--rm', '-v', `${out}:/check:ro`, BASES.go, 'go', 'version', '-m', '/check/server']).stdout;
        expect(info).toMatch(/\bdep\s+github\.com\/google\/uuid\s+v1\.6\.0\s+h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr\+hNrb57e\+94F0=/);
      }
      lab.exec('podman', ['healthcheck', 'run', container]);
      // The service handles SIGTERM: it stops before the 15 s grace period ends in a kill (idle
      // keep-alive connections from the requests above must not hold it open). Read from the exit
      // status, not a clock: a SIGKILL at the end of the grace period is 137 (128 + 9).
      lab.exec('podman', ['stop', '-t', '15', container]);
      const exit = lab.exec('podman', ['inspect', '--format', '{{.State.ExitCode}}', container]).stdout.trim();
      expect({ runtime: preset.runtime, exit }).toEqual({ runtime: preset.runtime, exit: expect.not.stringMatching(/^137$/) });
    });

    test('a source-only change rebuilds from the cached dependency layer', () => {
      changeSource(preset, service);
      const steps = cachedSteps(timed(`${preset.runtime} rebuild after a source change`, () => lab.build(service, image, { ...preset.buildArgs, ...buildArgs })));
      // The change was seen (some step ran again) ...
      expect(steps.filter((s) => !s.cached).map((s) => s.instruction).join('\n')).toMatch(/^COPY /m);
      // ... and the dependencies were not installed again.
      if (preset.dependencyStep) {
        const install = steps.filter((s) => preset.dependencyStep!.test(s.instruction));
        expect(install).toHaveLength(1);
        expect(install[0].cached).toBe(true);
      }
    });
  });

  for (const [runtime, reason] of Object.entries(NOT_BUILT)) {
    console.warn(`image test skipped: ${runtime} is not built here: ${reason}`);
    test.skip(`${runtime} builds and runs (not here: ${reason})`, () => undefined);
  }

  test('known-bad: a process that ignores SIGTERM is killed at the end of the grace period (exit 137), so the stop check above can fail', () => {
    // PID 1 gets no default signal handlers: a shell's sleep never sees SIGTERM.
    const name = `ignores-sigterm-${process.pid}`;
    lab.exec('podman', ['run', '-d', '--name', name, BASES.python, 'sleep', '600']);
    try {
      lab.exec('podman', ['stop', '-t', '1', name]);
      expect(lab.exec('podman', ['inspect', '--format', '{{.State.ExitCode}}', name]).stdout.trim()).toBe('137');
    } finally {
      lab.exec('podman', ['rm', '-f', name]);
    }
  });

  test('a change to the dependency list installs again: the layer check above can fail', () => {
    const service = path.join(work, 'svc-python');
    fs.appendFileSync(path.join(service, 'requirements.txt'), '# a change to the dependencies\n');
    const steps = cachedSteps(lab.build(service, 'localhost/svc-python:test', { BASE_IMAGE: BASES.python }));
    expect(steps.find((s) => /pip install --require-hashes -r requirements\.txt/.test(s.instruction))?.cached).toBe(false);
  });

  test('a requirement without a hash fails the build (pip install --require-hashes)', () => {
    const service = path.join(work, 'svc-python');
    const requirements = path.join(service, 'requirements.txt');
    const good = fs.readFileSync(requirements, 'utf-8');
    fs.writeFileSync(requirements, good.replace(/ --hash=sha256:[0-9a-f]{64}/g, ''));
    try {
      expect(() => lab.build(service, 'localhost/svc-python:no-hash', { BASE_IMAGE: BASES.python })).toThrow(/Hashes are required in --require-hashes mode/);
    } finally {
      fs.writeFileSync(requirements, good);
    }
  });

  test('a requirement whose hash does not match fails the build', () => {
    const service = path.join(work, 'svc-python');
    const requirements = path.join(service, 'requirements.txt');
    const good = fs.readFileSync(requirements, 'utf-8');
    fs.writeFileSync(requirements, good.replace(/sha256:[0-9a-f]{64}/, `sha256:${'0'.repeat(64)}`));
    try {
      expect(() => lab.build(service, 'localhost/svc-python:bad-hash', { BASE_IMAGE: BASES.python })).toThrow(/THESE PACKAGES DO NOT MATCH THE HASHES/);
    } finally {
      fs.writeFileSync(requirements, good);
    }
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
      timed(`${service} image build (multi-service)`, () => lab.build(context, `localhost/multi-${service}:test`, { BASE_IMAGE: BASES.node }));
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
      const synth = run('npx', ['projen'], repo, DEVELOPER_ENV);
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
