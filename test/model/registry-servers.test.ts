process.env.PROJEN_DISABLE_POST = 'true'; // no npm install in unit tests
import { parse as parseYaml } from 'yaml';
import { GitOpsProjectOptions, Runtime } from '../../src';
import { registryLogin } from '../../src/github/registry-login';
import { githubContainerRegistryOf, registryOf } from '../../src/model/registry';
import { gitopsProject, synth } from '../util';

/**
 * The default registry on each kind of GitHub server `githubUrl` names, and the login to it:
 * GitHub's Container registry of the repository's own server, where the job's GITHUB_TOKEN logs
 * in (github.com: ghcr.io; ghe.com: containers.<sub>.ghe.com; GitHub Enterprise Server:
 * containers.<host>, which exists only with subdomain isolation).
 */
const BASE: Partial<GitOpsProjectOptions> = { repository: 'acme/orders', environments: [{ name: 'dev' }] };
const GHE = 'https://acme.ghe.com';
const GHES = 'https://github.acme.com';
const KMS = { key: 'hashivault://images' };
const WORKFLOW = '.github/workflows/container.yml';

const generate = (options: Partial<GitOpsProjectOptions>) => synth(gitopsProject({ ...BASE, ...options }));
const publish = (out: Record<string, any>) => parseYaml(out[WORKFLOW]).jobs.publish;
const login = (out: Record<string, any>) => publish(out).steps.find((s: any) => /^Log in/.test(s.name));

describe("GitHub's Container registry of each server", () => {
  test.each([
    ['github.com', 'https://github.com', 'ghcr.io'],
    ['github.com, in capitals, a trailing /', 'https://GitHub.com/', 'ghcr.io'],
    ['ghe.com', GHE, 'containers.acme.ghe.com'],
    ['GHES', GHES, 'containers.github.acme.com'],
    ['GHES on a port', 'https://Git.Acme.internal:8443', 'containers.git.acme.internal:8443'],
    ['GHES on an IP address (no subdomain isolation: none)', 'https://10.0.0.5', undefined],
    ['a test server on loopback (none)', 'http://127.0.0.1:9080', undefined],
    ['localhost (none)', 'http://localhost:9080', undefined],
  ])('%s', (_label, githubUrl, registry) => {
    expect(githubContainerRegistryOf(githubUrl)).toBe(registry);
    // Its own registry is the one the job's token logs in to.
    if (registry) expect(registryOf(registry.toUpperCase(), githubUrl)).toEqual({ kind: 'ghcr' });
  });

  test("another server's Container registry is not reached by the job's token: its login takes secrets", () => {
    expect(registryOf('ghcr.io', GHE)).toEqual({ kind: 'other' });
    expect(registryOf('containers.acme.ghe.com')).toEqual({ kind: 'other' });
    expect(registryOf('containers.acme.ghe.com', 'https://other.ghe.com')).toEqual({ kind: 'other' });
    expect(registryLogin('ghcr.io', GHES).steps[0].with).toEqual({ registry: 'ghcr.io', username: '${{ secrets.REGISTRY_USERNAME }}', password: '${{ secrets.REGISTRY_PASSWORD }}' });
  });
});

describe('the default registry follows githubUrl', () => {
  test.each([
    ['ghe.com', { githubUrl: GHE }, 'containers.acme.ghe.com'],
    ['GHES', { githubUrl: GHES, signing: KMS }, 'containers.github.acme.com'],
  ])('%s: images are pushed there, logged in with the job\'s GITHUB_TOKEN (packages: write)', (_label, options, registry) => {
    const out = generate(options);
    expect(login(out)).toEqual(expect.objectContaining({
      name: 'Log in to the registry',
      with: { registry, username: '${{ github.actor }}', password: '${{ secrets.GITHUB_TOKEN }}' },
    }));
    expect(publish(out).permissions.packages).toBe('write');
    // Every output names it (the chart, the rendered manifests, the admission policy, promotion, verify, README), none ghcr.io.
    for (const file of ['deploy/charts/orders/values.yaml', 'deploy/rendered/dev/orders.yaml', 'deploy/policies/dev/cluster-image-policy.yaml', 'deploy/promotion.json', 'README.md']) {
      expect(JSON.stringify(out[file])).toContain(`${registry}/`);
    }
    // The required check logs in to it the same way to verify the digests.
    expect(out['.github/workflows/verify-images.yml']).toContain(`registry: ${registry}\n          username: \${{ github.actor }}\n          password: \${{ secrets.GITHUB_TOKEN }}`);
    expect(Object.entries(out).filter(([, content]) => JSON.stringify(content).includes('ghcr.io')).map(([file]) => file)).toEqual([]);
    // A service in a folder inherits it.
    const project = gitopsProject({ ...BASE, ...options });
    const worker = project.addService({ name: 'worker', runtime: Runtime.GO });
    expect(worker.registry).toBe(registry);
  });

  test('github.com: ghcr.io, as before (githubUrl written out changes no file)', () => {
    const plain = generate({});
    expect(login(plain).with.registry).toBe('ghcr.io');
    expect(generate({ githubUrl: 'https://github.com' })).toEqual(plain);
  });

  test('the registry option still wins', () => {
    const out = generate({ githubUrl: GHE, registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', imageName: 'acme/orders' });
    expect(publish(out).steps.map((s: any) => s.name)).toContain('Log in to Amazon ECR');
    expect(out[WORKFLOW]).not.toContain('containers.acme.ghe.com');
  });
});

describe('registries the job cannot log in to are refused, with the option, the value and a fix that passes', () => {
  test.each([
    ['ghcr.io from ghe.com', { githubUrl: GHE, registry: 'ghcr.io' },
      "- registry: is the Container registry of https://github.com, but the repository is on https://acme.ghe.com (githubUrl), whose workflows' GITHUB_TOKEN cannot log in to another GitHub server, got 'ghcr.io'; remove it (the default is 'containers.acme.ghe.com', https://acme.ghe.com's own), or set githubUrl: 'https://github.com' if the repository is there"],
    ['ghcr.io from GHES', { githubUrl: GHES, signing: KMS, registry: 'GHCR.io' },
      "- registry: is the Container registry of https://github.com, but the repository is on https://github.acme.com (githubUrl), whose workflows' GITHUB_TOKEN cannot log in to another GitHub server, got 'GHCR.io'; remove it (the default is 'containers.github.acme.com', https://github.acme.com's own)"],
    ['a ghe.com registry from github.com (githubUrl forgotten)', { registry: 'containers.acme.ghe.com' },
      "- registry: is the Container registry of https://acme.ghe.com, but the repository is on https://github.com (githubUrl), whose workflows' GITHUB_TOKEN cannot log in to another GitHub server, got 'containers.acme.ghe.com'; remove it (the default is 'ghcr.io', https://github.com's own), or set githubUrl: 'https://acme.ghe.com' if the repository is there"],
    ["another tenant's registry", { githubUrl: GHE, registry: 'containers.other.ghe.com' },
      '- registry: is the Container registry of https://other.ghe.com, but the repository is on https://acme.ghe.com (githubUrl)'],
  ])('%s', (_label, options, message) => {
    expect(() => generate(options)).toThrow(message);
    expect(() => generate(options)).toThrow(/1 problem in/);
    const { registry: _, ...fixed } = options as Partial<GitOpsProjectOptions>;
    expect(() => generate(fixed)).not.toThrow();
  });

  test('GHES on an IP address has no Container registry: registry is asked for, and a registry of its own passes (secrets login)', () => {
    const options = { githubUrl: 'https://10.0.0.5', signing: KMS };
    expect(() => generate(options)).toThrow(
      "- registry: is needed: the repository's server 'https://10.0.0.5' (githubUrl) has no Container registry (GitHub Enterprise Server has one only with subdomain isolation, which needs a host name, not an IP address), got none; set githubUrl to the server's host name, or registry: 'registry.example.com'");
    expect(() => generate(options)).toThrow(/1 problem in/);
    // Services inheriting it add no problem of their own.
    expect(() => generate({ ...options, services: [{ name: 'worker' }] })).toThrow(/1 problem in/);
    const out = generate({ ...options, registry: 'registry.example.com' });
    expect(login(out).with).toEqual({ registry: 'registry.example.com', username: '${{ secrets.REGISTRY_USERNAME }}', password: '${{ secrets.REGISTRY_PASSWORD }}' });
  });
});
