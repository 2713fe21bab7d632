/**
 * Order independence: the components wire themselves in preSynthesize through `X.of(project)`
 * lookups, so the order they are added in never changes a file. Each project is built in a
 * sample of orders (the reference, its reverse, every component first and last, and seeded
 * shuffles) and synthesized twice over the same folder (hand-over takes effect on the second).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { javascript, Project } from 'projen';
import {
  BranchProtection, CodeOwners, CodeQlWorkflow, ContainerBuildWorkflow, ContainerImage, DependencyReviewWorkflow,
  DependencyUpdates, DriftCheckWorkflow, RepoReadme, Runtime, SecurityPolicy, SyncGuard,
} from '../../src';
import { readTree, tempdir } from '../util';

process.env.PROJEN_DISABLE_POST = 'true';

type Add = (project: Project) => void;

const GITHUB_COMPONENTS: Record<string, Add> = {
  image: (p) => new ContainerImage(p, {}),
  worker: (p) => new ContainerImage(p, { serviceName: 'worker', path: 'services/worker', runtime: Runtime.GO }),
  build: (p) => new ContainerBuildWorkflow(p),
  codeql: (p) => new CodeQlWorkflow(p),
  protection: (p) => new BranchProtection(p),
  updates: (p) => new DependencyUpdates(p),
  review: (p) => new DependencyReviewWorkflow(p),
  drift: (p) => new DriftCheckWorkflow(p),
  owners: (p) => new CodeOwners(p, { owners: ['@acme/orders'] }),
  security: (p) => new SecurityPolicy(p),
  readme: (p) => new RepoReadme(p),
  guard: (p) => new SyncGuard(p, { handOver: ['Dockerfile', '.github/workflows/container.yml'] }),
};

const PLAIN_COMPONENTS: Record<string, Add> = {
  image: (p) => new ContainerImage(p, {}),
  worker: (p) => new ContainerImage(p, { serviceName: 'worker', path: 'services/worker', runtime: Runtime.PYTHON }),
  security: (p) => new SecurityPolicy(p),
  readme: (p) => new RepoReadme(p),
  guard: (p) => new SyncGuard(p, { handOver: ['services/worker/Dockerfile'] }),
};

/** Deterministic shuffles (a linear congruential generator), so a failure names a reproducible order. */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function orders(names: string[], shuffles: number): string[][] {
  const sample = [names, [...names].reverse()];
  for (const name of names) {
    const rest = names.filter((n) => n !== name);
    sample.push([name, ...rest], [...rest, name]);
  }
  for (let seed = 1; seed <= shuffles; seed++) sample.push(shuffled(names, seed));
  const seen = new Set<string>();
  return sample.filter((order) => !seen.has(order.join()) && seen.add(order.join()) !== undefined);
}

/**
 * projen writes `.gitignore` lines in the order files are constructed, so only that order may
 * differ; git's own matcher (`git check-ignore`) must then give every path the same verdict.
 */
function ignoredPaths(gitignore: string, paths: string[]): string[] {
  const repo = tempdir('gitops-ignore-');
  spawnSync('git', ['init', '-q'], { cwd: repo });
  fs.writeFileSync(path.join(repo, '.gitignore'), gitignore);
  const result = spawnSync('git', ['check-ignore', '--no-index', '--stdin'], { cwd: repo, input: paths.join('\n'), encoding: 'utf-8' });
  fs.rmSync(repo, { recursive: true, force: true });
  if (result.status !== 0 && result.status !== 1) throw new Error(`git check-ignore failed: ${result.stderr}`);
  return result.stdout.split('\n').filter(Boolean).sort();
}

const PROBES = ['node_modules/x', '.projen/gitops.lock', '.gitops-backups/x/Dockerfile', '.env', 'coverage/x', 'x.log'];

/** The tree with `.gitignore` as its sorted lines, and the record without its `.gitignore` hash. */
function normalized(files: Map<string, string>): Map<string, string> {
  const out = new Map(files);
  const gitignore = files.get('.gitignore');
  if (gitignore !== undefined) out.set('.gitignore', gitignore.split('\n').sort().join('\n'));
  const record = files.get('.projen/gitops-state.json');
  if (record !== undefined) out.set('.projen/gitops-state.json', record.replace(/^\["managed",".gitignore","[0-9a-f]{64}"\],\n/m, ''));
  return out;
}

/** Every file after each of two synths over one folder, or the error a synth threw. */
function synthTwice(make: (outdir: string) => Project, components: Record<string, Add>, order: string[]): string[] {
  const outdir = tempdir('gitops-order-');
  const results: string[] = [];
  for (let run = 0; run < 2; run++) {
    const project = make(outdir);
    for (const name of order) components[name](project);
    try {
      project.synth();
      SyncGuard.of(project)?.recordSynth();
      const files = readTree(outdir);
      results.push(JSON.stringify(Object.keys(files).sort().map((f) => [f, files[f]])));
    } catch (error) {
      results.push(`synth ${run + 1} threw: ${(error as Error).message}`);
    }
  }
  fs.rmSync(outdir, { recursive: true, force: true });
  return results;
}

describe.each([
  ['a javascript.NodeProject with GitHub', GITHUB_COMPONENTS, 10, (outdir: string): Project => new javascript.NodeProject({
    name: 'orders',
    defaultReleaseBranch: 'main',
    outdir,
    github: true,
    buildWorkflow: false,
    release: false,
    githubOptions: { mergify: false, pullRequestLint: false },
    depsUpgrade: false,
    projenrcJson: false,
    jest: false,
  })],
  ['a plain projen Project', PLAIN_COMPONENTS, 6, (outdir: string): Project => new Project({ name: 'orders', outdir })],
])('on %s, the order components are added in changes no file', (_kind, components, shuffles, make) => {
  const names = Object.keys(components);
  const [reference, ...others] = orders(names, shuffles);
  let expected: string[];

  beforeAll(() => {
    expected = synthTwice(make, components, reference);
  });

  test('the reference order synthesizes, and hand-over takes effect on the second synth', () => {
    expect(expected.filter((r) => r.includes(' threw: '))).toEqual([]);
    const second = new Map<string, string>(JSON.parse(expected[1]));
    const handedOver = names.includes('build') ? 'Dockerfile' : 'services/worker/Dockerfile';
    expect(second.has(handedOver)).toBe(true);
    const manifest = JSON.parse(second.get('.projen/files.json')!);
    expect(manifest.files).not.toContain(handedOver);
    expect(second.get('.projen/gitops-state.json')).toContain(`["handed-over",${JSON.stringify(handedOver)}]`);
  });

  test.each(others.map((order) => [order.join(' '), order]))('%s', (_name, order) => {
    const results = synthTwice(make, components, order as string[]);
    for (let run = 0; run < 2; run++) {
      if (results[run] === expected[run]) continue;
      const mineRaw = new Map<string, string>(results[run].startsWith('[') ? JSON.parse(results[run]) : []);
      const theirsRaw = new Map<string, string>(JSON.parse(expected[run]));
      const paths = [...new Set([...mineRaw.keys(), ...theirsRaw.keys(), ...PROBES])];
      if (mineRaw.has('.gitignore') && mineRaw.get('.gitignore') !== theirsRaw.get('.gitignore')) expect(ignoredPaths(mineRaw.get('.gitignore')!, paths)).toEqual(ignoredPaths(theirsRaw.get('.gitignore')!, paths));
      // Name the first file that differs instead of printing two whole trees.
      const mine = normalized(mineRaw);
      const theirs = normalized(theirsRaw);
      const differing = [...new Set([...mine.keys(), ...theirs.keys()])].filter((f) => mine.get(f) !== theirs.get(f)).sort((a, b) => Number(a.startsWith('.projen/')) - Number(b.startsWith('.projen/')));
      expect({ run: run + 1, error: results[run].startsWith('[') ? undefined : results[run], differing, first: differing[0] && { got: mine.get(differing[0]), expected: theirs.get(differing[0]) } })
        .toEqual({ run: run + 1, error: undefined, differing: [], first: undefined });
    }
  });
});

test('the sample covers every component first and last', () => {
  const names = Object.keys(GITHUB_COMPONENTS);
  const sample = orders(names, 10);
  for (const name of names) {
    expect(sample.some((o) => o[0] === name)).toBe(true);
    expect(sample.some((o) => o[o.length - 1] === name)).toBe(true);
  }
  expect(sample.length).toBeGreaterThanOrEqual(30);
  expect(path.basename(__filename)).toBe('order.test.ts');
});
