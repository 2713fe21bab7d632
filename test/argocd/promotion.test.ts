import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ACTIONS_OIDC_ISSUER, Promotion, PROMOTE_JOB_NAME, PROMOTION_APP, Runtime, SigningMode } from '../../src';
import { ACTIONS } from '../../src/github/actions';
import { findTool, testWith } from '../tools';
import { actionlint, gitopsProject, synth, tempdir, workflowObject } from '../util';

function repo(options: Parameters<typeof gitopsProject>[0] = {}) {
  return synth(gitopsProject({ repository: 'acme/orders', runtime: Runtime.NODE, services: [{ name: 'worker', runtime: Runtime.GO }], ...options }));
}

describe('Promotion', () => {
  const out = repo();

  test('deploy/promotion.json holds the environments, the images and the signing identity', () => {
    expect(out['deploy/promotion.json']).toEqual({
      repository: 'acme/orders',
      defaultBranch: 'main',
      environments: ['dev', 'staging', 'prod'],
      services: [{ name: 'orders', image: 'ghcr.io/acme/orders', path: '.' }, { name: 'worker', image: 'ghcr.io/acme/orders/worker', path: 'services/worker' }],
      certificateIdentity: 'https://github.com/acme/orders/.github/workflows/container.yml@refs/heads/main',
      certificateOidcIssuer: ACTIONS_OIDC_ISSUER,
      // The same facts the publish job signs with: promotion verifies with the same mode.
      signing: {
        mode: 'github-attestations',
        visibility: 'private',
        workflowPath: '.github/workflows/container.yml',
        certificateIdentity: 'https://github.com/acme/orders/.github/workflows/container.yml@refs/heads/main',
        certificateOidcIssuer: ACTIONS_OIDC_ISSUER,
        publicLog: false,
      },
    });
  });

  test('promote.yml: a dispatch from and to, least privilege, the App token, no expression in a script', () => {
    expect(out['.github/workflows/promote.yml']).toMatchSnapshot();
    const wf = workflowObject(out, '.github/workflows/promote.yml');
    expect(wf.on.workflow_dispatch.inputs.from.options).toEqual(['dev', 'staging']);
    expect(wf.on.workflow_dispatch.inputs.to.options).toEqual(['staging', 'prod']);
    expect(wf.permissions).toEqual({ contents: 'read' });
    const job = wf.jobs.promote;
    // GitHub artifact attestations (the private default): the job's token reads them.
    expect(job.permissions).toEqual({ 'contents': 'write', 'pull-requests': 'write', 'packages': 'read', 'attestations': 'read' });
    const app = job.steps.find((s: any) => s.id === 'app');
    expect(app.with).toMatchObject({ 'client-id': `\${{ vars.${PROMOTION_APP.clientIdVariable} }}`, 'private-key': `\${{ secrets.${PROMOTION_APP.privateKeySecret} }}` });
    for (const step of job.steps) if (step.run) expect(step.run).not.toContain('${{');
    expect(job.steps[job.steps.length - 1]).toMatchObject({ run: 'npx projen-gitops promote --from "$FROM" --to "$TO"', env: { FROM: '${{ inputs.from }}', TO: '${{ inputs.to }}' } });
  });

  test("the container workflow's promote job waits for every publish job and passes their digests through env", () => {
    const job = workflowObject(out, '.github/workflows/container.yml').jobs.promote;
    expect(job.name).toBe(`${PROMOTE_JOB_NAME} (dev)`);
    expect(job.needs).toEqual(['publish-orders', 'publish-worker']);
    const step = job.steps[job.steps.length - 1];
    expect(step.env).toMatchObject({ DIGEST_0: '${{ needs.publish-orders.outputs.digest }}', DIGEST_1: '${{ needs.publish-worker.outputs.digest }}' });
    expect(step.run).toBe('npx projen-gitops promote --to dev --commit "$GITHUB_SHA" --digest "orders=$DIGEST_0" --digest "worker=$DIGEST_1"');
  });

  test('actionlint (with shellcheck) finds nothing in either workflow', async () => {
    expect(await actionlint(out['.github/workflows/promote.yml'], '.github/workflows/promote.yml')).toEqual([]);
    expect(await actionlint(out['.github/workflows/container.yml'], '.github/workflows/container.yml')).toEqual([]);
  });

  testWith(['zizmor'])('zizmor (pedantic, offline) finds nothing in either workflow', () => {
    const dir = tempdir('gitops-zizmor-');
    try {
      for (const f of ['promote.yml', 'container.yml']) {
        fs.mkdirSync(path.join(dir, '.github/workflows'), { recursive: true });
        fs.writeFileSync(path.join(dir, '.github/workflows', f), out[`.github/workflows/${f}`]);
      }
      const result = spawnSync(findTool('zizmor')!, ['--offline', '--no-config', '--persona=pedantic', '--format=plain', '.'], { cwd: dir, encoding: 'utf-8' });
      expect([result.status, result.stdout]).toEqual([0, expect.stringContaining('No findings')]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('signImages: false turns promotion off; promotion: true with it is reported', () => {
    const unsigned = repo({ signImages: false });
    expect(unsigned['.github/workflows/promote.yml']).toBeUndefined();
    expect(unsigned['deploy/promotion.json']).toBeUndefined();
    expect(() => repo({ signImages: false, promotion: true })).toThrow(/signImages: is false, but promotion verifies every image's signature; set signImages: true, or turn promotion off with promotion: false/);
  });

  test("each environment's approvers own its folders in CODEOWNERS; the rulesets require code-owner review", () => {
    const owned = repo({ codeOwners: ['@acme/devs'], environments: [{ name: 'dev' }, { name: 'staging' }, { name: 'prod', approvers: ['@acme/release', '@acme/sre'] }] });
    const lines = owned['.github/CODEOWNERS'].split('\n');
    expect(lines).toEqual(expect.arrayContaining(['/deploy/environments/prod/ @acme/release @acme/sre', '/deploy/rendered/prod/ @acme/release @acme/sre', '/deploy/argocd/prod.yaml @acme/release @acme/sre']));
    expect(lines.filter((l: string) => l.includes('/dev/'))).toEqual([]);
    const ruleset = owned['.github/rulesets/protect-main.json'];
    expect(JSON.stringify(ruleset)).toContain('"require_code_owner_review":true');
    const notes = owned['docs/BRANCH_PROTECTION.md'];
    expect(notes).toContain('| `prod` | @acme/release, @acme/sre (its approvers), and @acme/devs for the sync record | by a person in Argo CD after the merge |');
    expect(notes).toContain('| `dev` | @acme/devs (the code owners) | by Argo CD on merge |');
  });

  test('approvers without codeOwners are reported with the fix', () => {
    expect(() => repo({ environments: [{ name: 'dev' }, { name: 'prod', approvers: ['@acme/release'] }] }))
      .toThrow(/environments\[1\]\.approvers: need code owners to be required reviewers, got no codeOwners; set codeOwners: \['@my-org\/my-team'\] too/);
  });

  test('autoMerge: the build job enables auto-merge on the dev pull request; promote.yml only for such environments', async () => {
    const auto = repo({ environments: [{ name: 'dev', autoMerge: true }, { name: 'staging', autoMerge: true }, { name: 'prod' }] });
    const build = workflowObject(auto, '.github/workflows/container.yml').jobs.promote.steps.pop();
    expect(build).toMatchObject({ if: "steps.promote.outputs.pull-request != ''", run: 'gh pr merge --auto --squash "$PULL_REQUEST"', env: { PULL_REQUEST: '${{ steps.promote.outputs.pull-request }}' } });
    const manual = workflowObject(auto, '.github/workflows/promote.yml').jobs.promote.steps.pop();
    expect(manual.run).toBe('case "$TO" in\n  dev | staging) gh pr merge --auto --squash "$PULL_REQUEST" ;;\n  *) echo "$TO merges after review (no autoMerge)" ;;\nesac');
    expect(manual.env.TO).toBe('${{ inputs.to }}');
    expect(await actionlint(auto['.github/workflows/promote.yml'], '.github/workflows/promote.yml')).toEqual([]);
    expect(await actionlint(auto['.github/workflows/container.yml'], '.github/workflows/container.yml')).toEqual([]);
    // Without autoMerge there is no such step.
    expect(workflowObject(out, '.github/workflows/promote.yml').jobs.promote.steps.map((st: any) => st.name)).not.toContain('Enable auto-merge (environments with autoMerge)');
  });

  test('one environment: the build job promotes into it, no promote.yml (nor a line of it anywhere), yet the escape hatch is there', () => {
    const project = gitopsProject({ repository: 'acme/orders', environments: [{ name: 'prod' }] });
    // Made in the constructor, so .projenrc.ts reaches it; the environments decide at synth.
    expect(Promotion.of(project)?.workflow).toBeDefined();
    const single = synth(project);
    expect(single['.github/workflows/promote.yml']).toBeUndefined();
    expect(Object.entries(single).filter(([file, text]) => typeof text === 'string' && text.includes('promote.yml')).map(([file]) => file)).toEqual([]);
    expect(single['.projen/files.json'].files).not.toContain('.github/workflows/promote.yml');
    expect(workflowObject(single, '.github/workflows/container.yml').jobs.promote.steps.pop().run).toMatch(/^npx projen-gitops promote --to prod /);
    // The promote job leads container.yml, as it did when Promotion was added first.
    expect(Object.keys(workflowObject(single, '.github/workflows/container.yml').jobs)[0]).toBe('promote');
  });

  describe('gates and the verification check', () => {
    const gated = repo({
      codeOwners: ['@acme/devs'],
      environments: [
        { name: 'dev' },
        { name: 'staging', gates: { soak: '24h', requireHealthy: true } },
        { name: 'prod', approvers: ['@ann', '@bob'], gates: { approvals: 1, windows: { timeZone: 'Europe/Berlin', deny: [{ name: 'year-end freeze', start: '0 0 20 12 *', duration: '14d' }] } } },
      ],
    });

    test('promotion.json carries the gates of the environments that have them, and the approvers', () => {
      const facts = gated['deploy/promotion.json'];
      expect(Object.keys(facts.gates)).toEqual(['staging', 'prod']);
      expect(facts.gates.staging).toMatchObject({ soakMinutes: 1440, requireHealthy: true, allow: [], deny: [], approvals: 0 });
      expect(facts.gates.prod).toMatchObject({ timeZone: 'Europe/Berlin', hotfixLabel: 'hotfix', deny: [{ name: 'year-end freeze', start: '0 0 20 12 *', duration: '14d' }], approvals: 1 });
      expect(facts.approvers).toEqual({ prod: ['@ann', '@bob'] });
      // Without gates, nothing new in promotion.json.
      expect(out['deploy/promotion.json'].gates).toBeUndefined();
    });

    test('promote.yml re-evaluates waiting gates on a schedule; statuses with the job token; the evidence uploaded', () => {
      const wf = workflowObject(gated, '.github/workflows/promote.yml');
      expect(wf.on.schedule).toEqual([{ cron: '*/15 * * * *' }]);
      expect(wf.jobs.promote.if).toBe("github.event_name == 'workflow_dispatch'");
      const job = wf.jobs.gates;
      expect(job.if).toBe("github.event_name == 'schedule'");
      expect(job.permissions.statuses).toBe('write');
      const step = job.steps.find((st: any) => st.id === 'promote');
      expect(step.env.STATUS_TOKEN).toBe('${{ github.token }}');
      expect(step.run.split('\n')).toEqual([
        'failed=0',
        'npx projen-gitops promote --recheck --from dev --to staging --evidence "$RUNNER_TEMP/promotion-evidence/staging.md" || failed=1',
        'npx projen-gitops promote --recheck --from staging --to prod --evidence "$RUNNER_TEMP/promotion-evidence/prod.md" || failed=1',
        'exit "$failed"',
      ]);
      const upload = job.steps.find((st: any) => st.name === 'Upload the full evidence');
      expect(upload.uses).toBe(`${ACTIONS.uploadArtifact.action}@${ACTIONS.uploadArtifact.sha}`);
      expect(wf.jobs.promote.steps.find((st: any) => st.id === 'promote').run).toBe('npx projen-gitops promote --from "$FROM" --to "$TO" --evidence "$RUNNER_TEMP/promotion-evidence/evidence.md"');
      for (const j of Object.values(wf.jobs) as any[]) for (const st of j.steps) if (st.run) expect(st.run).not.toContain('${{');
      // Without gates: no schedule, no statuses permission.
      const plain = workflowObject(out, '.github/workflows/promote.yml');
      expect(plain.on.schedule).toBeUndefined();
      expect(plain.jobs.promote.permissions.statuses).toBeUndefined();
    });

    test('verify-images.yml runs on every pull request to main and verifies with the signing mode; gates pass for untouched environments', () => {
      expect(gated['.github/workflows/verify-images.yml']).toMatchSnapshot();
      const wf = workflowObject(gated, '.github/workflows/verify-images.yml');
      expect(wf.on).toEqual({ pull_request: { branches: ['main'] } });
      expect(wf.permissions).toEqual({ contents: 'read' });
      const job = wf.jobs.verify;
      expect(job.name).toBe('Verify image digests');
      expect(job.permissions).toEqual({ contents: 'read', packages: 'read', attestations: 'read', statuses: 'write' });
      const step = job.steps[job.steps.length - 1];
      expect(step).toMatchObject({ run: 'npx projen-gitops verify-images --base "$BASE_SHA" --head "$HEAD_SHA" --gates-status', env: { BASE_SHA: '${{ github.event.pull_request.base.sha }}', HEAD_SHA: '${{ github.event.pull_request.head.sha }}' } });
      for (const st of job.steps) if (st.run) expect(st.run).not.toContain('${{');
      // Every used action is pinned from the pin table.
      const pins = new Set(Object.values(ACTIONS).map((a) => `${a.action}@${a.sha}`));
      for (const st of job.steps) if (st.uses) expect(pins.has(st.uses)).toBe(true);
      // Keyless (public) verifies with cosign: the installer is there.
      const keyless = workflowObject(repo({ visibility: 'public' as any }), '.github/workflows/verify-images.yml').jobs.verify;
      expect(keyless.steps.map((st: any) => st.name)).toContain('Install cosign');
    });

    test('verify-images.yml logs in to the registry only when an images.yaml changes (an ECR login that does not trust pull requests blocks no other pull request)', () => {
      const ecr = workflowObject(repo({ registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', imageName: 'acme/orders', visibility: 'public' as any }), '.github/workflows/verify-images.yml').jobs.verify;
      const names = ecr.steps.map((st: any) => st.name);
      const detect = ecr.steps.find((st: any) => st.id === 'digests');
      expect(detect.run).toBe('if git diff --quiet "$BASE_SHA" "$HEAD_SHA" -- \'deploy/environments/*/images.yaml\'; then echo "changed=false" >> "$GITHUB_OUTPUT"; else echo "changed=true" >> "$GITHUB_OUTPUT"; fi');
      // Every step from the cosign install to the last login waits for a changed images.yaml; the verify step always runs (it sets the gates).
      const from = names.indexOf('Install cosign');
      const verify = names.indexOf('Verify every changed digest');
      expect(from).toBeGreaterThan(names.indexOf('Does this pull request change an images.yaml?'));
      const guarded = ecr.steps.slice(from, verify);
      expect(guarded.some((st: any) => /aws|ecr/i.test(JSON.stringify(st)))).toBe(true);
      for (const st of guarded) expect(st.if).toMatch(/^steps\.digests\.outputs\.changed == 'true'/);
      expect(ecr.steps[verify].if).toBeUndefined();
    });

    test.each([
      ['Amazon ECR', { registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', imageName: 'acme/orders' }, { 'role-to-assume': '${{ vars.AWS_VERIFY_ROLE_ARN }}' }, /AWS_ROLE_ARN/],
      ['Artifact Registry', { registry: 'europe-west1-docker.pkg.dev', imageName: 'my-project/containers/orders' },
        { workload_identity_provider: '${{ vars.GCP_VERIFY_WORKLOAD_IDENTITY_PROVIDER }}', service_account: '${{ vars.GCP_VERIFY_SERVICE_ACCOUNT }}' }, /GCP_(WORKLOAD_IDENTITY_PROVIDER|SERVICE_ACCOUNT)/],
      ['Azure Container Registry', { registry: 'myregistry.azurecr.io' },
        { 'client-id': '${{ vars.AZURE_VERIFY_CLIENT_ID }}', 'tenant-id': '${{ vars.AZURE_TENANT_ID }}', 'subscription-id': '${{ vars.AZURE_SUBSCRIPTION_ID }}' }, /AZURE_CLIENT_ID/],
    ])('%s: the verify job (pull requests) logs in as the read-only verify identity; the promote job keeps the publish identity', (_name, options, login, publishVariable) => {
      const generated = repo({ ...options, visibility: 'public' as any });
      const verify = workflowObject(generated, '.github/workflows/verify-images.yml').jobs.verify;
      const oidc = verify.steps.find((st: any) => /\(OIDC\)/.test(st.name ?? ''));
      expect(oidc.with).toMatchObject(login);
      expect(JSON.stringify(verify)).not.toMatch(publishVariable);
      const promote = JSON.stringify(workflowObject(generated, '.github/workflows/promote.yml'));
      expect(promote).toMatch(publishVariable);
      expect(promote).not.toMatch(/VERIFY/);
    });

    test('the promote job logs in with the registryIdentity of .projenrc.ts, as the publish job does', () => {
      const role = 'arn:aws:iam::123456789012:role/acme-orders-publish';
      const generated = repo({ registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', imageName: 'acme/orders', visibility: 'public' as any, registryIdentity: { awsRoleArn: role } } as any);
      const promote = workflowObject(generated, '.github/workflows/promote.yml').jobs.promote;
      const roles = promote.steps.filter((st: any) => st.with?.['role-to-assume']).map((st: any) => st.with['role-to-assume']);
      expect(roles).toEqual([role]);
    });

    test('KMS_KEY: the verify job reads the public key as the verify identity too (the publisher may sign: no pull request gets it)', () => {
      const generated = repo({ registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', imageName: 'acme/orders', signing: { mode: SigningMode.KMS_KEY, key: 'awskms:///arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' } } as any);
      const verify = workflowObject(generated, '.github/workflows/verify-images.yml').jobs.verify;
      const roles = verify.steps.filter((st: any) => st.with?.['role-to-assume']).map((st: any) => st.with['role-to-assume']);
      expect(roles).toEqual(['${{ vars.AWS_VERIFY_ROLE_ARN }}', '${{ vars.AWS_VERIFY_ROLE_ARN }}']);
    });

    test('the rulesets require the verification and each gated environment\'s "Promotion gates (<env>)"', () => {
      const checks = gated['.github/rulesets/protect-main.json'].rules.find((r: any) => r.type === 'required_status_checks').parameters.required_status_checks.map((c: any) => c.context);
      expect(checks).toEqual(expect.arrayContaining(['Verify image digests', 'Promotion gates (staging)', 'Promotion gates (prod)']));
      expect(checks).not.toContain('Promotion gates (dev)');
      expect(gated['docs/BRANCH_PROTECTION.md']).toContain('Promotion gates (prod)');
    });

    test('actionlint finds nothing in the gated workflows', async () => {
      expect(await actionlint(gated['.github/workflows/promote.yml'], '.github/workflows/promote.yml')).toEqual([]);
      expect(await actionlint(gated['.github/workflows/verify-images.yml'], '.github/workflows/verify-images.yml')).toEqual([]);
      expect(await actionlint(gated['.github/workflows/container.yml'], '.github/workflows/container.yml')).toEqual([]);
    });

    testWith(['zizmor'])('zizmor (pedantic, offline) finds nothing in the gated workflows', () => {
      const dir = tempdir('gitops-zizmor-');
      try {
        fs.mkdirSync(path.join(dir, '.github/workflows'), { recursive: true });
        for (const f of ['promote.yml', 'container.yml', 'verify-images.yml']) fs.writeFileSync(path.join(dir, '.github/workflows', f), gated[`.github/workflows/${f}`]);
        const result = spawnSync(findTool('zizmor')!, ['--offline', '--no-config', '--persona=pedantic', '--format=plain', '.'], { cwd: dir, encoding: 'utf-8' });
        expect([result.status, result.stdout]).toEqual([0, expect.stringContaining('No findings')]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
