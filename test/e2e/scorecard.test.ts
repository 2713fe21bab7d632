/**
 * OpenSSF Scorecard itself (v5.2.1, built from the Go module proxy by scripts/build-scorecard.sh)
 * over generated repositories: `scorecard --local=<dir>` with every check it runs on a local
 * directory without the network, in JSON with details. Every configuration of
 * test/configurations.ts is synthesized twice: as first generated (`base-images.lock.yaml`
 * without digests, so the Dockerfiles build from tags) and after the pin-base-images workflow's
 * pull request is merged (a digest for every tag, test values). No git history, no token:
 * Scorecard's local client reads the files.
 *
 * What we control scores 10 with no finding (Scorecard's `Warn:` lines), except the accepted
 * findings below, each with its reason (docs/testing.md lists them), each required exactly where
 * it applies: one that Scorecard stops reporting fails the test, so the list cannot go stale.
 * The known-bad fixtures (test/fixtures/scorecard/) must fail the same checks in Scorecard's own
 * words, and the known-good Dockerfile pass. test/scorecard.test.ts keeps the stand-ins (and
 * test/scorecard-rules.ts the port of Scorecard's Dockerfile rules), which run where Scorecard is
 * not built.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { License } from 'projen';
import { parse } from 'yaml';
import { BASE_IMAGES_LOCK, lockText, parseLock } from '../../src/model/base-images';
import { CONFIGURATIONS, Configuration, configurationProject } from '../configurations';
import { describeWith, findTool } from '../tools';
import { readTree, tempdir } from '../util';

/**
 * The checks Scorecard v5.2.1 runs on a local directory (`checker.FileBased`) and that need no
 * network. Every other check is refused in local mode ("Unsupported RequestType"; a test below
 * asks Scorecard), but these two, which run and then ask a service:
 */
const CHECKS = ['Binary-Artifacts', 'Dangerous-Workflow', 'Dependency-Update-Tool', 'License', 'Packaging', 'Pinned-Dependencies', 'SAST', 'Security-Policy', 'Token-Permissions'];
const NEEDS_NETWORK: Record<string, string> = {
  Fuzzing: 'fetches OSS-Fuzz\'s project list (oss-fuzz-build-logs.storage.googleapis.com)',
  Vulnerabilities: 'asks OSV (api.osv.dev) about the dependencies osv-scanner finds',
};

type State = 'tags' | 'pinned';
interface Repo {
  readonly name: string;
  readonly state: State;
  readonly options: Configuration['options'] & {};
  readonly tree: Record<string, string>;
}

/** Scorecard's finding, without its line numbers (`file:12` or `file:12-14`). */
const withoutLines = (warn: string) => warn.replace(/:\d+(?:-\d+)?$/, '');
const dockerfiles = (repo: Repo) => Object.keys(repo.tree).filter((f) => path.basename(f) === 'Dockerfile').sort();
/** The Dockerfiles that install Python dependencies from `file` (requirements.txt or pyproject.toml). */
const pythonDockerfiles = (repo: Repo, file: string) => dockerfiles(repo).filter((f) => repo.tree[f].includes(`COPY ${file} `));

interface Accepted {
  readonly check: string;
  /** The repositories it is reported for (and only those). */
  readonly applies: (repo: Repo) => boolean;
  /** The `Warn:` lines it accepts there, without line numbers; or a pattern, each match checked by `justified`. */
  readonly findings: ((repo: Repo) => string[]) | RegExp;
  /** For a pattern: why this one is accepted (`undefined`), or what is wrong with it. */
  readonly justified?: (repo: Repo, warn: string) => string | undefined;
  /** Scorecard's score for the check with it; `undefined`: below 10, by how many other dependencies are pinned. */
  readonly score: number | undefined;
  readonly reason: string;
}

const ACCEPTED: Accepted[] = [
  {
    check: 'License',
    applies: (repo) => repo.tree.LICENSE === undefined,
    findings: () => ['Warn: project does not have a license file'],
    score: 0,
    reason: 'a service repository\'s license is its owner\'s choice, and many are proprietary: projen-gitops writes none (projen\'s `licensed: false`). `new License(project, { spdx })` adds one (the `licensed` control below: the finding goes)',
  },
  {
    check: 'License',
    applies: (repo) => repo.tree.LICENSE !== undefined,
    findings: () => ['Warn: project license file does not contain an FSF or OSI license.'],
    score: 9,
    reason: 'Scorecard learns which license a LICENSE file holds from GitHub\'s license API (or from its file name, e.g. LICENSE-MIT); its local client has neither, so a LICENSE file scores 9 locally',
  },
  {
    check: 'SAST',
    applies: () => true,
    findings: () => ['Warn: no pull requests merged into dev branch'],
    score: 10,
    reason: 'SAST also asks whether merged pull requests were checked, from the commit history, which Scorecard\'s local client does not read (`ListCommits` is unsupported); the score follows the configured tool (CodeQL)',
  },
  {
    check: 'SAST',
    applies: (repo) => repo.options.codeScanning === false,
    findings: () => [],
    score: 0,
    reason: 'the user switched code scanning off (`codeScanning: false`): no SAST tool is configured',
  },
  {
    check: 'Dependency-Update-Tool',
    applies: (repo) => repo.options.dependabot === false,
    findings: () => ['Warn: no dependency update tool configurations found'],
    score: 0,
    reason: 'the user switched Dependabot off (`dependabot: false`)',
  },
  {
    check: 'Security-Policy',
    applies: (repo) => !repo.options.repository && !repo.options.securityContact,
    findings: () => ['Warn: no linked content found'],
    score: 4,
    reason: 'without `repository` (GitHub\'s private reporting form) or `securityContact`, SECURITY.md has no address or URL to give; it says how to set one',
  },
  {
    check: 'Token-Permissions',
    applies: () => true,
    findings: /^Warn: jobLevel '(?:contents|statuses)' permission set to 'write': (\.github\/workflows\/[^:]+):(\d+)$/,
    justified: (repo, warn) => {
      const [, file, line] = /: ([^:]+):(\d+)$/.exec(warn)!;
      const workflow = parse(repo.tree[file]);
      if (typeof workflow.permissions !== 'object' || Object.values(workflow.permissions).some((level) => level !== 'read')) return `${file}: top-level permissions not read-only`;
      const text = repo.tree[file].split('\n')[Number(line) - 1] ?? '';
      return /:\s*write\s+#\s*\S/.test(text) ? undefined : `${file}:${line}: no reason on the line (${text.trim()})`;
    },
    score: 10,
    reason: 'a job\'s own write scope, each with its reason on the line (the one zizmor\'s pedantic `undocumented-permissions` asks for): `contents: write` pushes the promotion, upgrade or pin-base-images branch when no GitHub App token is used; `statuses: write` sets the promotion gates\' commit status. Every top-level `permissions` is read-only, and Scorecard scores 10',
  },
  {
    check: 'Pinned-Dependencies',
    applies: (repo) => repo.state === 'tags' && dockerfiles(repo).length > 0,
    findings: (repo) => dockerfiles(repo).map((f) => `Warn: containerImage not pinned by hash: ${f}`),
    score: undefined,
    reason: 'before the pin-base-images workflow has run once, `base-images.lock.yaml` has no digests and the Dockerfiles build from tags (the generated README lists them as not pinned yet)',
  },
  {
    check: 'Pinned-Dependencies',
    applies: (repo) => pythonDockerfiles(repo, 'pyproject.toml').length > 0,
    findings: (repo) => pythonDockerfiles(repo, 'pyproject.toml').map((f) => `Warn: pipCommand not pinned by hash: ${f}`),
    score: undefined,
    reason: '`Runtime.PYTHON_PYPROJECT` installs pyproject.toml\'s dependencies by version: a pyproject.toml carries no hashes, so `pip install` cannot take `--require-hashes`',
  },
];

/** Repositories beyond test/configurations.ts that show an accepted finding goes away when its cause does. */
const CONTROLS: (Configuration & { readonly license?: string })[] = [
  { name: 'licensed', license: 'Apache-2.0' },
  // Scorecard's address pattern wants a top-level domain of 2 to 6 letters: `.example` is not one.
  { name: 'security-email', options: { securityContact: 'security@acme.com' } },
  { name: 'security-url', options: { securityContact: 'https://acme.com/security' } },
];

interface CheckResult {
  readonly name: string;
  readonly score: number;
  readonly reason: string;
  readonly details: string[] | null;
}

/** `scorecard --local` with the local checks, in JSON with details; no GitHub token in its environment. */
function scorecard(dir: string, checks = CHECKS) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(GITHUB_AUTH_TOKEN|GITHUB_TOKEN|GH_TOKEN)$/.test(k)));
  return spawnSync(findTool('scorecard')!, [`--local=${dir}`, `--checks=${checks.join(',')}`, '--format=json', '--show-details'], { encoding: 'utf-8', env, timeout: 120_000 });
}

function checksOf(dir: string): Map<string, CheckResult> {
  const run = scorecard(dir);
  if (run.status !== 0) throw new Error(`scorecard --local=${dir} exited ${run.status}: ${run.stderr}`);
  const result = JSON.parse(run.stdout);
  expect(result.scorecard.version).toBe('v5.2.1');
  return new Map(result.checks.map((c: CheckResult) => [c.name, c]));
}

const warnings = (check: CheckResult) => (check.details ?? []).filter((d) => d.startsWith('Warn: '));

describeWith(['scorecard'])('OpenSSF Scorecard v5.2.1 --local over generated repositories', () => {
  const repos: { repo: Repo; checks: Map<string, CheckResult> }[] = [];
  const dirs: string[] = [];
  const savedDisablePost = process.env.PROJEN_DISABLE_POST;

  beforeAll(() => {
    // In-process synth: no post-synth install (under CI=true projen runs `npm ci` where there is no lock file).
    process.env.PROJEN_DISABLE_POST = 'true';
    for (const configuration of [...CONFIGURATIONS, ...CONTROLS]) {
      const dir = tempdir('gitops-scorecard-');
      dirs.push(dir);
      const make = () => {
        const project = configurationProject({ ...configuration, options: { ...configuration.options, outdir: dir } });
        const license = (configuration as typeof CONTROLS[number]).license;
        if (license) new License(project, { spdx: license });
        project.synth();
      };
      make();
      const options = configuration.options ?? {};
      repos.push({ repo: { name: configuration.name, state: 'tags', options, tree: readTree(dir) }, checks: checksOf(dir) });
      // The pin-base-images workflow's pull request, merged: a digest for every tag (test values;
      // this is about what synth writes from a filled lock), then synth again.
      const lockFile = path.join(dir, BASE_IMAGES_LOCK);
      if (!fs.existsSync(lockFile)) continue;
      const refs = Object.keys(parseLock(fs.readFileSync(lockFile, 'utf-8')).digests);
      fs.writeFileSync(lockFile, lockText(Object.fromEntries(refs.map((r, i) => [r, `sha256:${String(i + 1).padStart(64, 'c')}`]))));
      make();
      repos.push({ repo: { name: configuration.name, state: 'pinned', options, tree: readTree(dir) }, checks: checksOf(dir) });
    }
  }, 600_000);

  afterAll(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
    if (savedDisablePost === undefined) delete process.env.PROJEN_DISABLE_POST;
    else process.env.PROJEN_DISABLE_POST = savedDisablePost;
  });

  /** Per check, what differs from "10 and no finding, but the accepted ones"; and how often each accepted finding was seen. */
  const problems = new Map<string, object[]>();
  const seen = new Map<Accepted, number>();
  beforeAll(() => {
    for (const name of CHECKS) problems.set(name, repos.flatMap(({ repo, checks }) => judge(repo, name, checks.get(name))));
  });

  function judge(repo: Repo, name: string, check: CheckResult | undefined): object[] {
    const label = `${repo.name} (${repo.state === 'tags' ? 'as generated' : 'lock filled'})`;
    if (!check) return [{ repo: label, problem: 'not run' }];
    const accepted = ACCEPTED.filter((a) => a.check === name && a.applies(repo));
    let open = warnings(check);
    const notReported: string[] = [];
    const unjustified: string[] = [];
    const saw = (a: Accepted) => seen.set(a, (seen.get(a) ?? 0) + 1);
    for (const a of accepted) {
      const pattern = a.findings;
      if (pattern instanceof RegExp) {
        const hits = open.filter((w) => pattern.test(w));
        for (const w of hits) {
          saw(a);
          const wrong = a.justified?.(repo, w);
          if (wrong) unjustified.push(`${w}: ${wrong}`);
        }
        open = open.filter((w) => !hits.includes(w));
        continue;
      }
      const expected = pattern(repo);
      if (expected.length === 0) saw(a);
      for (const finding of expected) {
        const hits = open.filter((w) => withoutLines(w) === finding);
        if (hits.length === 0) notReported.push(`${finding} (accepted: ${a.reason})`);
        else saw(a);
        open = open.filter((w) => !hits.includes(w));
      }
    }
    const scores = accepted.map((a) => a.score);
    const expected = scores.length === 0 ? 10 : scores.includes(undefined) ? 'below 10' : Math.min(...(scores as number[]));
    const scoreOk = expected === 'below 10' ? check.score >= 0 && check.score < 10 : check.score === expected;
    if (scoreOk && open.length === 0 && notReported.length === 0 && unjustified.length === 0) return [];
    return [{ repo: label, score: check.score, expected, reason: check.reason, findings: open, notReported, unjustified }];
  }

  test.each(CHECKS)('%s: 10 and no finding, but the accepted ones, where they apply', (name) => {
    expect(problems.get(name)).toEqual([]);
  });

  test('every accepted finding is still reported somewhere (else remove it)', () => {
    expect(ACCEPTED.filter((a) => !seen.get(a)).map((a) => `${a.check}: ${a.reason}`)).toEqual([]);
  });

  test('a license and a security contact remove their accepted findings', () => {
    const of = (name: string) => repos.find((r) => r.repo.name === name && r.repo.state === 'tags')!.checks;
    expect(of('licensed').get('License')).toMatchObject({ reason: 'license file detected' });
    for (const name of ['security-email', 'security-url']) {
      expect({ name, score: of(name).get('Security-Policy')!.score, findings: warnings(of(name).get('Security-Policy')!) }).toEqual({ name, score: 10, findings: [] });
    }
  });
});

describeWith(['scorecard'])('OpenSSF Scorecard v5.2.1 --local over the known-bad fixtures', () => {
  const FIXTURES = path.join(__dirname, '..', 'fixtures', 'scorecard');
  let dir: string;
  let checks: Map<string, CheckResult>;

  beforeAll(() => {
    dir = tempdir('gitops-scorecard-bad-');
    fs.mkdirSync(path.join(dir, '.github', 'workflows'), { recursive: true });
    fs.copyFileSync(path.join(FIXTURES, 'bad-workflow.yml'), path.join(dir, '.github', 'workflows', 'bad.yml'));
    fs.copyFileSync(path.join(FIXTURES, 'bad.Dockerfile'), path.join(dir, 'Dockerfile'));
    fs.mkdirSync(path.join(dir, 'installs'));
    fs.copyFileSync(path.join(FIXTURES, 'bad-installs.Dockerfile'), path.join(dir, 'installs', 'Dockerfile'));
    fs.copyFileSync(path.join(FIXTURES, 'BAD-SECURITY.md'), path.join(dir, 'SECURITY.md'));
    // Binary-Artifacts: an ELF executable committed to the repository (the header is what Scorecard reads).
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.writeFileSync(path.join(dir, 'bin', 'tool'), Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), Buffer.alloc(121)]));
    checks = checksOf(dir);
  }, 120_000);

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** The check's score and its findings, without line numbers. */
  const verdict = (name: string) => {
    const check = checks.get(name)!;
    return { score: check.score, findings: [...new Set(warnings(check).map(withoutLines))].sort() };
  };

  test('Token-Permissions: a workflow without top-level permissions', () => {
    // Scorecard says nothing of the job's `permissions: write-all` ("no jobLevel write permissions
    // found"): the stand-in (test/scorecard.test.ts) and zizmor catch that one.
    expect(verdict('Token-Permissions')).toEqual({ score: 9, findings: ['Warn: no topLevel permission defined: .github/workflows/bad.yml'] });
  });

  test('Pinned-Dependencies: an action by tag, npm/pip/go installs, FROM by tag or through an ARG', () => {
    const details = checks.get('Pinned-Dependencies')!.details!;
    expect(verdict('Pinned-Dependencies')).toEqual({
      score: 0,
      findings: [
        'Warn: GitHub-owned GitHubAction not pinned by hash: .github/workflows/bad.yml',
        'Warn: containerImage not pinned by hash: Dockerfile',
        'Warn: goCommand not pinned by hash: .github/workflows/bad.yml',
        'Warn: goCommand not pinned by hash: installs/Dockerfile',
        'Warn: npmCommand not pinned by hash: .github/workflows/bad.yml',
        'Warn: npmCommand not pinned by hash: installs/Dockerfile',
        'Warn: pipCommand not pinned by hash: .github/workflows/bad.yml',
        'Warn: pipCommand not pinned by hash: installs/Dockerfile',
      ],
    });
    // Every FROM of bad.Dockerfile (by tag, a tag through an ARG, a digest through an ARG) and every
    // pip install of bad-installs.Dockerfile counts; its one FROM, by digest, does not.
    expect(details.filter((d) => /^Warn: containerImage .*: Dockerfile:/.test(d))).toHaveLength(3);
    expect(details).toContain('Info:   1 out of   4 containerImage dependencies pinned');
    expect(details).toContain('Info:   0 out of   5 pipCommand dependencies pinned');
  });

  test('Pinned-Dependencies: the known-good Dockerfile passes', () => {
    const good = tempdir('gitops-scorecard-good-');
    try {
      fs.copyFileSync(path.join(FIXTURES, 'pinned.Dockerfile'), path.join(good, 'Dockerfile'));
      const check = checksOf(good).get('Pinned-Dependencies')!;
      expect({ score: check.score, findings: warnings(check) }).toEqual({ score: 10, findings: [] });
      expect(check.details).toContain('Info:   4 out of   4 containerImage dependencies pinned');
    } finally {
      fs.rmSync(good, { recursive: true, force: true });
    }
  });

  test('Dangerous-Workflow: pull_request_target checking out the pull request, its title in a script', () => {
    expect(verdict('Dangerous-Workflow')).toEqual({
      score: 0,
      findings: [
        'Warn: script injection with untrusted input \' github.event.pull_request.title \': .github/workflows/bad.yml',
        'Warn: untrusted code checkout \'${{ github.event.pull_request.head.sha }}\': .github/workflows/bad.yml',
      ],
    });
  });

  test('Security-Policy: a SECURITY.md with nowhere to report and no disclosure wording', () => {
    expect(verdict('Security-Policy')).toEqual({
      score: 3,
      findings: ['Warn: One or no descriptive hints of disclosure, vulnerability, and/or timelines in security policy', 'Warn: no linked content found'],
    });
  });

  test('Binary-Artifacts, Packaging, Dependency-Update-Tool, SAST, License: each reports its absence', () => {
    expect(verdict('Binary-Artifacts')).toEqual({ score: 9, findings: ['Warn: binary detected: bin/tool'] });
    expect(verdict('Packaging')).toEqual({ score: -1, findings: ['Warn: no GitHub/GitLab publishing workflow detected.'] });
    expect(verdict('Dependency-Update-Tool')).toEqual({ score: 0, findings: ['Warn: no dependency update tool configurations found'] });
    expect(verdict('SAST')).toMatchObject({ score: 0 });
    expect(verdict('License')).toEqual({ score: 0, findings: ['Warn: project does not have a license file'] });
  });
});

describeWith(['scorecard'])('OpenSSF Scorecard v5.2.1: which checks run on a local directory', () => {
  test('every other check Scorecard lists is refused with --local, but the two that need the network', () => {
    const help = spawnSync(findTool('scorecard')!, ['--help'], { encoding: 'utf-8' });
    const listed = /--checks strings\s+Checks to run\. Possible values are: (\S+)/.exec(help.stdout)![1].split(',');
    expect(listed).toEqual(expect.arrayContaining([...CHECKS, ...Object.keys(NEEDS_NETWORK)]));
    const dir = tempdir('gitops-scorecard-empty-');
    try {
      for (const name of listed.filter((c) => !CHECKS.includes(c) && !NEEDS_NETWORK[c])) {
        const run = scorecard(dir, [name]);
        expect({ name, status: run.status, refused: run.stderr.includes(`Unsupported RequestType [0] by check: ${name}`) }).toEqual({ name, status: 1, refused: true });
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
