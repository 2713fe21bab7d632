/**
 * OpenSSF Scorecard's checks that can be evaluated on a local checkout, as fast stand-ins in the
 * unit suite: the real Scorecard v5.2.1 runs in test/e2e/scorecard.test.ts (built by
 * scripts/build-scorecard.sh); each check below is our own assertion,
 * named after the Scorecard check it stands for (github.com/ossf/scorecard, docs/checks.md),
 * run over generated repositories (test/configurations.ts) and over known-bad fixtures
 * (test/fixtures/scorecard/) that must fail it. Pinned-Dependencies over Dockerfiles is
 * Scorecard v5.2.1's own rule, ported in test/scorecard-rules.ts.
 *
 * Accepted findings (documented in docs/testing.md and the generated README): until the
 * pin-base-images workflow has run once, `base-images.lock.yaml` holds no digests and the
 * Dockerfiles build from tags, so Pinned-Dependencies is checked here after the lock is filled,
 * on the Dockerfiles synth then writes; and Runtime.PYTHON_PYPROJECT installs pyproject.toml's
 * dependencies by version (a pyproject.toml carries no hashes), so its `pip install` is unpinned.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { CONFIGURATIONS, configurationProject } from './configurations';
import { dockerfileImages, dockerfileInstalls } from './scorecard-rules';
import { readTree } from './util';
import { BASE_IMAGES_LOCK, lockText, parseLock } from '../src/model/base-images';

const FIXTURES = path.join(__dirname, 'fixtures', 'scorecard');
// Repositories with 'repository' set (SECURITY.md links GitHub's private reporting form), every signing mode.
const SAMPLE = ['deploy', 'signing-keyless', 'signing-kms-aws', 'signing-kms-vault-public', 'infra-ecr', 'infra-gar'];

/** Token-Permissions: a top-level `permissions` that is read-only (no write-all, no write scope). */
export function tokenPermissions(workflow: any): string[] {
  const top = workflow.permissions;
  const findings = top === undefined ? ['no top-level permissions (the token gets the repository default, often write)']
    : typeof top === 'string' ? (top === 'read-all' ? [] : [`top-level permissions: ${top}`])
      : Object.entries(top).filter(([, level]) => level === 'write').map(([scope]) => `top-level ${scope}: write`);
  for (const [id, job] of Object.entries<any>(workflow.jobs ?? {})) {
    if (job.permissions === 'write-all') findings.push(`job ${id}: permissions write-all`);
  }
  return findings;
}

/** Pinned-Dependencies (workflows): actions by full commit SHA, no unpinned installs in scripts. */
export function pinnedWorkflow(workflow: any): string[] {
  const findings: string[] = [];
  for (const [id, job] of Object.entries<any>(workflow.jobs ?? {})) {
    for (const step of job.steps ?? []) {
      if (typeof step.uses === 'string' && !step.uses.startsWith('./') && !/@[0-9a-f]{40}$/.test(step.uses)) findings.push(`job ${id}: ${step.uses} not pinned by commit SHA`);
      const run = String(step.run ?? '');
      if (/\bnpm (?:install|i)\b/.test(run)) findings.push(`job ${id}: npm install (npm ci installs the lock file)`);
      if (/\bpip3? install\b/.test(run) && !/--require-hashes/.test(run)) findings.push(`job ${id}: pip install without --require-hashes`);
      if (/\bgo install \S+@latest\b/.test(run) || /\bgo install [^@\s]+(?:\s|$)/.test(run.replace(/"\$\w+"/g, 'VAR@v'))) findings.push(`job ${id}: go install without a version`);
      if (/\bcurl\b[^|\n]*\|\s*(?:ba)?sh\b/.test(run)) findings.push(`job ${id}: a downloaded script piped into a shell`);
    }
  }
  return findings;
}

/**
 * Pinned-Dependencies (Dockerfiles, FROM), as Scorecard decides it: ARG values are never
 * resolved, so a FROM is pinned only when its image, as written, matches
 * `.*@sha256:([a-f\d]{64}|\${.*})`, or names a pinned stage (ossf/scorecard v5.2.1,
 * checks/raw/pinned_dependencies.go, ported in test/scorecard-rules.ts).
 */
export function pinnedDockerfile(text: string): string[] {
  return dockerfileImages(text).filter((d) => !d.pinned).map((d) => `FROM ${d.name} not pinned by digest`);
}

/**
 * Pinned-Dependencies (Dockerfiles, RUN): the pip, npm and go installs Scorecard counts as
 * unpinned (checks/raw/shell_download_validate.go, ported in test/scorecard-rules.ts).
 */
export function pinnedDockerfileInstalls(text: string): string[] {
  return dockerfileInstalls(text).filter((d) => !d.pinned).map((d) => `line ${d.line}: ${d.kind}: ${d.name}`);
}

/**
 * What Scorecard takes on trust in `@sha256:${NAME}`: our own check that each such arg's default
 * (before the first FROM) is a digest, so the FROM pulls by the digest the lock holds.
 */
export function digestArgDefaults(text: string): string[] {
  const header = text.split(/^FROM /m)[0];
  const args = new Map([...header.matchAll(/^ARG (\w+)="?([^"\s]*)"?$/gm)].map((m) => [m[1], m[2]]));
  const findings: string[] = [];
  for (const m of text.matchAll(/@sha256:\$\{(\w+)\}/g)) {
    if (!/^[0-9a-f]{64}$/.test(args.get(m[1]) ?? '')) findings.push(`ARG ${m[1]} has no digest default, got ${JSON.stringify(args.get(m[1]))}`);
  }
  return findings;
}

/** Dangerous-Workflow: untrusted input expanded in scripts; pull_request_target running the pull request's code. */
export function dangerousWorkflow(workflow: any): string[] {
  const findings: string[] = [];
  const untrusted = /\$\{\{\s*github\.(?:event\.(?:pull_request\.(?:title|body|head\.ref|head\.label)|issue\.(?:title|body)|comment\.body|review\.body|review_comment\.body|head_commit\.(?:message|author)|commits|pages|workflow_run\.head_branch)|head_ref)/;
  const on = workflow.on ?? workflow[true as any];
  const triggers = typeof on === 'string' ? [on] : Array.isArray(on) ? on : Object.keys(on ?? {});
  const privileged = triggers.includes('pull_request_target') || triggers.includes('workflow_run');
  for (const [id, job] of Object.entries<any>(workflow.jobs ?? {})) {
    for (const step of job.steps ?? []) {
      if (step.run && untrusted.test(String(step.run))) findings.push(`job ${id}: untrusted input in a run script`);
      if (privileged && /actions\/checkout@/.test(String(step.uses ?? '')) && /github\.event\.(?:pull_request|workflow_run)\.head/.test(JSON.stringify(step.with ?? {}))) {
        findings.push(`job ${id}: ${triggers.join('/')} checks out untrusted code`);
      }
    }
  }
  return findings;
}

/** Security-Policy: SECURITY.md with a way to report (an email or a URL) and disclosure wording. */
export function securityPolicy(text: string | undefined): string[] {
  if (text === undefined) return ['no SECURITY.md'];
  const findings: string[] = [];
  if (!/[\w.+-]+@[\w-]+\.[\w.-]+|https?:\/\/\S+/.test(text)) findings.push('no email address or URL to report to');
  if (!/vulnerabilit|disclos/i.test(text)) findings.push('no word about reporting vulnerabilities or disclosure');
  if (text.replace(/\s+/g, ' ').length < 200) findings.push('too short to say how reports are handled');
  return findings;
}

const workflowsOf = (tree: Record<string, string>) => Object.entries(tree).filter(([f]) => /^\.github\/workflows\/[^/]+\.ya?ml$/.test(f)).map(([f, t]) => [f, parse(t)] as const);

describe('OpenSSF Scorecard checks, evaluated locally (stand-ins; the real Scorecard runs in the e2e suite)', () => {
  const generated = new Map<string, Record<string, string>>();
  // Every synth here is in-process: no post-synth install (under CI=true projen runs `npm ci`
  // in a directory with no lock file and fails).
  const savedDisablePost = process.env.PROJEN_DISABLE_POST;
  beforeAll(() => { process.env.PROJEN_DISABLE_POST = 'true'; });
  afterAll(() => {
    if (savedDisablePost === undefined) delete process.env.PROJEN_DISABLE_POST;
    else process.env.PROJEN_DISABLE_POST = savedDisablePost;
  });

  /** A configuration synthesized, then again after the pin-base-images pull request merged (every tag with a digest). */
  const pinnedTree = (name: string): Record<string, string> => {
    const configuration = CONFIGURATIONS.find((c) => c.name === name)!;
    const project = configurationProject(configuration);
    project.synth();
    // The digests are test values (this is about what synth writes from a filled lock).
    const lockFile = path.join(project.outdir, BASE_IMAGES_LOCK);
    const refs = Object.keys(parseLock(fs.readFileSync(lockFile, 'utf-8')).digests);
    fs.writeFileSync(lockFile, lockText(Object.fromEntries(refs.map((r, i) => [r, `sha256:${String(i).padStart(64, 'f')}`]))));
    configurationProject({ ...configuration, options: { ...configuration.options, outdir: project.outdir } }).synth();
    return readTree(project.outdir);
  };

  beforeAll(() => {
    for (const name of SAMPLE) generated.set(name, pinnedTree(name));
  }, 300_000);

  const badWorkflow = () => parse(fs.readFileSync(path.join(FIXTURES, 'bad-workflow.yml'), 'utf-8'));

  test('Token-Permissions: every generated workflow has read-only top-level permissions', () => {
    for (const [name, tree] of generated) {
      const workflows = workflowsOf(tree);
      expect(workflows.length).toBeGreaterThan(3);
      for (const [file, wf] of workflows) expect({ file: `${name}/${file}`, findings: tokenPermissions(wf) }).toEqual({ file: `${name}/${file}`, findings: [] });
    }
    expect(tokenPermissions(badWorkflow())).toEqual(['no top-level permissions (the token gets the repository default, often write)', 'job build: permissions write-all']);
  });

  test('Pinned-Dependencies: actions by SHA, installs pinned, every FROM by digest once the lock is filled', () => {
    for (const [name, tree] of generated) {
      for (const [file, wf] of workflowsOf(tree)) expect({ file: `${name}/${file}`, findings: pinnedWorkflow(wf) }).toEqual({ file: `${name}/${file}`, findings: [] });
      const dockerfiles = Object.keys(tree).filter((f) => path.basename(f) === 'Dockerfile');
      expect(dockerfiles.length).toBeGreaterThan(0);
      for (const file of dockerfiles) {
        const findings = [...pinnedDockerfile(tree[file]), ...pinnedDockerfileInstalls(tree[file]), ...digestArgDefaults(tree[file])];
        expect({ file: `${name}/${file}`, findings }).toEqual({ file: `${name}/${file}`, findings: [] });
      }
    }
    expect(pinnedWorkflow(badWorkflow())).toEqual([
      'job build: actions/checkout@v4 not pinned by commit SHA',
      'job build: npm install (npm ci installs the lock file)',
      'job build: pip install without --require-hashes',
      'job build: go install without a version',
    ]);
  });

  test('Pinned-Dependencies (Dockerfiles): every runtime preset, FROM by digest and installs pinned, but pyproject.toml (accepted)', () => {
    const names = CONFIGURATIONS.map((c) => c.name).filter((n) => n.startsWith('runtime-') && n !== 'runtime-custom');
    expect(names.length).toBeGreaterThanOrEqual(7);
    for (const name of [...names, 'multi-service']) {
      const tree = pinnedTree(name);
      const dockerfiles = Object.keys(tree).filter((f) => path.basename(f) === 'Dockerfile');
      expect({ name, dockerfiles: dockerfiles.length > 0 }).toEqual({ name, dockerfiles: true });
      for (const file of dockerfiles) {
        const findings = [...pinnedDockerfile(tree[file]), ...pinnedDockerfileInstalls(tree[file]), ...digestArgDefaults(tree[file])];
        // The accepted finding: pyproject.toml's dependencies carry no hashes (docs/testing.md, the README).
        const accepted = name === 'runtime-python-pyproject' ? [expect.stringMatching(/^line \d+: pip: \/opt\/venv\/bin\/pip install -r \/tmp\/requirements\.txt$/)] : [];
        expect({ file: `${name}/${file}`, findings }).toEqual({ file: `${name}/${file}`, findings: accepted });
        if (accepted.length) expect(tree['README.md']).toMatch(/pyproject\.toml.*by version, not by hash/s);
        if (name === 'runtime-python') expect(tree['README.md']).toContain('`pip install --require-hashes`');
      }
    }
  }, 120_000);

  test('Pinned-Dependencies (Dockerfiles): the known-bad fixtures fail as Scorecard fails them, the known-good one passes', () => {
    const fixture = (file: string) => fs.readFileSync(path.join(FIXTURES, file), 'utf-8');
    // A digest reached only through an ARG is not pinned: Scorecard never resolves ARG values.
    expect(pinnedDockerfile(fixture('bad.Dockerfile'))).toEqual([
      'FROM ${BASE_IMAGE} not pinned by digest',
      'FROM ${PINNED_IMAGE} not pinned by digest',
      'FROM node:22-bookworm-slim not pinned by digest',
    ]);
    expect(pinnedDockerfileInstalls(fixture('bad-installs.Dockerfile'))).toEqual([
      'line 5: pip: /opt/venv/bin/pip install -r requirements.txt',
      'line 7: pip: python3 -m pip install requests==2.32.3',
      'line 8: pip: pip3 install flask',
      'line 9: pip: pip install -r requirements.txt',
      'line 11: npm: npm install -g some-tool',
      'line 11: go: go install example.com/tool@latest',
    ]);
    const good = fixture('pinned.Dockerfile');
    expect(dockerfileImages(good).map((d) => d.pinned)).toEqual([true, true, true, true]);
    expect(dockerfileInstalls(good).map((d) => `${d.kind} ${d.pinned}`)).toEqual(['pip true', 'pip true', 'pip true', 'npm true', 'go true']);
    expect([...pinnedDockerfile(good), ...pinnedDockerfileInstalls(good), ...digestArgDefaults(good)]).toEqual([]);
    // Our own check of what Scorecard takes on trust: `@sha256:${ARG}` with no digest behind it.
    expect(digestArgDefaults('ARG BASE_IMAGE=x\nARG BASE_IMAGE_SHA256=latest\nFROM ${BASE_IMAGE}@sha256:${BASE_IMAGE_SHA256} AS a\n')).toEqual(['ARG BASE_IMAGE_SHA256 has no digest default, got "latest"']);
  });

  test('Pinned-Dependencies, the accepted finding: before the first pin-base-images run the FROM lines use tags', () => {
    const project = configurationProject(CONFIGURATIONS.find((c) => c.name === 'runtime-python')!);
    const tree = readTree((project.synth(), project.outdir));
    expect(pinnedDockerfile(tree.Dockerfile).length).toBeGreaterThan(0);
    expect(tree['README.md']).toContain('**Not pinned yet**');
  });

  test('Dangerous-Workflow: no untrusted input in scripts, no privileged trigger running pull request code', () => {
    for (const [name, tree] of generated) {
      for (const [file, wf] of workflowsOf(tree)) expect({ file: `${name}/${file}`, findings: dangerousWorkflow(wf) }).toEqual({ file: `${name}/${file}`, findings: [] });
    }
    expect(dangerousWorkflow(badWorkflow())).toEqual(['job build: pull_request_target checks out untrusted code', 'job build: untrusted input in a run script']);
  });

  test('Security-Policy: SECURITY.md says where and how to report', () => {
    for (const [name, tree] of generated) expect({ name, findings: securityPolicy(tree['SECURITY.md']) }).toEqual({ name, findings: [] });
    // Without the repository (nor securityContact) there is no address to give: Scorecard's finding, documented.
    const unknown = configurationProject(CONFIGURATIONS.find((c) => c.name === 'runtime-python')!);
    expect(securityPolicy(readTree((unknown.synth(), unknown.outdir))['SECURITY.md'])).toEqual(['no email address or URL to report to']);
    expect(securityPolicy(fs.readFileSync(path.join(FIXTURES, 'BAD-SECURITY.md'), 'utf-8'))).toEqual([
      'no email address or URL to report to',
      'no word about reporting vulnerabilities or disclosure',
      'too short to say how reports are handled',
    ]);
    expect(securityPolicy(undefined)).toEqual(['no SECURITY.md']);
  });
});
