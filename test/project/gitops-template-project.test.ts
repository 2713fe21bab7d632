process.env.PROJEN_DISABLE_POST = 'true'; // no npm install in unit tests

import { parse } from 'yaml';
import { GitOpsProject } from '../../src';
import { GitOpsTemplateProject, GitOpsTemplateProjectOptions } from '../../src/template';
import { synth, tempdir } from '../util';

const template = (options: Partial<GitOpsTemplateProjectOptions> = {}) => new GitOpsTemplateProject({
  name: '@acme/gitops-template',
  author: 'Acme Platform',
  authorAddress: 'platform@acme.example',
  repositoryUrl: 'https://github.com/acme/gitops-template.git',
  defaultReleaseBranch: 'main',
  npmRegistryUrl: 'https://npm.acme.example/',
  outdir: tempdir(),
  ...options,
});

describe('GitOpsTemplateProject (a company template package)', () => {
  test('is a jsii package with projen-gitops, projen and constructs as peer dependencies', () => {
    const out = synth(template({ gitopsVersion: '^1.2.0' }));
    const pkg = out['package.json'];
    expect(pkg.name).toBe('@acme/gitops-template');
    expect(pkg.peerDependencies).toEqual({ 'projen-gitops': '^1.2.0', 'projen': '^0.103.25', 'constructs': '^10.5.0' });
    expect(pkg.jsii).toBeDefined();
    expect(pkg.keywords).toContain('projen-gitops-template');
  });

  test('seeds a project class extending GitOpsProject with a defaults object, a team option and @pjid', () => {
    const out = synth(template());
    const index = out['src/index.ts'];
    expect(index).toMatch(/export class AcmeGitOpsProject extends GitOpsProject \{/);
    expect(index).toMatch(/@pjid gitops$/m);
    expect(index).toMatch(/const DEFAULTS: TemplateDefaults = \{\n {2}template: '@acme\/gitops-template',/);
    expect(index).toMatch(/npmRegistry: \{ url: 'https:\/\/npm\.acme\.example\/', scope: '@acme', tokenSecret: 'NPM_TOKEN' \}/);
    expect(index).toMatch(/readonly team\?: string;/);
    expect(index).toMatch(/templateDefaults: DEFAULTS,/);
    expect(out['test/index.test.ts']).toMatch(/team: 'payments'/);
    expect(out['README.md']).toMatch(/npx projen new --from @acme\/gitops-template/);
    expect(out['README.md']).toMatch(/## Add an option/);
  });

  test('the README says how repositories receive new versions, and it is so: the upgrade workflow bumps the template, Dependabot ignores it', () => {
    const readme: string = synth(template())['README.md'];
    const rollOut = readme.slice(readme.indexOf('## Roll out'));
    expect(rollOut).toMatch(/pull request of its upgrade workflow\s+\(`\.github\/workflows\/upgrade\.yml`\) that bumps it and re-synthesizes/);
    expect(rollOut).toMatch(/Dependabot leaves the\s+template alone/);
    expect(rollOut).not.toMatch(/Dependabot with the registry/);
    // A repository made from the template (its defaults name it): what the README says.
    const repository = synth(new GitOpsProject({ name: 'orders', outdir: tempdir(), templateDefaults: { template: '@acme/gitops-template', npmRegistry: { url: 'https://npm.acme.example/', scope: '@acme' } } }));
    expect(parse(repository['.github/workflows/upgrade.yml']).name).toBeDefined();
    const npm = parse(repository['.github/dependabot.yml']).updates.find((u: any) => u['package-ecosystem'] === 'npm');
    expect(npm.ignore).toContainEqual({ 'dependency-name': '@acme/gitops-template' });
    expect(synth(template({ fleetReport: false }))['README.md']).not.toMatch(/fleet-report\.yml/);
  });

  test('releases publish to the internal registry with the token secret', () => {
    const out = synth(template({ npmTokenSecret: 'ACME_PUBLISH_TOKEN' }));
    const release = parse(out['.github/workflows/release.yml']);
    const publish = JSON.stringify(release.jobs.release_npm);
    expect(publish).toMatch(/"NPM_REGISTRY":"npm\.acme\.example\/?"/);
    expect(publish).toMatch(/secrets\.ACME_PUBLISH_TOKEN/);
  });

  test.each([
    ['npmRegistryUrl', { npmRegistryUrl: 'ftp://npm.acme.example' }, /https URL/],
    ['npmTokenSecret', { npmTokenSecret: 'npm token' }, /secret name/],
    ['templateClassName', { templateClassName: 'acme' }, /PascalCase/],
    ['baseImageMirror', { baseImageMirror: 'https://x' }, /registry host/],
    ['imageRegistry', { imageRegistry: "ghcr.io', evil: '1" }, /registry host/],
  ])('%s is checked', (option, options, message) => {
    expect(() => synth(template(options as object))).toThrow(new RegExp(`${option}: .*${message.source}`));
  });
});

describe("GitOpsTemplateProject on the company's GitHub server (githubUrl)", () => {
  const DEFAULTS = /const DEFAULTS: TemplateDefaults = \{[^]*?\n\};/;

  test('github.com: the default registry is ghcr.io and no githubUrl is written', () => {
    const index = synth(template())['src/index.ts'];
    expect(index.match(DEFAULTS)![0]).toContain("  registry: 'ghcr.io',\n");
    expect(index).toContain("  options: { scanSeverity: 'HIGH' },\n");
  });

  test.each([
    ['ghe.com', 'https://acme.ghe.com', 'containers.acme.ghe.com'],
    ['GitHub Enterprise Server', 'https://github.acme.com', 'containers.github.acme.com'],
  ])('%s: DEFAULTS names the server and its Container registry; a repository made with them pushes there', (_label, githubUrl, registry) => {
    const out = synth(template({ githubUrl }));
    const defaults = out['src/index.ts'].match(DEFAULTS)![0];
    expect(defaults).toContain(`  registry: '${registry}',\n`);
    expect(defaults).toContain(`  options: { scanSeverity: 'HIGH', githubUrl: '${githubUrl}' },\n`);
    expect(out['test/index.test.ts']).toContain(`toContain('registry: ${registry}')`);
    // What those defaults do in a repository (the template's options reach the Repository).
    const repo = synth(new GitOpsProject({
      name: 'orders',
      outdir: tempdir(),
      repository: 'acme/orders',
      ...(githubUrl.endsWith('ghe.com') ? {} : { signing: { key: 'hashivault://images' } }),
      templateDefaults: { template: '@acme/gitops-template', options: { githubUrl } },
    }));
    expect(parse(repo['.github/workflows/container.yml']).jobs.publish.steps.find((s: any) => s.name === 'Log in to the registry').with)
      .toEqual({ registry, username: '${{ github.actor }}', password: '${{ secrets.GITHUB_TOKEN }}' });
  });

  test.each([
    ['a githubUrl that is an API URL', { githubUrl: 'https://api.acme.ghe.com' }, { githubUrl: 'https://acme.ghe.com' }, "githubUrl: must be the URL of a GitHub server's root, 'https://host[:port]' (http only for 127.0.0.1 or localhost; no path such as /api/v3, no user, password, query or fragment), got \"https://api.acme.ghe.com\"; try 'https://acme.ghe.com'"],
    ["github.com's registry for a ghe.com company", { githubUrl: 'https://acme.ghe.com', imageRegistry: 'ghcr.io' }, { githubUrl: 'https://acme.ghe.com' }, "imageRegistry: is the Container registry of https://github.com, but the repository is on https://acme.ghe.com (githubUrl), whose workflows' GITHUB_TOKEN cannot log in to another GitHub server, got 'ghcr.io'; leave it unset (the default is 'containers.acme.ghe.com', https://acme.ghe.com's own), or set githubUrl: 'https://github.com' if the repository is there"],
    ['a server on an IP address, no registry', { githubUrl: 'https://10.0.0.5' }, { githubUrl: 'https://10.0.0.5', imageRegistry: 'registry.example.com' }, "imageRegistry: is needed: the company's GitHub server 'https://10.0.0.5' (githubUrl) has no Container registry (GitHub Enterprise Server has one only with subdomain isolation, which needs a host name, not an IP address), got none; set githubUrl to the server's host name, or imageRegistry: 'registry.example.com'"],
  ])('%s is refused with the option, the value and a fix that passes', (_label, options, fixed, message) => {
    expect(() => synth(template(options))).toThrow(message);
    expect(() => synth(template(fixed))).not.toThrow();
  });

  test('a server on an IP address with a registry of its own: no registry of GitHub is written', () => {
    const index = synth(template({ githubUrl: 'https://10.0.0.5', imageRegistry: 'registry.example.com' }))['src/index.ts'];
    expect(index).toContain("  registry: 'registry.example.com',\n");
    expect(synth(template({ githubUrl: 'https://acme.ghe.com' }))['src/index.ts']).not.toContain('ghcr.io');
  });
});
