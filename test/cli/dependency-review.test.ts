import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { DependencyReviewWorkflow } from '../../src';
import { dependencyReview, dependencyReviewOptions, DependencyReviewError, deniedLicenses, SUMMARY_LIMIT } from '../../src/cli/dependency-review';
import { FakeGitHub } from '../fake-github';
import { gitopsProject, synth, tempdir } from '../util';

const BASE = 'a'.repeat(40);
const HEAD = 'b'.repeat(40);
const BASEHEAD = `${BASE}...${HEAD}`;

/** One entry of the diff, shaped as the REST description's `dependency-graph-diff` items. */
function change(more: Partial<Record<string, any>> = {}): any {
  const name = more.name ?? 'left-pad';
  const version = more.version ?? '1.3.0';
  return {
    change_type: 'added',
    manifest: 'package-lock.json',
    ecosystem: 'npm',
    name,
    version,
    package_url: `pkg:npm/${name}@${version}`,
    license: 'MIT',
    source_repository_url: null,
    vulnerabilities: [],
    scope: 'runtime',
    ...more,
  };
}

function advisory(severity: string, id = 'GHSA-fqfj-cmh6-hj49'): any {
  return { severity, advisory_ghsa_id: id, advisory_summary: `A ${severity} problem`, advisory_url: `https://github.com/advisories/${id}` };
}

describe('dependency-review against the fake GitHub API (answers checked against GitHub\'s REST description)', () => {
  const github = new FakeGitHub();
  let apiUrl: string;
  beforeAll(async () => {
    apiUrl = await github.start();
  });
  afterAll(() => github.stop());
  beforeEach(() => {
    github.dependencyDiffs.clear();
    github.compareFails = undefined;
    github.snapshotWarnings = undefined;
    github.comparePageSize = 100;
    github.requests.length = 0;
  });
  afterEach(() => expect(github.responseErrors).toEqual([]));
  const options = (more: object = {}) => ({ repo: 'acme/orders', apiUrl, token: 'good-token', base: BASE, head: HEAD, failOnSeverity: 'moderate', denyLicenses: [], ...more });

  test('a clean diff passes, with the added and removed packages in the summary', async () => {
    github.dependencyDiffs.set(BASEHEAD, [
      change({ change_type: 'removed', name: 'helmet', version: '4.6.0' }),
      change({ name: 'helmet', version: '5.0.0' }),
      change({ name: 'typescript', version: '5.9.3', license: 'Apache-2.0', scope: 'development' }),
    ]);
    const result = await dependencyReview(options());
    expect(result.exitCode).toBe(0);
    expect(result.log).toEqual(['Dependency review: no vulnerability at or above moderate in 2 added packages (1 removed).']);
    expect(result.summary).toContain('✅ Nothing refused.');
    expect(result.summary).toMatch(/### Added packages\n\n\| Package \| Version \| Manifest \| Scope \| License \|\n\|---\|---\|---\|---\|---\|\n\| helmet \(npm\) \| 5\.0\.0 \| package-lock\.json \| runtime \| MIT \|/);
    expect(result.summary).toMatch(/### Removed packages\n[^#]*\| helmet \(npm\) \| 4\.6\.0 \|/);
    expect(result.summary).not.toContain('### Vulnerabilities');
    expect(github.requests).toEqual([{ method: 'GET', path: `/repos/acme/orders/dependency-graph/compare/${BASEHEAD}`, body: undefined }]);
  });

  test('an added package with a vulnerability at or above the threshold fails, with the advisory', async () => {
    github.dependencyDiffs.set(BASEHEAD, [change({ name: 'ruby-openid', ecosystem: 'rubygems', manifest: 'Gemfile.lock', vulnerabilities: [advisory('moderate')] })]);
    const result = await dependencyReview(options());
    expect(result.exitCode).toBe(1);
    expect(result.log[0]).toBe('::error title=Vulnerable dependency::ruby-openid@1.3.0 (rubygems) in Gemfile.lock has moderate advisory GHSA-fqfj-cmh6-hj49: A moderate problem (https://github.com/advisories/GHSA-fqfj-cmh6-hj49)');
    expect(result.summary).toContain('| ❌ | ruby-openid (rubygems) | 1.3.0 | Gemfile.lock | moderate | [GHSA-fqfj-cmh6-hj49](https://github.com/advisories/GHSA-fqfj-cmh6-hj49): A moderate problem |');
    expect(result.summary).toContain('❌ 1 vulnerability at or above moderate, 0 packages with a denied license.');
    // critical with a "high" threshold too.
    github.dependencyDiffs.set(BASEHEAD, [change({ vulnerabilities: [advisory('critical')] })]);
    expect((await dependencyReview(options({ failOnSeverity: 'high' }))).exitCode).toBe(1);
  });

  test('a vulnerability below the threshold passes, reported; a removed vulnerable package passes', async () => {
    github.dependencyDiffs.set(BASEHEAD, [
      change({ vulnerabilities: [advisory('moderate')] }),
      change({ change_type: 'removed', name: 'old', vulnerabilities: [advisory('critical', 'GHSA-2222-3333-4444')] }),
    ]);
    const result = await dependencyReview(options({ failOnSeverity: 'high' }));
    expect(result.exitCode).toBe(0);
    expect(result.summary).toContain('| ⚠️ below threshold | left-pad (npm) | 1.3.0 | package-lock.json | moderate |');
    expect(result.summary).not.toContain('GHSA-2222-3333-4444');
  });

  test('a denied license fails; an OR with an allowed license and an unknown license pass, reported', async () => {
    github.dependencyDiffs.set(BASEHEAD, [
      change({ name: 'copyleft', license: 'GPL-3.0-or-later' }),
      change({ name: 'dual', license: 'MIT OR GPL-3.0-or-later' }),
      change({ name: 'mystery', license: null }),
      change({ name: 'plain', license: 'MIT' }),
    ]);
    const result = await dependencyReview(options({ denyLicenses: ['GPL-3.0-or-later', 'AGPL-3.0-only'] }));
    expect(result.exitCode).toBe(1);
    expect(result.log).toEqual([
      '::error title=Denied license::copyleft@1.3.0 (npm) in package-lock.json is licensed GPL-3.0-or-later, which needs denied GPL-3.0-or-later',
      expect.stringMatching(/^Dependency review: 0 vulnerabilities at or above moderate and 1 denied license in 4 added packages\.$/),
    ]);
    expect(result.summary).toContain('| ❌ denied: GPL-3.0-or-later | copyleft (npm) | 1.3.0 | package-lock.json | GPL-3.0-or-later |');
    expect(result.summary).toContain('| ⚠️ unknown | mystery (npm) | 1.3.0 | package-lock.json | none reported |');
    expect(result.summary).not.toMatch(/denied[^|]*\| dual/);
    // Without a deny list, licenses are not judged.
    expect((await dependencyReview(options())).exitCode).toBe(0);
  });

  test.each([
    [403, { message: 'Dependency review is not supported on this repository. Please ensure that Dependency graph is enabled along with GitHub Advanced Security on private repositories, see https://github.com/acme/orders/settings/security_analysis' }, /^GitHub refused the dependency review of acme\/orders \(403: Dependency review is not supported.*\): turn on the dependency graph \(.*GitHub Advanced Security.*\), and give the job "contents: read"$/],
    [404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' }, /^GitHub found no dependency graph to compare for acme\/orders \(404: Not Found\): turn on the dependency graph .*, and check that both commits are pushed$/],
  ])('%d gives one clear line', async (status, body, line) => {
    github.compareFails = { status, body };
    const error = await dependencyReview(options()).catch((e) => e);
    expect(error).toBeInstanceOf(DependencyReviewError);
    expect(error.message).toMatch(line);
    expect(error.message).not.toContain('\n');
  });

  test('every page is read, following the Link header; the snapshot warnings are shown', async () => {
    github.comparePageSize = 100;
    github.snapshotWarnings = 'The head commit has no snapshot from the build yet.';
    github.dependencyDiffs.set(BASEHEAD, Array.from({ length: 250 }, (_, i) => change({ name: `pkg-${i}`, vulnerabilities: i === 249 ? [advisory('high')] : [] })));
    const result = await dependencyReview(options());
    expect(github.requests).toHaveLength(3);
    expect(result.exitCode).toBe(1);
    expect(result.log[0]).toContain('pkg-249@1.3.0');
    expect(result.summary).toContain('250 packages added');
    expect(result.summary).toContain('> ⚠️ The head commit has no snapshot from the build yet.');
    expect(result.summary).toContain('| ... and 150 more |');
  });

  test('text from the API cannot break the summary or the log', async () => {
    github.dependencyDiffs.set(BASEHEAD, [change({
      name: 'evil|<img src=x>`\n::add-mask::x',
      vulnerabilities: [{ ...advisory('critical'), advisory_url: 'javascript:alert(1)', advisory_summary: 'a\r\n::set-env name=X::y %0A' }],
    })]);
    const result = await dependencyReview(options());
    expect(result.log[0].split('\n')).toHaveLength(1);
    expect(result.log[0]).toContain('%250A');
    expect(result.summary).toContain('evil\\|\\<img src=x\\>\\` ::add-mask::x');
    expect(result.summary).not.toContain('javascript:');
    expect(result.summary).not.toMatch(/(?<!\\)<img/);
  });

  test('a huge diff gives a summary of bounded size', async () => {
    github.comparePageSize = 1000;
    github.dependencyDiffs.set(BASEHEAD, Array.from({ length: 5000 }, (_, i) => change({ name: `pkg-${i}-${'x'.repeat(200)}`, vulnerabilities: [advisory('low')] })));
    const result = await dependencyReview(options());
    expect(result.summary.length).toBeLessThanOrEqual(SUMMARY_LIMIT);
    expect(result.summary).toContain('| ... and 4900 more |');
  });

  test('the fake refuses a fixture that breaks the REST description (known-bad)', async () => {
    github.dependencyDiffs.set(BASEHEAD, [{ ...change(), change_type: 'updated', scope: undefined, extra: 1 }]);
    await dependencyReview(options()).catch(() => undefined);
    const errors = github.responseErrors.join('\n');
    expect(errors).toContain('/0/change_type must be equal to one of the allowed values');
    expect(errors).toContain("/0 must have required property 'scope'");
    expect(errors).toContain("/0 must NOT have additional properties 'extra'");
    github.responseErrors.length = 0;
  });

  test('an answer without the fields the review reads is refused, not passed', async () => {
    github.comparePageSize = 100;
    const { vulnerabilities: _, ...broken } = change();
    github.dependencyDiffs.set(BASEHEAD, [broken]);
    await expect(dependencyReview(options())).rejects.toThrow(/change 0 of the dependency review API's answer lacks a field/);
    github.responseErrors.length = 0;
  });

  describe('the generated step, run as the runner would (bash, env from the event, npx to this CLI)', () => {
    const root = path.join(__dirname, '..', '..');
    interface StepRun { status: number | null; stdout: string; stderr: string; summary: string }
    function runStep(project = gitopsProject(), env: Record<string, string> = {}): Promise<StepRun> {
      const workflow = parse(synth(project)['.github/workflows/dependency-review.yml']);
      const step = workflow.jobs.review.steps.find((s: any) => s.name === 'Review dependency changes');
      expect(step.env).toEqual({ GITHUB_TOKEN: '${{ github.token }}', BASE_SHA: '${{ github.event.pull_request.base.sha }}', HEAD_SHA: '${{ github.event.pull_request.head.sha }}' });
      const bin = tempdir('gitops-bin-');
      fs.writeFileSync(path.join(bin, 'npx'), `#!/bin/sh\nshift\nexec node -r ${root}/node_modules/ts-node/register/transpile-only ${root}/src/cli/main.ts "$@"\n`, { mode: 0o755 });
      const summaryFile = path.join(tempdir('gitops-runner-'), 'summary.md');
      const child = spawn('bash', ['-e', '-c', step.run], {
        env: {
          PATH: `${bin}:${process.env.PATH}`,
          HOME: tempdir('gitops-home-'),
          TS_NODE_PROJECT: path.join(root, 'test', 'tsconfig.json'),
          GITHUB_TOKEN: 'good-token',
          BASE_SHA: BASE,
          HEAD_SHA: HEAD,
          GITHUB_REPOSITORY: 'acme/orders',
          GITHUB_API_URL: apiUrl,
          GITHUB_STEP_SUMMARY: summaryFile,
          ...env,
        },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr, summary: fs.existsSync(summaryFile) ? fs.readFileSync(summaryFile, 'utf-8') : '' })));
    }

    test('passes a clean diff and fails a vulnerable one, with the summary written', async () => {
      github.dependencyDiffs.set(BASEHEAD, [change()]);
      const clean = await runStep();
      expect(clean.stderr).toBe('');
      expect(clean.status).toBe(0);
      expect(clean.summary).toContain('## Dependency review');
      github.dependencyDiffs.set(BASEHEAD, [change({ vulnerabilities: [advisory('high')] })]);
      const bad = await runStep();
      expect(bad.status).toBe(1);
      expect(bad.stdout).toContain('::error title=Vulnerable dependency::left-pad@1.3.0');
      expect(bad.summary).toContain('❌ 1 vulnerability at or above moderate');
    }, 60_000);

    test('the configured licenses reach the CLI; GitHub\'s 403 is one line and exit 1', async () => {
      const project = gitopsProject({ dependencyReview: false });
      new DependencyReviewWorkflow(project, { failOnSeverity: 'critical', denyLicenses: ['AGPL-3.0-only'] });
      github.dependencyDiffs.set(BASEHEAD, [change({ license: 'AGPL-3.0', vulnerabilities: [advisory('high')] })]);
      const denied = await runStep(project);
      expect(denied.status).toBe(1);
      expect(denied.stdout).not.toContain('Vulnerable dependency');
      expect(denied.stdout).toContain('::error title=Denied license::left-pad@1.3.0 (npm) in package-lock.json is licensed AGPL-3.0, which needs denied AGPL-3.0-only');
      github.compareFails = { status: 403, body: { message: 'Advanced Security must be enabled for this repository to use this feature.' } };
      const refused = await runStep();
      expect(refused.status).toBe(1);
      expect(refused.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^projen-gitops dependency-review: GitHub refused the dependency review of acme\/orders \(403: Advanced Security must be enabled/)]);
    }, 60_000);
  });
});

describe('dependency-review options', () => {
  const env = { GITHUB_TOKEN: 't', GITHUB_REPOSITORY: 'acme/orders' };
  const argv = ['--base', BASE, '--head', HEAD];

  test('defaults, repeated licenses, help', () => {
    expect(dependencyReviewOptions([...argv, '--deny-license', 'GPL-3.0-only', '--deny-license', 'AGPL-3.0-only'], env)).toEqual({
      repo: 'acme/orders', apiUrl: 'https://api.github.com', token: 't', base: BASE, head: HEAD, failOnSeverity: 'moderate', denyLicenses: ['GPL-3.0-only', 'AGPL-3.0-only'],
    });
    expect(dependencyReviewOptions(['--help'], {})).toBeUndefined();
  });

  test.each([
    [['--base', BASE], env, /--head SHA is required/],
    [['--base', 'main', '--head', HEAD], env, /--base must be a commit SHA \(40 or 64 lowercase hex digits\), got "main"/],
    [[...argv, '--fail-on-severity', 'severe'], env, /--fail-on-severity must be one of 'low', 'moderate', 'high', 'critical', got 'severe'; try 'moderate'/],
    [[...argv, '--deny-license', 'MIT OR GPL-3.0'], env, /--deny-license must be one SPDX license identifier .*, got 'MIT OR GPL-3.0'; try 'MIT'/],
    [[...argv, '--deny-licence', 'MIT'], env, /unknown option '--deny-licence'/],
    [[...argv, '--fail-on-severity'], env, /--fail-on-severity needs a value/],
    [[...argv, 'extra'], env, /unexpected argument 'extra'/],
    [argv, { GITHUB_REPOSITORY: 'acme/orders' }, /no token: set GITHUB_TOKEN/],
    [argv, { GITHUB_TOKEN: 't', GITHUB_REPOSITORY: 'acme/orders/../x' }, /GITHUB_REPOSITORY must be owner\/name, got "acme\/orders\/..\/x"/],
    [argv, { GITHUB_TOKEN: 't' }, /GITHUB_REPOSITORY must be owner\/name, got ""/],
  ])('%j is refused', (args, environment, message) => {
    expect(() => dependencyReviewOptions(args as string[], environment as NodeJS.ProcessEnv)).toThrow(message);
  });
});

describe('deniedLicenses (SPDX license expressions)', () => {
  const deny = ['GPL-3.0-only', 'AGPL-3.0-or-later'];
  test.each([
    ['MIT', []],
    ['GPL-3.0-only', ['GPL-3.0-only']],
    ['GPL-3.0', ['GPL-3.0-only']],
    ['gpl-3.0-ONLY', ['GPL-3.0-only']],
    ['AGPL-3.0+', ['AGPL-3.0-or-later']],
    ['GPL-3.0-or-later', []],
    ['MIT OR GPL-3.0-only', []],
    ['MIT AND GPL-3.0-only', ['GPL-3.0-only']],
    ['(MIT OR Apache-2.0) AND (GPL-3.0-only OR AGPL-3.0-or-later)', ['GPL-3.0-only', 'AGPL-3.0-or-later']],
    ['GPL-3.0-only WITH Classpath-exception-2.0', ['GPL-3.0-only']],
    ['LicenseRef-Proprietary OR GPL-3.0', []],
  ])('%s', (license, denied) => {
    expect(deniedLicenses(license, deny)).toEqual(denied);
  });

  test.each([[null], ['NOASSERTION'], ['NONE'], ['MIT OR'], ['(MIT'], ['Some custom license text'], ['MIT AND AND X']])('%s is unknown', (license) => {
    expect(deniedLicenses(license, deny)).toBeUndefined();
  });
});
