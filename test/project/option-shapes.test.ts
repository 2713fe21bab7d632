/**
 * Options checked for what they are (issue 20 item 3, issue 22 items 5-6): unknown keys at
 * every depth with "did you mean", wrong types with the option path, the value as written and
 * a fix, a template's own options read from its jsii manifest, and switches that cannot take
 * effect. One test per error class, then random misspellings and wrong types at random depths.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import fc from 'fast-check';
import { ContainerImage, GitOpsProject, GitOpsProjectOptions, Iac, Runtime } from '../../src';
import { ManifestMissingError, optionsProblems, projectOptionsProblems } from '../../src/core/known-options';
import { OptionsError, optionProblems, Problem } from '../../src/core/validation';
import { gitopsProject, readTree, tempdir } from '../util';

process.env.PROJEN_DISABLE_POST = 'true';
const RUNS = Number(process.env.FC_NUM_RUNS ?? 60);

// The fixture template's compiled code requires projen-gitops: this build of it.
jest.mock('projen-gitops', () => jest.requireActual('../../src'), { virtual: true });

const fails = (options: object) => () => gitopsProject(options as Partial<GitOpsProjectOptions>).synth();

/** The problems of a set of options: thrown by the constructor (a component tripped over a wrong type) or found before synth. */
function problemsOf(options: object): Problem[] {
  try {
    return optionProblems(gitopsProject(options as Partial<GitOpsProjectOptions>));
  } catch (error) {
    if (error instanceof OptionsError) return error.problems;
    throw error;
  }
}

describe('unknown keys at every depth', () => {
  test.each<[string, object, RegExp]>([
    ['a service', { services: [{ name: 'worker', runtme: Runtime.PYTHON }] }, /- services\[0\]\.runtme: is not an option of ServiceOptions; did you mean 'runtime'\?$/m],
    ['a Dockerfile stage', { buildStage: { instrutions: ['RUN true'] } }, /- buildStage\.instrutions: is not an option of DockerfileStageOptions; did you mean 'instructions'\?$/m],
    ['a service\'s runtime stage', { services: [{ name: 'w', runtimeStage: { osPackage: ['curl'] } }] }, /- services\[0\]\.runtimeStage\.osPackage: is not an option of DockerfileStageOptions; did you mean 'osPackages'\?$/m],
    ['Argo CD', { repository: 'acme/orders', argocdOptions: { namspace: 'argocd' } }, /- argocdOptions\.namspace: is not an option of ArgoCdOptions; did you mean 'namespace'\?$/m],
    ['an environment', { repository: 'acme/orders', environments: [{ name: 'dev', autoMerj: true }] }, /- environments\[0\]\.autoMerj: is not an option of EnvironmentOptions; did you mean 'autoMerge'\?$/m],
    ['a service override in an environment (a map of structs)', { repository: 'acme/orders', environments: [{ name: 'dev', services: { orders: { replcas: 1 } } }] },
      /- environments\[0\]\.services\.orders\.replcas: is not an option of ServiceDeploymentOptions; did you mean 'replicas'\?$/m],
    ['a service\'s deployment', { repository: 'acme/orders', services: [{ name: 'w', deployment: { maxReplica: 3 } }] }, /- services\[0\]\.deployment\.maxReplica: is not an option of ServiceDeploymentOptions; did you mean 'maxReplicas'\?$/m],
    ['the registry identity', { registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', registryIdentity: { awsRoleARN: 'arn:aws:iam::123456789012:role/x' } },
      /- registryIdentity\.awsRoleARN: is not an option of RegistryIdentity; did you mean 'awsRoleArn'\?$/m],
    ['projen\'s own struct (logging)', { logging: { levl: 1 } }, /- logging\.levl: is not an option of LoggerOptions; did you mean 'level'\?$/m],
    ['a key that is not a name is quoted in the path', { buildStage: { 'os-packages': ['curl'] } }, /- buildStage\['os-packages'\]: is not an option of DockerfileStageOptions; did you mean 'osPackages'\?$/m],
  ])('inside %s', (_name, options, message) => {
    expect(fails(options)).toThrow(message);
  });
});

describe('wrong types', () => {
  test.each<[string, object, RegExp]>([
    ['a string "false" for a boolean (it turned prod auto-merge on)', { repository: 'acme/orders', environments: [{ name: 'dev' }, { name: 'prod', autoMerge: 'false' }] },
      /- environments\[1\]\.autoMerge: must be true or false \(a boolean, not a string in quotes\), got 'false'; try false$/m],
    ['a string for a number', { port: '3000' }, /- port: must be a whole number \(not a string in quotes\), got '3000'; try 3000$/m],
    ['NaN for a number, shown as NaN (the deployment check printed null)', { repository: 'acme/orders', deployment: { replicas: NaN } }, /- deployment\.replicas: must be an integer from 0 to 1000, got NaN; try 2$/m],
    ['Infinity for a number in an environment', { repository: 'acme/orders', environments: [{ name: 'dev', overrides: { maxReplicas: Infinity } }] }, /- environments\[0\]\.overrides\.maxReplicas: must be an integer from 1 to 1000, got Infinity; try 10$/m],
    ['a number for a string', { title: 5 }, /- title: must be a string, got 5; try '5'$/m],
    ['a string for a list of strings', { codeOwners: '@acme/platform' }, /- codeOwners: must be a list of strings, got '@acme\/platform'; try \['@acme\/platform'\]$/m],
    ['a number in a list of strings', { services: [{ name: 'w', command: ['node', 3] }] }, /- services\[0\]\.command\[1\]: must be a string, got 3; try '3'$/m],
    ['a number for a code owner: the fix is the grammar\'s, not the number in quotes', { codeOwners: ['@acme', 3] }, /- codeOwners\[1\]: must be a string, got 3; try '@3'$/m],
    ['a number for a health path: the fix is the grammar\'s', { healthPath: 7 }, /- healthPath: must be a string, got 7; try '\/healthz'$/m],
    ['a list for a map', { runtimeStage: { env: ['A=1'] } }, /- runtimeStage\.env: must be a map \(an object of names to values\), got \['A=1'\]; try \{\}$/m],
    ['a number in a map of strings', { buildArgs: { VERSION: 1 } }, /- buildArgs\.VERSION: must be a string, got 1; try '1'$/m],
    ['a boolean for a struct', { repository: 'acme/orders', argocdOptions: true }, /- argocdOptions: must be an object \(ArgoCdOptions\), got true; try \{\}$/m],
    ['a number for an enum', { iac: 1, repository: 'acme/orders' }, /- iac: must be one of Iac\.TERRAFORM, Iac\.OPENTOFU \('terraform', 'opentofu'\), got 1; try Iac\.TERRAFORM$/m],
    ['a misspelt enum value', { repository: 'acme/orders', argocdOptions: { source: 'chrt' } }, /- argocdOptions\.source: must be one of ArgoCdSource\.\w+, ArgoCdSource\.\w+ .*got 'chrt'; try ArgoCdSource\.CHART$/m],
    ['a string for a list of structs (a component would trip over it)', { services: 'worker' }, /- services: must be a list, got 'worker'; write a list in \[ \]$/m],
  ])('%s', (_name, options, message) => {
    expect(fails(options)).toThrow(message);
  });

  test('a number the type refuses, where no component has its own message: whole numbers, finite numbers', () => {
    expect(optionsProblems('projen-gitops.ServiceDeploymentOptions', { replicas: 2.5, maxReplicas: Infinity, servicePort: NaN }, 'ServiceDeploymentOptions', 'deployment')).toEqual([
      { option: 'deployment.replicas', message: 'must be a whole number, got 2.5; try 3' },
      { option: 'deployment.maxReplicas', message: 'must be a whole number, got Infinity; remove it for the default (no autoscaling)' },
      { option: 'deployment.servicePort', message: 'must be a whole number, got NaN; try 80' },
    ]);
  });

  test('a wrong type is reported instead of a message written for the right type (platforms spelt out letter by letter)', () => {
    expect(fails({ platforms: 'linux/amd64' })).toThrow(/^projen-gitops: 1 problem in \.projenrc\.ts \(no file was changed\):\n  - platforms: must be a list of strings, got 'linux\/amd64'; try \['linux\/amd64'\]$/);
  });

  test("a component's own message stays for a value of the right type (port NaN, an unknown runtime)", () => {
    expect(fails({ port: NaN, runtime: 'nod' })).toThrow(/^projen-gitops: 2 problems .*\n  - runtime: must be one of 'node', .*got 'nod'; try Runtime\.NODE\n  - port: must be an integer from 1 to 65535, got NaN; try 8080$/);
  });

  test('every problem is reported at once and no file is written', () => {
    const dir = tempdir();
    gitopsProject({ outdir: dir }).synth();
    const before = readTree(dir);
    expect(() => gitopsProject({ outdir: dir, signImages: 'no', services: [{ name: 'w', runtme: 'go' }], port: 0 } as any).synth())
      .toThrow(/3 problems[\s\S]*- signImages: .*got 'no'; try false[\s\S]*- services\[0\]\.runtme: [\s\S]*- port: must be an integer/);
    expect(readTree(dir)).toEqual(before);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('services added with addService() (not among the constructor\'s options)', () => {
  /** The problems of a project to which `addService(service)` adds a service after construction. */
  function addServiceProblems(service: object, options: object = {}): Problem[] {
    try {
      const project = gitopsProject(options as Partial<GitOpsProjectOptions>);
      project.addService(service as any);
      return optionProblems(project);
    } catch (error) {
      if (error instanceof OptionsError) return error.problems;
      throw error;
    }
  }

  test.each<[string, object, object, string, string]>([
    ['a misspelt key (it built a Node.js service)', { name: 'w', runtme: Runtime.PYTHON }, {},
      "addService('w').runtme", "is not an option of ServiceOptions; did you mean 'runtime'?"],
    ['a string for a boolean', { name: 'w', sampleCode: 'false' }, {},
      "addService('w').sampleCode", "must be true or false (a boolean, not a string in quotes), got 'false'; try false"],
    ['a string for a number (instead of the port check\'s message for a number)', { name: 'w', port: '3000' }, {},
      "addService('w').port", "must be a whole number (not a string in quotes), got '3000'; try 3000"],
    ['a misspelt key in a Dockerfile stage', { name: 'w', runtimeStage: { osPackage: ['curl'] } }, {},
      "addService('w').runtimeStage.osPackage", "is not an option of DockerfileStageOptions; did you mean 'osPackages'?"],
    ['a misspelt key in its deployment (once: not again by its chart)', { name: 'w', deployment: { maxReplica: 3 } }, { repository: 'acme/orders' },
      "addService('w').deployment.maxReplica", "is not an option of ServiceDeploymentOptions; did you mean 'maxReplicas'?"],
  ])('%s', (_name, service, options, option, message) => {
    const problems = addServiceProblems(service, options);
    expect(problems.filter((p) => p.option === option)).toEqual([{ option, message }]);
  });

  test('the fix of each is itself valid: following it leaves no problem', () => {
    expect(addServiceProblems({ name: 'w', runtime: Runtime.PYTHON, sampleCode: false, port: 3000, runtimeStage: { osPackages: ['curl'] }, deployment: { maxReplicas: 3 } }, { repository: 'acme/orders' })).toEqual([]);
  });

  test('a service that is not an object fails at once, with nothing added', () => {
    const project = gitopsProject();
    const before = ContainerImage.all(project).length;
    expect(() => project.addService('worker' as any)).toThrow(/- addService\(\): must be an object \(ServiceOptions\), got 'worker'; try \{ name: '[a-z0-9-]+' \}$/m);
    expect(ContainerImage.all(project)).toHaveLength(before);
  });

  test('no file is written and synth says where', () => {
    const dir = tempdir();
    const project = gitopsProject({ outdir: dir });
    project.addService({ name: 'w', runtme: Runtime.PYTHON } as any);
    expect(() => project.synth()).toThrow(/^projen-gitops: 1 problem in \.projenrc\.ts \(no file was changed\):\n {2}- addService\('w'\)\.runtme: is not an option of ServiceOptions; did you mean 'runtime'\?$/);
    expect(fs.readdirSync(dir)).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the constructor\'s deployment options are reported once (the chart walked them a second time)', () => {
    const problems = problemsOf({ repository: 'acme/orders', deployment: { maxReplica: 3 }, services: [{ name: 'w', deployment: { maxReplica: 3 } }] });
    expect(problems.map((p) => p.option)).toEqual(['deployment.maxReplica', 'services[0].deployment.maxReplica']);
  });
});

describe('switches that cannot take effect', () => {
  test.each<[string, object, RegExp]>([
    ['argocd: true without repository (the deploy tier was silently dropped)', { argocd: true },
      /- argocd: is true, but nothing is deployed: no deployment part is written without repository \(or environments\); set repository: 'my-org\/my-repo', or remove argocd$/m],
    ['promotion: true with every environment off', { promotion: true, environments: [{ name: 'dev', deploy: false }] },
      /- promotion: is true, but nothing is deployed: every environment has deploy: false; set deploy: true on an environment, or remove promotion$/m],
    ['autoMerge with promotion off', { repository: 'acme/orders', promotion: false, environments: [{ name: 'dev', autoMerge: true }, { name: 'prod' }] },
      /- environments\[0\]\.autoMerge: is true, but no promotion pull request is opened to merge \(promotion is false\); set promotion: true, or remove autoMerge$/m],
    ['autoMerge with unsigned images (promotion off by default)', { repository: 'acme/orders', signImages: false, environments: [{ name: 'dev', autoMerge: true }] },
      /- environments\[0\]\.autoMerge: .*\(promotion verifies signatures and signImages is false\); set signImages: true, or remove autoMerge$/m],
    ['autoMerge into an environment that is not deployed', { repository: 'acme/orders', environments: [{ name: 'dev' }, { name: 'qa', deploy: false, autoMerge: true }] },
      /- environments\[1\]\.autoMerge: is true, but environment 'qa' is not deployed \(deploy: false\), so nothing is promoted into it; remove autoMerge, or set deploy: true$/m],
    ['settings of an environment that is off', { repository: 'acme/orders', environments: [{ name: 'dev' }, { name: 'qa', deploy: false, approvers: ['@acme/qa'], overrides: { replicas: 1 } }] },
      /- environments\[1\]\.approvers: has no effect: environment 'qa' is not deployed \(deploy: false\), got \['@acme\/qa'\]; remove approvers, or set deploy: true\n  - environments\[1\]\.overrides: .*got \{ replicas: 1 \}; remove overrides, or set deploy: true$/m],
    ['autoSync with Argo CD off', { repository: 'acme/orders', argocd: false, environments: [{ name: 'dev', autoSync: true }] },
      /- environments\[0\]\.autoSync: has no effect: no Argo CD Application syncs anything \(argocd is false\), got true; set argocd: true, or remove autoSync$/m],
    ['argocdOptions with Argo CD off', { repository: 'acme/orders', argocd: false, argocdOptions: { namespace: 'gitops' } },
      /- argocdOptions: has no effect: no Argo CD objects are written \(argocd is false\), got \{ namespace: 'gitops' \}; set argocd: true, or remove argocdOptions$/m],
    ['deployment without a deployment part', { deployment: { replicas: 3 } }, /- deployment: has no effect: no deployment part is written without repository .*; set repository: 'my-org\/my-repo', or remove deployment$/m],
    ['a service\'s deployment without a deployment part', { services: [{ name: 'w', deployment: { replicas: 3 } }] }, /- services\[0\]\.deployment: has no effect: /m],
    ['infraStateBucket without iac', { infraStateBucket: 'acme-tfstate' }, /- infraStateBucket: has no effect without iac \(no infra\/ is written\), got 'acme-tfstate'; set iac: Iac\.TERRAFORM, or remove infraStateBucket$/m],
    ['infraOwners without iac', { codeOwners: ['@acme/platform'], infraOwners: ['@acme/infra'] }, /- infraOwners: has no effect without iac .*; set iac: Iac\.TERRAFORM, or remove infraOwners$/m],
    ['an identity of a cloud no image is pushed to', { registryIdentity: { awsRoleArn: 'arn:aws:iam::123456789012:role/publish' } },
      /- registryIdentity\.awsRoleArn: has no effect: no image is pushed to Amazon ECR \(the registry is 'ghcr\.io'\); remove it, or set registry: '123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com'$/m],
  ])('%s', (_name, options, message) => {
    expect(fails(options)).toThrow(message);
  });

  test('each fix of a switch is itself valid: following it leaves no problem', () => {
    expect(problemsOf({ argocd: true, repository: 'my-org/my-repo' })).toEqual([]);
    expect(problemsOf({ repository: 'acme/orders', promotion: true, environments: [{ name: 'dev', autoMerge: true }, { name: 'prod' }] })).toEqual([]);
    expect(problemsOf({ repository: 'acme/orders', argocd: true, argocdOptions: { namespace: 'gitops' }, environments: [{ name: 'dev', autoSync: true }] })).toEqual([]);
    expect(problemsOf({ repository: 'acme/orders', registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', iac: Iac.TERRAFORM, infraStateBucket: 'acme-tfstate', codeOwners: ['@acme/platform'], infraOwners: ['@acme/infra'] })).toEqual([]);
    expect(problemsOf({ registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', registryIdentity: { awsRoleArn: 'arn:aws:iam::123456789012:role/publish' } })).toEqual([]);
  });
});

describe("a template's own options (a jsii class extending GitOpsProject)", () => {
  // test/fixtures/acme-template is the output of jsii for the source in its src/index.ts.txt:
  // AcmeProject extends GitOpsProject, AcmeProjectOptions extends GitOpsProjectOptions with `team`.
  const fixture = path.join(__dirname, '..', 'fixtures', 'acme-template');
  const project = fs.mkdtempSync(path.join(os.tmpdir(), 'acme-project-'));
  fs.mkdirSync(path.join(project, 'node_modules', '@acme'), { recursive: true });
  fs.symlinkSync(fixture, path.join(project, 'node_modules', '@acme', 'gitops-template'));
  const cwd = process.cwd();
  beforeEach(() => process.chdir(project));
  afterEach(() => process.chdir(cwd));
  afterAll(() => fs.rmSync(project, { recursive: true, force: true }));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const load = () => require(path.join(project, 'node_modules', '@acme', 'gitops-template')).AcmeProject as new (options: object) => GitOpsProject;

  test('its own option is accepted', () => {
    const AcmeProject = load();
    const acme = new AcmeProject({ name: 'orders', outdir: tempdir(), team: 'payments' });
    expect((acme as any).team).toBe('payments');
    expect(optionProblems(acme)).toEqual([]);
  });

  test('its own option misspelt is reported against the template, with the closest name', () => {
    const AcmeProject = load();
    expect(() => new AcmeProject({ name: 'orders', outdir: tempdir(), teem: 'payments' }).synth())
      .toThrow(/^projen-gitops: 1 problem in \.projenrc\.ts \(no file was changed\):\n  - teem: is not an option of AcmeProject; did you mean 'team'\?$/);
  });

  test('its own option is type-checked, and nested options still are', () => {
    const AcmeProject = load();
    expect(() => new AcmeProject({ name: 'orders', outdir: tempdir(), team: 7, services: [{ name: 'w', runtme: 'go' }] }).synth())
      .toThrow(/- team: must be a string, got 7; try '7'\n  - services\[0\]\.runtme: is not an option of ServiceOptions; did you mean 'runtime'\?$/m);
  });

  test('a plain TypeScript subclass has no manifest: its own option is reported with the pass-through that works', () => {
    class LocalProject extends GitOpsProject {}
    expect(() => new LocalProject({ name: 'orders', outdir: tempdir(), team: 'x' } as GitOpsProjectOptions).synth())
      .toThrow(/- team: is not an option of GitOpsProject; remove it .* \(LocalProject is not a jsii class, so its own options cannot be read: take them out before calling super\(\), e\.g\. `const \{ team, \.\.\.rest \} = options; super\(rest\)`/);
    class PassingProject extends GitOpsProject {
      constructor(options: GitOpsProjectOptions & { team?: string }) {
        const { team: _team, ...rest } = options;
        super(rest);
      }
    }
    expect(optionProblems(new PassingProject({ name: 'orders', outdir: tempdir(), team: 'x' }))).toEqual([]);
  });

  test('a jsii class whose package cannot be found fails loudly', () => {
    class Orphan extends GitOpsProject {
      static [Symbol.for('jsii.rtti')] = { fqn: '@acme/missing-template.Orphan', version: '1.0.0' };
    }
    expect(() => new Orphan({ name: 'orders', outdir: tempdir() })).toThrow(ManifestMissingError);
    expect(() => new Orphan({ name: 'orders', outdir: tempdir() })).toThrow(/cannot check the options of Orphan: the package of the jsii class @acme\/missing-template\.Orphan \(and its \.jsii manifest\) cannot be found/);
  });

  test('a template installed without its .jsii fails loudly', () => {
    const broken = fs.mkdtempSync(path.join(os.tmpdir(), 'acme-broken-'));
    const pkg = path.join(broken, 'node_modules', '@acme', 'broken-template');
    fs.mkdirSync(path.join(pkg, 'lib'), { recursive: true });
    fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: '@acme/broken-template', version: '1.0.0', main: 'lib/index.js' }));
    fs.writeFileSync(path.join(pkg, 'lib', 'index.js'), fs.readFileSync(path.join(fixture, 'lib', 'index.js'), 'utf-8').replace('@acme/gitops-template.AcmeProject', '@acme/broken-template.AcmeProject'));
    process.chdir(broken);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Broken = require(pkg).AcmeProject;
    expect(() => new Broken({ name: 'orders', outdir: tempdir() })).toThrow(/cannot check option names: the jsii manifest .*broken-template\/\.jsii is missing or unreadable \(ENOENT[^)]*\)\. Rebuild @acme\/broken-template with jsii/);
    process.chdir(cwd);
    fs.rmSync(broken, { recursive: true, force: true });
  });

  test('a compressed manifest (jsii compressAssembly: a redirect to .jsii.gz) is read', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'acme-gzip-'));
    const pkg = path.join(dir, 'node_modules', '@acme', 'gzip-template');
    fs.mkdirSync(path.join(pkg, 'lib'), { recursive: true });
    const rename = (file: string) => fs.readFileSync(path.join(fixture, file), 'utf-8').split('@acme/gitops-template').join('@acme/gzip-template');
    fs.writeFileSync(path.join(pkg, 'package.json'), rename('package.json'));
    fs.writeFileSync(path.join(pkg, 'lib', 'index.js'), rename('lib/index.js'));
    fs.writeFileSync(path.join(pkg, '.jsii.gz'), zlib.gzipSync(rename('.jsii')));
    fs.writeFileSync(path.join(pkg, '.jsii'), JSON.stringify({ schema: 'jsii/file-redirect', compression: 'gzip', filename: '.jsii.gz' }));
    process.chdir(dir);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Gzip = require(pkg).AcmeProject;
    expect(() => new Gzip({ name: 'orders', outdir: tempdir(), tema: 'x' }).synth()).toThrow(/- tema: is not an option of AcmeProject; did you mean 'team'\?$/m);
    process.chdir(cwd);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the options type is read once per class (no file read again, at 200 services)', () => {
    const AcmeProject = load();
    const options = { name: 'orders', team: 'payments', services: Array.from({ length: 200 }, (_, i) => ({ name: `s${i}`, runtime: Runtime.GO, deployment: { replicas: 2 } })) };
    // Counted, not timed (a clock fails on a loaded machine; speed is the benchmark's): a fresh
    // copy of the module, so its caches start empty.
    let fresh: typeof projectOptionsProblems = projectOptionsProblems;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      fresh = require('../../src/core/known-options').projectOptionsProblems;
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const realFs = require('fs') as typeof fs;
    const reads = [jest.spyOn(realFs, 'readFileSync'), jest.spyOn(realFs, 'existsSync')];
    const count = () => reads.reduce((n, spy) => n + spy.mock.calls.length, 0);
    try {
      expect(fresh(AcmeProject, GitOpsProject, 'projen-gitops.GitOpsProjectOptions', options)).toEqual([]);
      // Known-bad: the first check of a class finds its package and reads its manifest, and the spies see it.
      expect(count()).toBeGreaterThan(0);
      reads.forEach((spy) => spy.mockClear());
      expect(fresh(AcmeProject, GitOpsProject, 'projen-gitops.GitOpsProjectOptions', options)).toEqual([]);
      expect(count()).toBe(0);
    } finally {
      reads.forEach((spy) => spy.mockRestore());
    }
  });
});

// A valid configuration with structs, lists of structs, maps of structs and maps of strings.
const valid = () => ({
  name: 'orders',
  repository: 'acme/orders',
  port: 8080,
  requiredApprovals: 2,
  codeOwners: ['@acme/platform'],
  signImages: true,
  buildArgs: { VERSION: '1' },
  runtimeStage: { env: { LOG_LEVEL: 'info' }, osPackages: ['curl'] },
  argocdOptions: { namespace: 'argocd', cascadeDelete: true },
  deployment: { replicas: 2, cpuRequest: '100m' },
  environments: [
    { name: 'dev', autoMerge: true, services: { worker: { replicas: 1 } } },
    { name: 'prod', approvers: ['@acme/platform'], overrides: { replicas: 3, host: 'orders.example.com' }, services: { worker: { host: 'worker.example.com' } } },
  ],
  services: [{ name: 'worker', runtime: Runtime.PYTHON, port: 9000, deployment: { replicas: 1, memoryLimit: '256Mi' } }],
});

/** Keys whose children are names (map keys), not options. */
const MAPS = new Set(['buildArgs', 'env', 'services']);

interface Site { readonly path: Array<string | number>; readonly value: unknown; readonly structKey: boolean }

/** Every position in the options: its path, its value, and whether its last part is a struct's key. */
function sites(value: unknown, at: Array<string | number> = [], inMap = false): Site[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => [{ path: [...at, i], value: v, structKey: false }, ...sites(v, [...at, i])]);
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => {
      const childIsMap = MAPS.has(k) && !Array.isArray(v);
      return [{ path: [...at, k], value: v, structKey: !inMap }, ...sites(v, [...at, k], childIsMap)];
    });
  }
  return [];
}

const render = (p: Array<string | number>) => p.map((part, i) => (typeof part === 'number' ? `[${part}]` : /^[A-Za-z_$][\w$]*$/.test(part) ? `${i ? '.' : ''}${part}` : `['${part}']`)).join('');

/** `services[0].deployment['max-x']` back to its parts. */
function parsePath(option: string): Array<string | number> {
  return [...option.matchAll(/([A-Za-z_$][\w$]*)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1] ?? m[3].replace(/\\(.)/g, '$1')));
}

function setAt(root: any, p: Array<string | number>, value: unknown, rename?: string) {
  const parent = p.slice(0, -1).reduce((o, k) => o[k], root);
  const last = p[p.length - 1];
  if (rename !== undefined) {
    // Keep the key's position (the first problem of an object is its first bad key).
    const entries = Object.entries(parent).map(([k, v]) => (k === last ? [rename, v] : [k, v]));
    for (const k of Object.keys(parent)) delete parent[k];
    Object.assign(parent, Object.fromEntries(entries));
  } else if (value === undefined) {
    delete parent[last];
  } else {
    parent[last] = value;
  }
}

const KNOWN = new Set(Object.values(JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '.jsii'), 'utf-8')).types as Record<string, any>)
  .flatMap((t) => (t.properties ?? []).map((p: any) => p.name as string)));

function category(value: unknown): string {
  return Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
}

/** A fix from a message, as a value: `try false`, `try 3`, `try 'x'`, `try ['x']`, `try {}`, `try Runtime.NODE`; `remove it` is undefined. */
function fixValue(message: string): { value: unknown } | undefined {
  if (/; remove it for the default/.test(message)) return { value: undefined };
  const match = /\btry ('(?:[^'\\]|\\.)*'|\[[^\]]*\]|\{[^}]*\}|[\w.-]+)/.exec(message);
  if (!match) return undefined;
  const { ArgoCdSource } = jest.requireActual('../../src');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return { value: new Function('Runtime', 'Iac', 'ArgoCdSource', `return (${match[1]});`)(Runtime, Iac, ArgoCdSource) };
}

describe('random misspellings and wrong types at random depths', () => {
  test('the valid configuration has no problem (so every problem below is the one made)', () => {
    expect(problemsOf(valid())).toEqual([]);
  });

  const keySites = sites(valid()).filter((s) => s.structKey);
  const allSites = sites(valid());
  const misspell = fc.tuple(fc.integer({ min: 0, max: keySites.length - 1 }), fc.constantFrom('delete', 'insert', 'swap', 'replace'), fc.nat(), fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'))
    .map(([i, how, at, letter]) => {
      const site = keySites[i];
      const key = String(site.path[site.path.length - 1]);
      const n = at % key.length;
      const typo = how === 'delete' ? key.slice(0, n) + key.slice(n + 1)
        : how === 'insert' ? key.slice(0, n) + letter + key.slice(n)
          : how === 'swap' && n + 1 < key.length ? key.slice(0, n) + key[n + 1] + key[n] + key.slice(n + 2)
            : key.slice(0, n) + letter + key.slice(n + 1);
      return { site, typo };
    })
    .filter(({ typo }) => typo.length > 0 && !KNOWN.has(typo));
  const WRONG: unknown[] = ['false', 'true', '12', 42, 1.5, NaN, Infinity, true, false, ['x'], [1], { a: 1 }];
  const wrongType = fc.tuple(fc.integer({ min: 0, max: allSites.length - 1 }), fc.constantFrom(...WRONG))
    .filter(([i, value]) => category(allSites[i].value) !== category(value) || (typeof value === 'number' && typeof allSites[i].value === 'number' && !Number.isInteger(value)))
    // An object where a struct is (a typo, tested above) or a map is (any key is a name) is not a wrong type.
    .filter(([i, value]) => !(category(value) === 'object' && category(allSites[i].value) === 'object'));

  test('every misspelt key is reported at its full path with the closest name', () => {
    fc.assert(fc.property(misspell, ({ site, typo }) => {
      const options = valid();
      setAt(options, site.path, undefined, typo);
      const expected = render([...site.path.slice(0, -1), typo]);
      const found = problemsOf(options).find((p) => p.option === expected);
      expect(found?.message).toMatch(/^is not an option of \w+; (did you mean '\w+'\?|remove it)/);
    }), { numRuns: RUNS, seed: 20 });
  });

  test('every wrong type is reported at its full path, with the value as written and a fix that passes its checks', () => {
    fc.assert(fc.property(wrongType, ([i, value]) => {
      const site = allSites[i];
      const options = valid();
      setAt(options, site.path, value);
      const at = render(site.path);
      const problem = problemsOf(options).find((p) => p.option === at);
      expect(problem).toBeDefined();
      // The value as written: NaN as NaN, strings in quotes.
      const shown = Number.isNaN(value) ? 'NaN' : typeof value === 'string' ? `'${value}'` : Array.isArray(value) ? `[${value.map((v) => (typeof v === 'string' ? `'${v}'` : v)).join(', ')}]` : String(value);
      if (category(value) !== 'object') expect(problem!.message).toContain(`got ${shown}`);
      // The fix, followed, leaves no problem at that path: it passes the type and, where a
      // check ran on the value, the option's own grammar. Where none could (a component tripped
      // over the wrong type first), the grammar then names its own fix, and that one ends it.
      const near = (p: Problem) => p.option === at || p.option.startsWith(`${at}.`) || p.option.startsWith(`${at}[`);
      let next: Problem = problem!;
      const steps: string[] = [];
      for (let step = 0; step < 2; step++) {
        const fix = fixValue(next.message);
        if (!fix) break;
        setAt(options, parsePath(next.option), fix.value);
        steps.push(`${next.option}: ${next.message}`);
        const after = problemsOf(options).filter(near);
        if (after.length === 0) break;
        if (step === 1) expect({ steps, after }).toEqual({ steps, after: [] });
        next = after[0];
      }
    }), { numRuns: RUNS, seed: 22 });
  });
});
