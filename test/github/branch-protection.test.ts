import * as fs from 'fs';
import { github, javascript } from 'projen';
import { parse } from 'yaml';
import { BranchProtection, CodeOwners } from '../../src';
import { optionProblems } from '../../src/core/validation';
import { gitopsProject, synth, tempdir } from '../util';

const NOTES = 'docs/BRANCH_PROTECTION.md';
const RULESET = '.github/rulesets/protect-main.json';
const DEFAULT_CHECKS = ['Build image', 'CodeQL (actions)', 'CodeQL (javascript-typescript)', 'Dependency review', 'Generated files are up to date'];

/** A javascript.NodeProject without projen's own workflows. */
function bareNodeProject() {
  return new javascript.NodeProject({
    name: 'svc',
    defaultReleaseBranch: 'main',
    outdir: tempdir(),
    buildWorkflow: false,
    githubOptions: { pullRequestLint: false },
  });
}

/** The bullet list under "Status checks to require". */
function checksInNotes(notes: string): string[] {
  const section = notes.split('## Status checks to require')[1].split('\n## ')[0];
  return [...section.matchAll(/^- `(.+)`$/gm)].map((m) => m[1]);
}

function checksInRuleset(ruleset: any): string[] {
  const checks = ruleset.rules.find((r: any) => r.type === 'required_status_checks');
  return checks ? checks.parameters.required_status_checks.map((c: any) => c.context) : [];
}

function rule(ruleset: any, type: string): any {
  return ruleset.rules.find((r: any) => r.type === type);
}

describe('BranchProtection', () => {
  test('notes snapshot', () => {
    expect(synth(gitopsProject())[NOTES]).toMatchSnapshot();
  });

  test('required checks are the pull request jobs of the generated workflows', () => {
    const project = gitopsProject();
    synth(project);
    expect(project.branchProtection.requiredChecks).toEqual(DEFAULT_CHECKS);
  });

  test('the notes and the ruleset list exactly the same checks', () => {
    const out = synth(gitopsProject());
    expect(checksInNotes(out[NOTES])).toEqual(DEFAULT_CHECKS);
    expect(checksInRuleset(out[RULESET])).toEqual(DEFAULT_CHECKS);
  });

  test('a job that never runs on pull requests is not required', () => {
    const project = gitopsProject();
    synth(project);
    expect(project.branchProtection.requiredChecks).not.toContain('Publish image');
  });

  test.each(['Lint', 'Lint all'])('a new pull request workflow and its job name (%s) follow into the notes and the ruleset', (jobName) => {
    const project = gitopsProject();
    const lint = new github.GithubWorkflow(project.github!, 'lint');
    lint.on({ pullRequest: {} });
    lint.addJobs({ eslint: { name: jobName, runsOn: ['ubuntu-24.04'], permissions: {}, steps: [{ run: 'true' }] } });
    const nightly = new github.GithubWorkflow(project.github!, 'nightly');
    nightly.on({ schedule: [{ cron: '0 0 * * *' }] });
    nightly.addJobs({ e2e: { runsOn: ['ubuntu-24.04'], permissions: {}, steps: [{ run: 'true' }] } });
    const out = synth(project);
    const expected = [...DEFAULT_CHECKS, jobName].sort((a, b) => a.localeCompare(b));
    expect(checksInNotes(out[NOTES])).toEqual(expected);
    expect(checksInRuleset(out[RULESET])).toEqual(expected);
  });

  test('switching a workflow off removes its check from both', () => {
    const out = synth(gitopsProject({ dependencyReview: false }));
    expect(checksInNotes(out[NOTES])).not.toContain('Dependency review');
    expect(checksInRuleset(out[RULESET])).not.toContain('Dependency review');
  });

  test('matrix jobs are expanded the way GitHub names them', () => {
    const project = bareNodeProject();
    const wf = new github.GithubWorkflow(project.github!, 'test');
    wf.on({ pullRequest: {} });
    wf.addJobs({
      unit: { runsOn: ['ubuntu-24.04'], permissions: {}, strategy: { matrix: { domain: { node: ['20', '22'], os: ['linux'] } } }, steps: [{ run: 'true' }] },
      named: { name: 'Test on ${{ matrix.node }}', runsOn: ['ubuntu-24.04'], permissions: {}, strategy: { matrix: { domain: { node: ['20'] } } }, steps: [{ run: 'true' }] },
    });
    const protection = new BranchProtection(project);
    expect(protection.requiredChecks).toEqual(['Test on 20', 'unit (20, linux)', 'unit (22, linux)']);
  });

  test('matrix include and exclude follow GitHub\'s rules', () => {
    const project = bareNodeProject();
    const wf = new github.GithubWorkflow(project.github!, 'test');
    wf.on({ pullRequest: {} });
    wf.addJobs({
      test: {
        runsOn: ['ubuntu-24.04'],
        permissions: {},
        steps: [{ run: 'true' }],
        strategy: {
          matrix: {
            domain: { os: ['linux', 'windows'], node: ['20', '22'] },
            exclude: [{ os: 'windows', node: '20' }],
            // extends the linux combinations (adds a key), then adds a job of its own (overwrites node)
            include: [{ os: 'linux', experimental: 'yes' }, { os: 'mac', node: '24' }],
          },
        },
      },
    });
    const protection = new BranchProtection(project);
    expect(protection.requiredChecks).toEqual(['test (linux, 20, yes)', 'test (linux, 22, yes)', 'test (mac, 24)', 'test (windows, 22)']);
  });

  test('the branch ruleset carries every rule of the model', () => {
    const ruleset = synth(gitopsProject())[RULESET];
    expect(ruleset.name).toBe('Protect main');
    expect(ruleset.target).toBe('branch');
    expect(ruleset.enforcement).toBe('active');
    expect(ruleset.bypass_actors).toEqual([]);
    expect(ruleset.conditions.ref_name.include).toEqual(['refs/heads/main']);
    expect(rule(ruleset, 'deletion')).toBeDefined();
    expect(rule(ruleset, 'non_fast_forward')).toBeDefined();
    expect(rule(ruleset, 'required_linear_history')).toBeDefined();
    expect(rule(ruleset, 'required_signatures')).toBeUndefined();
    expect(rule(ruleset, 'pull_request').parameters).toEqual({
      required_approving_review_count: 1,
      dismiss_stale_reviews_on_push: true,
      require_code_owner_review: false,
      require_last_push_approval: true,
      required_review_thread_resolution: true,
      allowed_merge_methods: ['squash', 'rebase'],
    });
    const checks = rule(ruleset, 'required_status_checks').parameters;
    expect(checks.strict_required_status_checks_policy).toBe(true);
    expect(checks.required_status_checks.every((c: any) => c.integration_id === 15368)).toBe(true);
  });

  test('options change the ruleset and the notes together', () => {
    const out = synth(gitopsProject({ requiredApprovals: 2, requireSignedCommits: true, codeOwners: ['@acme/orders'] }));
    const ruleset = out[RULESET];
    expect(rule(ruleset, 'pull_request').parameters.required_approving_review_count).toBe(2);
    expect(rule(ruleset, 'pull_request').parameters.require_code_owner_review).toBe(true);
    expect(rule(ruleset, 'required_signatures')).toBeDefined();
    expect(out[NOTES]).toMatch(/\| Required approvals \| 2 \|/);
    expect(out[NOTES]).toMatch(/\| Require review from code owners \| on \|/);
    expect(out[NOTES]).toMatch(/\| Require signed commits \| on \|/);
  });

  test('code-owner review follows the CodeOwners component, whatever the order', () => {
    const project = bareNodeProject();
    const protection = new BranchProtection(project);
    expect(protection.requireCodeOwnerReview).toBe(false);
    new CodeOwners(project, { owners: ['@acme/team'] });
    expect(protection.requireCodeOwnerReview).toBe(true);
    expect(rule(synth(project)[RULESET], 'pull_request').parameters.require_code_owner_review).toBe(true);
  });

  test('linear history off allows merge commits', () => {
    const project = bareNodeProject();
    new BranchProtection(project, { requireLinearHistory: false });
    const ruleset = synth(project)[RULESET];
    expect(rule(ruleset, 'required_linear_history')).toBeUndefined();
    expect(rule(ruleset, 'pull_request').parameters.allowed_merge_methods).toEqual(['merge', 'squash', 'rebase']);
  });

  test('checksAppId 0 accepts checks from any source', () => {
    const project = bareNodeProject();
    new BranchProtection(project, { checksAppId: 0, additionalChecks: ['ci/jenkins'] });
    expect(rule(synth(project)[RULESET], 'required_status_checks').parameters.required_status_checks).toEqual([{ context: 'ci/jenkins' }]);
  });

  test('release tags cannot be moved or deleted', () => {
    const ruleset = synth(gitopsProject())['.github/rulesets/protect-release-tags.json'];
    expect(ruleset.target).toBe('tag');
    expect(ruleset.conditions.ref_name.include).toEqual(['refs/tags/v*']);
    expect(ruleset.rules.map((r: any) => r.type)).toEqual(['deletion', 'non_fast_forward', 'update']);
  });

  test('protectTags: false writes no tag ruleset', () => {
    const project = bareNodeProject();
    new BranchProtection(project, { protectTags: false });
    const out = synth(project);
    expect(out['.github/rulesets/protect-release-tags.json']).toBeUndefined();
    expect(out[NOTES]).not.toMatch(/## Release tags/);
  });

  test('the Settings app file holds the same rulesets', () => {
    const out = synth(gitopsProject({ settingsApp: true }));
    expect(parse(out['.github/settings.yml']).rulesets).toEqual([out[RULESET], out['.github/rulesets/protect-release-tags.json']]);
  });

  test('a protect task applies the rulesets', () => {
    const project = bareNodeProject();
    new BranchProtection(project, { apiUrl: 'https://github.example.com/api/v3' });
    const task = synth(project)['.projen/tasks.json'].tasks.protect;
    expect(task.steps).toEqual([{ exec: 'projen-gitops protect --dir .github/rulesets --api-url https://github.example.com/api/v3', receiveArgs: true }]);
  });

  test('the protect task names the repository of the `repository` option (--dry-run used to guess it)', () => {
    const task = synth(gitopsProject({ repository: 'acme/orders' }))['.projen/tasks.json'].tasks.protect;
    expect(task.steps).toEqual([{ exec: 'projen-gitops protect --dir .github/rulesets --repo acme/orders', receiveArgs: true }]);
  });

  test('additional checks and approvals appear in the notes', () => {
    const project = bareNodeProject();
    new BranchProtection(project, { requiredApprovals: 2, additionalChecks: ['ci/jenkins'] });
    const notes = synth(project)[NOTES];
    expect(notes).toMatch(/\| Required approvals \| 2 \|/);
    expect(checksInNotes(notes)).toEqual(['ci/jenkins']);
  });

  test.each([[-1], [11], [1.5]])('requiredApprovals %p is rejected', (value) => {
    const project = gitopsProject({ requiredApprovals: value });
    expect(() => project.synth()).toThrow(new RegExp(`requiredApprovals: must be an integer from 0 to 10 \\(GitHub's limit\\), got ${value}; try 1`));
  });

  test.each<[string, object, RegExp]>([
    ['empty check name', { additionalChecks: [' '] }, /additionalChecks: must list non-empty check names, got " "/],
    ['a check name that adds a line to the notes', { additionalChecks: ['ci', 'x\n## Rules off'] }, /additionalChecks\[1\]: must be one line of at most 255 printable characters.*, got 'x\\n## Rules off'; try 'x ## Rules off'/],
    ['negative app id', { checksAppId: -1 }, /checksAppId: must be a GitHub App id .* got -1; try 15368/],
    ['tag pattern with refs/', { tagPattern: 'refs/tags/v*' }, /tagPattern: must be a tag glob of letters, digits, .*\(without 'refs\/tags\/'\), got 'refs\/tags\/v\*'; try 'v\*'/],
    ['api url without scheme', { apiUrl: 'github.example.com' }, /apiUrl: must be an http\(s\) URL, got "github.example.com"/],
    ['api url with shell syntax (it goes into the protect task unquoted)', { apiUrl: 'https://github.example.com/api/v3;touch${IFS}x' }, /apiUrl: must be an http\(s\) URL, got "https:\/\/github.example.com\/api\/v3;touch\$\{IFS\}x"/],
  ])('%s is rejected', (_name, options, message) => {
    const project = bareNodeProject();
    new BranchProtection(project, options);
    expect(() => project.synth()).toThrow(message);
  });
});

describe('BranchProtection.addRequiredCheck', () => {
  test('a check added after the project is built is required after the computed ones, in the ruleset, the notes and the Settings app file', () => {
    const project = gitopsProject({ settingsApp: true });
    project.branchProtection.addRequiredCheck('e2e (chromium)');
    const out = synth(project);
    expect(checksInRuleset(out[RULESET])).toEqual([...DEFAULT_CHECKS, 'e2e (chromium)']);
    expect(checksInNotes(out[NOTES])).toEqual([...DEFAULT_CHECKS, 'e2e (chromium)']);
    expect(checksInRuleset(parse(out['.github/settings.yml']).rulesets[0])).toEqual([...DEFAULT_CHECKS, 'e2e (chromium)']);
  });

  test('a check already required (computed, or added twice) is listed once', () => {
    const project = gitopsProject();
    project.branchProtection.addRequiredCheck('Build image');
    project.branchProtection.addRequiredCheck('e2e');
    project.branchProtection.addRequiredCheck('e2e');
    expect(checksInRuleset(synth(project)[RULESET])).toEqual([...DEFAULT_CHECKS, 'e2e']);
  });

  test.each<[string, string, string, string]>([
    ['a check name that adds a line to the notes', 'x\n## Rules off', "addRequiredCheck('x\\n## Rules off')",
      "must be one line of at most 255 printable characters, without '<', '>', '`' or '$', got 'x\\n## Rules off'; try 'x ## Rules off'"],
    ['an empty check name', ' ', "addRequiredCheck(' ')", 'must name a check, got " "; remove it'],
  ])('%s is reported under addRequiredCheck(check), and no file is written', (_name, check, option, message) => {
    const dir = tempdir();
    const project = gitopsProject({ outdir: dir });
    project.branchProtection.addRequiredCheck(check);
    expect(optionProblems(project)).toEqual([{ option, message }]);
    expect(() => project.synth()).toThrow(/no file was changed/);
    expect(fs.readdirSync(dir)).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the fix is itself valid', () => {
    const project = gitopsProject();
    project.branchProtection.addRequiredCheck('x ## Rules off');
    expect(optionProblems(project)).toEqual([]);
  });
});
