/**
 * `addEnvironment()` (issue 23 item 5): an environment added after the project is built is the
 * same as one written at the end of `environments`: its facts, and every fact that depends on the
 * whole list (the last environment's `autoSync`), are read when the files are written. Its
 * problems are named `addEnvironment('<name>')`, with the value and a fix, and touch no file.
 */
import * as fs from 'fs';
import { DeployEngine, EnvironmentOptions, Environments, GitOpsProjectOptions, Iac } from '../../src';
import { OptionsError, optionProblems, Problem } from '../../src/core/validation';
import { gitopsProject, readTree, synth, tempdir } from '../util';

process.env.PROJEN_DISABLE_POST = 'true';

const QA: EnvironmentOptions = { name: 'qa', gates: { soak: '1h' }, overrides: { replicas: 2 } };
const PROD: EnvironmentOptions = { name: 'prod', approvers: ['@acme/leads'], services: { orders: { maxReplicas: 6 } } };
const ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const DEPLOYED: Partial<GitOpsProjectOptions> = { repository: 'acme/orders', registry: ECR, codeOwners: ['@acme/orders'], iac: Iac.TERRAFORM };

/** The problems of a project after `add(project)`: thrown at once, or found before synth. */
function problemsAfter(options: Partial<GitOpsProjectOptions>, add: (project: ReturnType<typeof gitopsProject>) => void): Problem[] {
  try {
    const project = gitopsProject(options);
    add(project);
    return optionProblems(project);
  } catch (error) {
    if (error instanceof OptionsError) return error.problems;
    throw error;
  }
}

describe('Environments.addEnvironment', () => {
  test.each<[string, Partial<GitOpsProjectOptions>, EnvironmentOptions]>([
    ['Argo CD', DEPLOYED, QA],
    // The soak gate reads Argo CD's deployment records (refused with Flux).
    ['Flux', { ...DEPLOYED, deployEngine: DeployEngine.FLUX }, { ...QA, gates: undefined }],
  ])('with %s, environments added later write the same files as the option (values, engine, promotion, infra, CODEOWNERS, rulesets)', (_engine, options, qa) => {
    const written = synth(gitopsProject({ ...options, environments: [{ name: 'dev' }, qa, PROD] }));
    const project = gitopsProject({ ...options, environments: [{ name: 'dev' }] });
    project.addEnvironment(qa);
    Environments.of(project)!.addEnvironment(PROD);
    const added = synth(project);
    // Not vacuous: the added environments reach every output that names environments.
    for (const file of ['deploy/environments/qa/values/orders.yaml', 'deploy/rendered/prod/orders.yaml', 'deploy/promotion.json', 'infra/environments/prod/namespace.tf', '.github/CODEOWNERS']) {
      expect([file, file in added]).toEqual([file, true]);
    }
    expect(added['.github/CODEOWNERS']).toContain('/deploy/environments/prod/ @acme/leads');
    expect(added['deploy/promotion.json'].environments.map((e: any) => e.name ?? e)).toEqual(['dev', 'qa', 'prod']);
    expect(Object.keys(added).sort()).toEqual(Object.keys(written).sort());
    // projen writes .gitignore lines in the order files are made: Flux makes the files of the
    // environments it knows in its constructor and the others when the synth starts, so only
    // that order may differ (as in test/core/order.test.ts), and the record's hash of it.
    const same = (f: string, value: unknown) => {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      return f === '.gitignore' ? text.split('\n').sort().join('\n') : text.replace(/\["managed",".gitignore","[0-9a-f]{64}"\]/, '');
    };
    const differing = Object.keys(written).filter((f) => same(f, added[f]) !== same(f, written[f]));
    expect(differing).toEqual([]);
    if (options.deployEngine === undefined) expect(added['.gitignore']).toBe(written['.gitignore']);
  });

  test('the defaults that depend on the list follow it: an environment added after prod makes prod sync by itself', () => {
    const project = gitopsProject({ repository: 'acme/orders' });
    expect(project.environments.all.map((e) => [e.name, e.autoSync])).toEqual([['dev', true], ['staging', true], ['prod', false]]);
    project.addEnvironment({ name: 'dr' });
    expect(project.environments.all.map((e) => [e.name, e.order, e.autoSync])).toEqual([['dev', 0, true], ['staging', 1, true], ['prod', 2, true], ['dr', 3, false]]);
    expect(project.environments.all.find((e) => e.name === 'dr')!.namespace).toBe('orders-dr');
    expect(synth(project)['deploy/argocd/dr.yaml']).toBeDefined();
  });

  test('the list given in the options is not changed (nor the defaults)', () => {
    const environments = [{ name: 'dev' }];
    const project = gitopsProject({ repository: 'acme/orders', environments });
    project.addEnvironment({ name: 'prod' });
    expect(environments).toEqual([{ name: 'dev' }]);
    expect(gitopsProject({ repository: 'acme/orders' }).environments.all.map((e) => e.name)).toEqual(['dev', 'staging', 'prod']);
  });

  test.each<[string, Partial<GitOpsProjectOptions>, EnvironmentOptions, string, string]>([
    ['a name given twice (the defaults count)', { repository: 'acme/orders' }, { name: 'prod' },
      "addEnvironment('prod').name", "must be unique, got 'prod' twice; give each environment its own name"],
    ['a name that is no DNS label', { repository: 'acme/orders' }, { name: 'QA' },
      "addEnvironment('QA').name", "must be a DNS label (lowercase letters, digits and '-', starting with a letter, at most 63; not a YAML 1.1 boolean or null), got 'QA'; try 'qa'"],
    ['a misspelt key', { repository: 'acme/orders' }, { name: 'qa', namspace: 'orders-qa' } as EnvironmentOptions,
      "addEnvironment('qa').namspace", "is not an option of EnvironmentOptions; did you mean 'namespace'?"],
    ['a bad override, reported by the chart', { repository: 'acme/orders' }, { name: 'qa', overrides: { memoryLimit: '1 GB' } },
      "addEnvironment('qa').overrides.memoryLimit", "must be a memory quantity like '128Mi' or '1Gi', got '1 GB'; try '256Mi'"],
    ['an override for no service, reported by the chart', { repository: 'acme/orders' }, { name: 'qa', services: { ordres: { replicas: 2 } } },
      "addEnvironment('qa').services.ordres", "names no service, got 'ordres'; use one of 'orders'"],
    ['approvers without code owners', { repository: 'acme/orders' }, { name: 'qa', approvers: ['@acme/qa'] },
      "addEnvironment('qa').approvers", "need code owners to be required reviewers, got no codeOwners; set codeOwners: ['@my-org/my-team'] too (the rulesets then require code-owner review)"],
    ['autoMerge without promotion', { repository: 'acme/orders', promotion: false }, { name: 'qa', autoMerge: true },
      "addEnvironment('qa').autoMerge", 'is true, but no promotion pull request is opened to merge (promotion is false); set promotion: true, or remove autoMerge'],
    ['a project that deploys nothing (no repository)', {}, { name: 'qa' },
      "addEnvironment('qa')", "adds an environment, but nothing is deployed: no deployment part is written without repository (or environments), got 'qa'; set repository: 'my-org/my-repo', or remove addEnvironment('qa')"],
    ['a project whose environments are all off', { environments: [{ name: 'dev', deploy: false }] }, { name: 'qa' },
      "addEnvironment('qa')", "adds an environment, but nothing is deployed: every environment of the environments option has deploy: false, and the project chooses its deployment part from them when it is built, got 'qa'; set deploy: true on one of them, or write 'qa' in environments instead of addEnvironment"],
  ])('%s is reported under addEnvironment(name)', (_name, options, environment, option, message) => {
    const problems = problemsAfter(options, (p) => p.addEnvironment(environment));
    expect(problems.filter((p) => p.option.startsWith('addEnvironment('))).toEqual([{ option, message }]);
  });

  test('the fix of each is itself valid: following it leaves no problem', () => {
    const fixed: Array<[Partial<GitOpsProjectOptions>, EnvironmentOptions]> = [
      [{ repository: 'acme/orders' }, { name: 'prod-2' }],
      [{ repository: 'acme/orders' }, { name: 'qa' }],
      [{ repository: 'acme/orders' }, { name: 'qa', namespace: 'orders-qa' }],
      [{ repository: 'acme/orders' }, { name: 'qa', overrides: { memoryLimit: '256Mi' } }],
      [{ repository: 'acme/orders' }, { name: 'qa', services: { orders: { replicas: 2 } } }],
      [{ repository: 'acme/orders', codeOwners: ['@my-org/my-team'] }, { name: 'qa', approvers: ['@acme/qa'] }],
      [{ repository: 'acme/orders', promotion: true }, { name: 'qa', autoMerge: true }],
      [{ repository: 'my-org/my-repo' }, { name: 'qa' }],
      [{ environments: [{ name: 'dev', deploy: true }], imageName: 'acme/orders' }, { name: 'qa' }],
    ];
    for (const [options, environment] of fixed) {
      expect([environment.name, problemsAfter(options, (p) => p.addEnvironment(environment))]).toEqual([environment.name, []]);
    }
    expect(problemsAfter({ environments: [{ name: 'dev', deploy: false }, { name: 'qa' }], imageName: 'acme/orders' }, () => undefined)).toEqual([]);
  });

  test('an environment that is not an object fails at once, with nothing added', () => {
    const project = gitopsProject({ repository: 'acme/orders' });
    expect(() => project.addEnvironment('qa' as any)).toThrow(/- addEnvironment\(\): must be an object \(EnvironmentOptions\), got 'qa'; try \{ name: '[a-z0-9-]+' \}$/m);
    expect(project.environments.all.map((e) => e.name)).toEqual(['dev', 'staging', 'prod']);
  });

  test('no file is written and synth says where', () => {
    const dir = tempdir();
    const project = gitopsProject({ outdir: dir, repository: 'acme/orders' });
    project.addEnvironment({ name: 'staging' });
    expect(() => project.synth()).toThrow(/^projen-gitops: 1 problem in \.projenrc\.ts \(no file was changed\):\n {2}- addEnvironment\('staging'\)\.name: must be unique, got 'staging' twice; give each environment its own name$/);
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(readTree(dir)).toEqual({});
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
