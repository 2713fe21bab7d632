process.env.PROJEN_DISABLE_POST = 'true'; // no npm install in unit tests

import { parse } from 'yaml';
import { GitOpsProject, GitOpsProjectOptions, Iac, Runtime, Template, TemplateDefaults } from '../../src';
import { optionProblems } from '../../src/core/validation';
import { seedProjenrc } from '../../src/project/seeded-projenrc';
import { actionlint, synth, tempdir } from '../util';

const ACME: TemplateDefaults = {
  template: '@acme/gitops-template',
  version: '1.4.0',
  registry: 'registry.acme.example',
  baseImageMirror: 'mirror.acme.example/hub',
  npmRegistry: { url: 'https://npm.acme.example/', scope: '@acme', tokenSecret: 'ACME_NPM_TOKEN' },
  requiredApprovals: 2,
  codeOwners: ['@acme/platform'],
  environments: [{ name: 'dev' }, { name: 'prod' }],
  runsOn: 'acme-runner',
  ring: 'canary',
  options: { scanSeverity: 'HIGH' },
};

/** What a template class does: passes its defaults object under the repository's options. */
class AcmeProject extends GitOpsProject {
  constructor(options: GitOpsProjectOptions) {
    super({ ...options, templateDefaults: ACME });
  }
}

const acme = (options: Partial<GitOpsProjectOptions> = {}) => new AcmeProject({ name: 'orders', outdir: tempdir(), repository: 'acme/orders', ...options });

describe('company template defaults', () => {
  test('GitOpsProject keeps one options argument (projen new refuses a project type with two)', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const manifest = JSON.parse(require('fs').readFileSync(require('path').join(__dirname, '..', '..', '.jsii'), 'utf-8'));
    expect(manifest.types['projen-gitops.GitOpsProject'].initializer.parameters.map((p: any) => p.type.fqn)).toEqual(['projen-gitops.GitOpsProjectOptions']);
  });

  test('every component reads them: registry, approvals, code owners, environments, runner, scan severity', () => {
    const out = synth(acme({ services: [{ name: 'worker', runtime: Runtime.PYTHON }] }));
    const container = out['.github/workflows/container.yml'];
    expect(container).toMatch(/registry\.acme\.example/);
    expect(container).toMatch(/runs-on: acme-runner/);
    expect(container).not.toMatch(/ubuntu-24\.04/);
    expect(container).toMatch(/severity: HIGH|HIGH,CRITICAL|CRITICAL,HIGH/);
    const ruleset = JSON.stringify(Object.entries(out).filter(([p]) => p.startsWith('.github/rulesets/')).map(([, v]) => v));
    expect(ruleset).toMatch(/"required_approving_review_count":2/);
    expect(out['.github/CODEOWNERS']).toMatch(/^\* @acme\/platform$/m);
    expect(Object.keys(out).filter((p) => p.startsWith('deploy/environments/')).map((p) => p.split('/')[2]).sort())
      .toEqual(expect.arrayContaining(['dev', 'prod']));
    expect(Object.keys(out).some((p) => p.startsWith('deploy/environments/staging/'))).toBe(false);
  });

  test('an option written in .projenrc.ts wins over the template default', () => {
    const out = synth(acme({ requiredApprovals: 3, runsOn: 'ubuntu-24.04' }));
    const ruleset = JSON.stringify(Object.entries(out).filter(([p]) => p.startsWith('.github/rulesets/')).map(([, v]) => v));
    expect(ruleset).toMatch(/"required_approving_review_count":3/);
    expect(out['.github/workflows/container.yml']).toMatch(/runs-on: ubuntu-24\.04/);
  });

  test('the mirror prefixes every default base and build image per runtime; a Python service keeps a Python base', () => {
    const out = synth(acme({ services: [{ name: 'worker', runtime: Runtime.PYTHON }, { name: 'api', runtime: Runtime.GO }] }));
    expect(out.Dockerfile).toMatch(/mirror\.acme\.example\/hub\/docker\.io\/library\/node:22-trixie-slim/);
    expect(out['services/worker/Dockerfile']).toMatch(/mirror\.acme\.example\/hub\/docker\.io\/library\/python:3\.12-slim-trixie/);
    expect(out['services/worker/Dockerfile']).not.toMatch(/library\/node/);
    expect(out['services/api/Dockerfile']).toMatch(/mirror\.acme\.example\/hub\/docker\.io\/library\/golang:1\.27-trixie/);
    expect(out['services/api/Dockerfile']).toMatch(/mirror\.acme\.example\/hub\/gcr\.io\/distroless\/static-debian13:nonroot/);
  });

  test('a template may not set one baseImage for every runtime', () => {
    const project = new GitOpsProject({ name: 'orders', outdir: tempdir(), templateDefaults: { template: '@acme/t', options: { baseImage: 'docker.io/library/node:22' } } });
    expect(() => synth(project)).toThrow(/templateDefaults\.options\.baseImage: cannot be a template default.*baseImageMirror/);
  });

  test.each<[string, Record<string, unknown>, string]>([
    ['a string for a boolean (it turned signing on)', { signImages: 'false' }, "templateDefaults.options.signImages: must be true or false (a boolean, not a string in quotes), got 'false'; try false"],
    ['a string for a number', { port: '3000' }, "templateDefaults.options.port: must be a whole number (not a string in quotes), got '3000'; try 3000"],
    ['a misspelt enum value', { iac: 'terrafrom' }, "templateDefaults.options.iac: must be one of Iac.TERRAFORM, Iac.OPENTOFU ('terraform', 'opentofu'), got 'terrafrom'; try Iac.TERRAFORM"],
    ['a string for a list (spelt out letter by letter)', { platforms: 'linux/arm64' }, "templateDefaults.options.platforms: must be a list of strings, got 'linux/arm64'; try ['linux/arm64']"],
    ['a misspelt key inside a struct', { deployment: { replcas: 2 } }, "templateDefaults.options.deployment.replcas: is not an option of ServiceDeploymentOptions; did you mean 'replicas'?"],
  ])('a template default of the wrong type is reported under templateDefaults.options, once, and not applied: %s', (_name, options, problem) => {
    const project = new GitOpsProject({ name: 'orders', outdir: tempdir(), repository: 'acme/orders', templateDefaults: { template: '@acme/t', options } });
    // The only problem: no component reports the value again under the repository's own option.
    expect(optionProblems(project).map((p) => `${p.option}: ${p.message}`)).toEqual([problem]);
    expect(() => synth(project)).toThrow(/^projen-gitops: 1 problem in \.projenrc\.ts/);
    expect(Template.of(project)!.optionDefaults).toEqual({});
  });

  test('a template default of the right type is applied (the checks above refuse only the wrong ones)', () => {
    const project = new GitOpsProject({ name: 'orders', outdir: tempdir(), repository: 'acme/orders', templateDefaults: { template: '@acme/t', options: { signImages: false, port: 3000, iac: Iac.TERRAFORM, infraStateBucket: 'acme-state' } } });
    expect(Template.of(project)!.optionDefaults).toEqual({ signImages: false, port: 3000, iac: Iac.TERRAFORM, infraStateBucket: 'acme-state' });
    expect(optionProblems(project).filter((p) => p.option.startsWith('templateDefaults'))).toEqual([]);
  });

  test('a misspelt template default is reported under templateDefaults, with a suggestion', () => {
    const project = new GitOpsProject({ name: 'orders', outdir: tempdir(), templateDefaults: { template: '@acme/t', options: { scanSeverty: 'HIGH' } } });
    expect(() => synth(project)).toThrow(/templateDefaults\.options\.scanSeverty: is not an option of GitOpsProject; did you mean 'scanSeverity'\?/);
  });

  test('the template\'s name and version follow npm\'s and semver\'s grammars', () => {
    const project = new GitOpsProject({ name: 'orders', outdir: tempdir(), templateDefaults: { template: 'Acme Template', version: 'v1' } });
    expect(() => synth(project)).toThrow(/templateDefaults\.template: must be the template's npm package name.*\n.*templateDefaults\.version: must be a semantic version/);
  });

  test('the README names the template, its version and its defaults', () => {
    const readme = synth(acme())['README.md'];
    expect(readme).toMatch(/company template `@acme\/gitops-template` 1\.4\.0/);
    expect(readme).toMatch(/- `requiredApprovals`: `2`/);
    expect(readme).toMatch(/\(ring\s+`canary`\)/);
  });

  test('the seeded .projenrc.ts shows the template\'s defaults, not ours, and imports Runtime', () => {
    const written = `import { AcmeProject } from "@acme/gitops-template";
const project = new AcmeProject({
  name: "orders",
  // codeOwners: undefined,  /* Code owners of every file */
  // requiredApprovals: 1,   /* Approving reviews a pull request into the default branch needs (0 to 10). */
  // runtime: Runtime.NODE,  /* The service's runtime */
});
project.synth();`;
    const seeded = seedProjenrc(written, Runtime.NODE, ACME);
    expect(seeded).toMatch(/^ {2}\/\/ requiredApprovals: 2, {2}\/\* default of @acme\/gitops-template \*\/$/m);
    expect(seeded).not.toMatch(/requiredApprovals: 1/);
    expect(seeded).toMatch(/^ {2}\/\/ codeOwners: \["@acme\/platform"\],/m);
    expect(seeded).toMatch(/^ {2}\/\/ baseImageMirror: "mirror\.acme\.example\/hub",/m);
    expect(seeded).toMatch(/^import \{ Runtime \} from "projen-gitops";$/m);
    expect(seedProjenrc(seeded, Runtime.NODE, ACME)).toBe(seeded);
  });
});

describe('private npm registry', () => {
  test('.npmrc names the registry and reads the token from the environment, never holding it', () => {
    const out = synth(acme());
    expect(out['.npmrc']).toMatch(/^@acme:registry=https:\/\/npm\.acme\.example\/$/m);
    expect(out['.npmrc']).toMatch(/^\/\/npm\.acme\.example\/:_authToken=\$\{NODE_AUTH_TOKEN\}$/m);
  });

  test('every workflow that runs npm ci gets NODE_AUTH_TOKEN from the secret through env:', () => {
    const out = synth(acme({ services: [{ name: 'worker' }] }));
    const installs = Object.entries(out).filter(([p]) => p.startsWith('.github/workflows/'))
      .flatMap(([, text]) => Object.values(parse(text).jobs as Record<string, { steps?: any[] }>).flatMap((job) => job.steps ?? []))
      .filter((step) => /npm ci/.test(step.run ?? ''));
    expect(installs.length).toBeGreaterThanOrEqual(2);
    for (const step of installs) {
      expect(step.env).toEqual({ NODE_AUTH_TOKEN: '${{ secrets.ACME_NPM_TOKEN }}' });
      expect(step.run).not.toMatch(/TOKEN|secrets/);
    }
  });

  test('actionlint accepts every workflow with the token step (and shellcheck its scripts)', async () => {
    const out = synth(acme({ runsOn: 'ubuntu-24.04', services: [{ name: 'worker' }] })); // actionlint knows GitHub's runner labels only
    for (const [file, text] of Object.entries(out).filter(([p]) => p.startsWith('.github/workflows/'))) {
      expect([file, await actionlint(text as string, file)]).toEqual([file, []]);
    }
  });

  test('dependabot.yml reaches the registry with the token secret', () => {
    const dependabot = parse(synth(acme())['.github/dependabot.yml']);
    expect(dependabot.registries['npm-private']).toEqual({ type: 'npm-registry', url: 'https://npm.acme.example/', token: '${{secrets.ACME_NPM_TOKEN}}' });
    expect(dependabot.updates.find((u: any) => u['package-ecosystem'] === 'npm').registries).toEqual(['npm-private']);
  });

  test('without one, nothing changes: no .npmrc, no env on npm ci, no registries', () => {
    const out = synth(new GitOpsProject({ name: 'orders', outdir: tempdir(), repository: 'acme/orders' }));
    expect(out['.npmrc']).toBeUndefined();
    expect(out['.github/workflows/drift.yml']).not.toMatch(/NODE_AUTH_TOKEN/);
    expect(parse(out['.github/dependabot.yml']).registries).toBeUndefined();
  });

  test.each([
    ['npmRegistry.url', { npmRegistry: { url: 'http://npm.acme.example/' } }, /https URL.*try 'https:\/\/npm\.acme\.example\/'/],
    ['npmRegistry.url', { npmRegistry: { url: 'https://user:secret@npm.acme.example/' } }, /no user, password/],
    ['npmRegistry.scope', { npmRegistry: { url: 'https://npm.acme.example/', scope: 'Acme' } }, /npm scope.*try '@acme'/],
    ['npmRegistry.tokenSecret', { npmRegistry: { url: 'https://npm.acme.example/', tokenSecret: 'GITHUB_TOKEN' } }, /secret name.*try 'TOKEN'/],
    ['baseImageMirror', { baseImageMirror: 'https://mirror.acme.example/hub/' }, /registry host.*try 'mirror\.acme\.example\/hub'/],
    ['baseImageMirror', { baseImageMirror: 'mirror' }, /registry host.*try 'mirror\.example\.com\/hub'/],
  ])('%s is checked by its grammar (%j)', (option, options, message) => {
    const project = new GitOpsProject({ name: 'orders', outdir: tempdir(), ...(options as object) });
    expect(() => synth(project)).toThrow(new RegExp(`${option.replace(/\./g, '\\.')}: .*${message.source}`));
  });

  test('http is accepted on loopback (a local registry)', () => {
    const out = synth(new GitOpsProject({ name: 'orders', outdir: tempdir(), npmRegistry: { url: 'http://127.0.0.1:4873' } }));
    expect(out['.npmrc']).toMatch(/^registry=http:\/\/127\.0\.0\.1:4873\/$/m);
    expect(out['.npmrc']).toMatch(/^\/\/127\.0\.0\.1:4873\/:_authToken=\$\{NODE_AUTH_TOKEN\}$/m);
  });
});
