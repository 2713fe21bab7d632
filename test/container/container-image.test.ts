import * as fs from 'fs';
import { Project } from 'projen';
import { ContainerImage, Runtime } from '../../src';
import { DOCKERFILE_SYNTAX } from '../../src/model/runtime-facts';
import { gitopsProject, synth, tempdir } from '../util';

function imageProject(options: ConstructorParameters<typeof ContainerImage>[1] = {}) {
  const project = new Project({ name: 'orders', outdir: tempdir() });
  const image = new ContainerImage(project, options);
  return { project, image };
}

describe('ContainerImage', () => {
  test('renders the default Node.js Dockerfile', () => {
    // GIVEN
    const { project } = imageProject();
    // WHEN
    const out = synth(project);
    // THEN
    expect(out.Dockerfile).toMatchSnapshot();
    const lines: string[] = out.Dockerfile.split('\n');
    expect(lines[0]).toBe(`# syntax=${DOCKERFILE_SYNTAX}`);
    expect(lines).toContain('ARG BASE_IMAGE="docker.io/library/node:22-trixie-slim"');
    expect(lines).toContain('USER 10001:10001');
    expect(lines).toContain('EXPOSE 8080');
    expect(out.Dockerfile).toMatch(/^HEALTHCHECK .*\n\s+CMD \["node", "-e",/m);
    expect(lines).toContain('CMD ["node","src/server.js"]');
    expect(out.Dockerfile).toMatch(/org\.opencontainers\.image\.source="\$\{OCI_SOURCE\}"/);
    expect(out.Dockerfile).toMatch(/org\.opencontainers\.image\.revision="\$\{OCI_REVISION\}"/);
    expect(out.Dockerfile.match(/^FROM /gm)).toHaveLength(2);
    // The repository's tooling (devDependencies, possibly local paths) never reaches npm ci.
    expect(out.Dockerfile).toMatch(/npm pkg delete devDependencies \\\n && npm ci --omit=dev/);
  });

  test('every FROM uses the BASE_IMAGE build arg (never latest); without a digest, no digest arg', () => {
    const out = synth(imageProject().project);
    for (const from of out.Dockerfile.match(/^FROM .*/gm)) {
      expect(from).toMatch(/^FROM \$\{BASE_IMAGE\} AS \w+$/);
    }
    expect(out.Dockerfile).not.toMatch(/:latest|_SHA256/);
  });

  test('port, health path, user, node version and command flow into the Dockerfile', () => {
    const { project } = imageProject({ port: 3000, healthPath: '/ready', uid: 4242, nodeVersion: '20', command: ['node', 'dist/main.js'] });
    const out = synth(project);
    expect(out.Dockerfile).toMatch(/^EXPOSE 3000$/m);
    expect(out.Dockerfile).toMatch(/PORT=3000/);
    expect(out.Dockerfile).toMatch(/HEALTH_PATH="\/ready"/);
    expect(out.Dockerfile).toMatch(/^USER 4242:4242$/m);
    expect(out.Dockerfile).toMatch(/^ARG BASE_IMAGE="docker.io\/library\/node:20-trixie-slim"$/m);
    expect(out.Dockerfile).toMatch(/^CMD \["node","dist\/main.js"\]$/m);
  });

  test('baseImage overrides the default (internal mirror, digest pin): the digest goes into each FROM line through its own arg', () => {
    const hex = 'a'.repeat(64);
    const out = synth(imageProject({ baseImage: `registry.internal:5000/mirror/node@sha256:${hex}` }).project);
    expect(out.Dockerfile).toMatch(/^ARG BASE_IMAGE="registry.internal:5000\/mirror\/node"$/m);
    expect(out.Dockerfile).toMatch(new RegExp(`^ARG BASE_IMAGE_SHA256="${hex}"$`, 'm'));
    // OpenSSF Scorecard reads FROM without resolving ARG values: the digest must be written there.
    for (const from of out.Dockerfile.match(/^FROM .*/gm)) expect(from).toMatch(/^FROM \$\{BASE_IMAGE\}@sha256:\$\{BASE_IMAGE_SHA256\} AS \w+$/);
    expect(out.Dockerfile).toMatch(/^# Each FROM pulls its image by the digest in the _SHA256 arg next to it: override both to build from another image\.$/m);
  });

  test('labels are quoted safely', () => {
    const out = synth(imageProject({ title: 'say "hi"', description: 'a\\b' }).project);
    expect(out.Dockerfile).toMatch(/org\.opencontainers\.image\.title="say \\"hi\\""/);
  });

  test('.dockerignore keeps tooling and secrets out of the context', () => {
    const out = synth(imageProject().project);
    const lines = out['.dockerignore'].split('\n');
    for (const pattern of ['.git', 'node_modules', '.env', '.env.*', '!.env.example', '.projen']) {
      expect(lines).toContain(pattern);
    }
  });

  test('seeds a sample service only when sampleCode is on', () => {
    expect(synth(imageProject().project)['src/server.js']).toMatch(/process\.env\.HEALTH_PATH/);
    expect(synth(imageProject({ sampleCode: false }).project)['src/server.js']).toBeUndefined();
  });

  test('the seeded sample is never overwritten', () => {
    const { project } = imageProject();
    fs.mkdirSync(`${project.outdir}/src`);
    fs.writeFileSync(`${project.outdir}/src/server.js`, 'my code');
    expect(synth(project)['src/server.js']).toBe('my code');
  });

  test('of() finds the image', () => {
    const { project, image } = imageProject();
    expect(ContainerImage.of(project)).toBe(image);
    expect(ContainerImage.of(new Project({ name: 'x', outdir: tempdir() }))).toBeUndefined();
  });

  describe('bad input fails before any file is written', () => {
    test.each<[string, ConstructorParameters<typeof ContainerImage>[1], RegExp]>([
      ['port too large', { port: 70000 }, /port: must be an integer from 1 to 65535, got 70000; try 8080/],
      ['port zero', { port: 0 }, /port: must be an integer from 1 to 65535, got 0/],
      ['port fraction', { port: 80.5 }, /port: must be an integer/],
      ['relative health path', { healthPath: 'healthz' }, /healthPath: must be an absolute URL path.* got 'healthz'; try '\/healthz'/],
      ['empty health path', { healthPath: '' }, /healthPath: .* got ''; try '\/healthz'/],
      ['health path with query', { healthPath: '/health?x=1' }, /healthPath: .*try '\/health'/],
      ['uppercase image name', { imageName: 'Acme/My_App' }, /imageName: must be an OCI repository name .* got 'Acme\/My_App'; try 'acme\/my_app'/],
      ['image name with tag', { imageName: 'acme/app:1.0' }, /imageName: .*got 'acme\/app:1.0'/],
      ['image name with the registry', { imageName: 'ghcr.io/acme/app' }, /imageName: must not include the registry \('ghcr.io'\), got 'ghcr.io\/acme\/app'; set registry: 'ghcr.io' and imageName: 'acme\/app'/],
      ['health path with a dollar', { healthPath: '/health$x' }, /healthPath: .*'\$'.*got '\/health\$x'; try '\/health-x'/],
      ['health path with a semicolon (it would break nginx)', { healthPath: '/health;x' }, /healthPath: .*';'.*got '\/health;x'; try '\/health-x'/],
      ['dotted base image without tag', { baseImage: 'my.image' }, /baseImage: must pin a version .* got 'my.image'/],
      ['registry with scheme', { registry: 'https://ghcr.io' }, /registry: must be a registry host .* got 'https:\/\/ghcr.io'; try 'ghcr.io'/],
      ['node version word', { nodeVersion: 'lts' }, /nodeVersion: must be a Node.js version .* got 'lts'; try '22'/],
      ['node version too old', { nodeVersion: '16' }, /nodeVersion: .*got '16'/],
      ['latest base image', { baseImage: 'node:latest' }, /baseImage: must pin a version .* got 'node:latest'/],
      ['untagged base image', { baseImage: 'node' }, /baseImage: must pin a version .* got 'node'/],
      ['bad digest', { baseImage: 'node@sha256:abc' }, /baseImage: has a malformed digest/],
      ['root user', { uid: 0 }, /uid: must be a non-root numeric user id .*0 is root.* got 0; try 10001/],
      ['empty command', { command: [] }, /command: must be a non-empty list/],
      ['unknown runtime', { runtime: 'ruby' as Runtime }, /runtime: must be one of 'node', 'node-pnpm', .*, 'custom', got 'ruby'; try Runtime\.NODE$/m],
    ])('%s', (_name, options, message) => {
      const { project } = imageProject(options);
      expect(() => project.synth()).toThrow(message);
    });

    test('all problems are reported at once, and nothing is written', () => {
      const { project } = imageProject({ port: -1, healthPath: 'x', uid: 0 });
      let error: Error | undefined;
      try {
        project.synth();
      } catch (e) {
        error = e as Error;
      }
      expect(error?.message).toMatch(/3 problems in \.projenrc\.ts \(no file was changed\)/);
      expect(error?.message).toMatch(/port:/);
      expect(error?.message).toMatch(/healthPath:/);
      expect(error?.message).toMatch(/uid:/);
      expect(fs.readdirSync(project.outdir)).toEqual([]);
    });
  });

  test('works in a GitOpsProject with the same options', () => {
    const out = synth(gitopsProject({ port: 9000 }));
    expect(out.Dockerfile).toMatch(/^EXPOSE 9000$/m);
  });
});
