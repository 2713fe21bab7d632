/**
 * Order independence: the components read each other's facts late (in preSynthesize, lazily, or
 * when the synth starts), never in their constructors, so the order they are added in never
 * changes a file. Every exported component and every component a GitOpsProject wires is built,
 * with facts that differ from the defaults (default branch `trunk`, a tag pattern, a runner, a
 * private npm registry, KMS signing, three environments, a company template), in a sample of
 * orders (the reference, its reverse, every component first and every one last, and seeded
 * shuffles) and synthesized twice over the same folder (hand-over takes effect on the second).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Component, javascript, Project } from 'projen';
import * as api from '../../src';
import {
  ArgoCd, BranchProtection, CodeOwners, CodeQlWorkflow, ContainerBuildWorkflow, ContainerImage, DeliveryMetricsWorkflow, DependencyReviewWorkflow,
  DependencyUpdates, DeployCheckWorkflow, DriftCheckWorkflow, Environments, FluxSync, HelmChart, Iac, ImagePolicies, Infrastructure,
  InfraWorkflow, Promotion,
  RepoReadme, Repository, Runtime, SecurityPolicy, Signing, SigningMode, SyncGuard, Template,
} from '../../src';
import { FleetReportWorkflow } from '../../src/github/fleet-report-workflow';
import { PinBasesWorkflow } from '../../src/github/pin-bases-workflow';
import { RenovateConfig } from '../../src/github/renovate-config';
import { UpgradeWorkflow } from '../../src/github/upgrade-workflow';
import { BaseImageLock } from '../../src/model/base-images';
import { Upgrades } from '../../src/model/upgrades';
import { readTree, tempdir } from '../util';

process.env.PROJEN_DISABLE_POST = 'true';

type Add = (project: Project) => void;

const ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const KMS_KEY = 'awskms:///arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** The service a chart deploys: found by name, so a chart comes after its image (`after` below). */
function image(project: Project, name: string): ContainerImage {
  const found = ContainerImage.all(project).find((i) => i.serviceName === name);
  if (!found) throw new Error(`the order put the chart of '${name}' before its image`);
  return found;
}

/** Three environments, not the defaults: a gate on the second, approvers on the last. */
const ENVIRONMENTS: api.EnvironmentOptions[] = [{ name: 'dev' }, { name: 'qa', gates: { soak: '1h' } }, { name: 'prod', approvers: ['@acme/leads'] }];

/** The components whose facts the others read, with values that differ from every default. */
const FACTS: Record<string, Add> = {
  repository: (p) => new Repository(p, {
    repository: 'acme/orders',
    defaultBranch: 'trunk',
    tagPattern: 'release-*',
    runsOn: 'acme-runner',
    npmRegistry: { url: 'https://npm.acme.example/repository/npm/', scope: '@acme', tokenSecret: 'ACME_NPM_TOKEN' },
    baseImageMirror: 'mirror.acme.example/hub',
  }),
  environments: (p) => new Environments(p, { environments: ENVIRONMENTS }),
  signing: (p) => new Signing(p, { mode: SigningMode.KMS_KEY, key: KMS_KEY }),
  template: (p) => new Template(p, { template: '@acme/gitops-template', version: '1.2.0', ring: 'early' }),
  upgrades: (p) => new Upgrades(p),
  image: (p) => new ContainerImage(p, { registry: ECR }),
  worker: (p) => new ContainerImage(p, { serviceName: 'worker', path: 'services/worker', runtime: Runtime.GO, registry: ECR }),
  lock: (p) => new BaseImageLock(p),
};

/** What lives on any projen project (no GitHub needed). */
const ANYWHERE: Record<string, Add> = {
  ...FACTS,
  chart: (p) => new HelmChart(p, { image: image(p, 'orders'), replicas: 3 }),
  workerChart: (p) => new HelmChart(p, { image: image(p, 'worker') }),
  argocd: (p) => new ArgoCd(p),
  // Flux beside Argo CD: a project has one engine, but each must come out the same in any order.
  flux: (p) => new FluxSync(p),
  policies: (p) => new ImagePolicies(p),
  promotion: (p) => new Promotion(p),
  infra: (p) => new Infrastructure(p, { tool: Iac.TERRAFORM }),
  protection: (p) => new BranchProtection(p, { settingsApp: true }),
  owners: (p) => new CodeOwners(p, { owners: ['@acme/orders'] }),
  renovate: (p) => new RenovateConfig(p),
  updates: (p) => new DependencyUpdates(p),
  security: (p) => new SecurityPolicy(p),
  readme: (p) => new RepoReadme(p),
};

const GITHUB_COMPONENTS: Record<string, Add> = {
  ...ANYWHERE,
  build: (p) => new ContainerBuildWorkflow(p),
  pinBases: (p) => new PinBasesWorkflow(p),
  deploy: (p) => new DeployCheckWorkflow(p),
  metrics: (p) => new DeliveryMetricsWorkflow(p),
  infraWorkflow: (p) => new InfraWorkflow(p),
  codeql: (p) => new CodeQlWorkflow(p),
  upgrade: (p) => new UpgradeWorkflow(p),
  review: (p) => new DependencyReviewWorkflow(p),
  drift: (p) => new DriftCheckWorkflow(p),
  fleet: (p) => new FleetReportWorkflow(p, { topic: 'acme-gitops' }),
  guard: (p) => new SyncGuard(p, { handOver: ['Dockerfile', '.github/workflows/container.yml'] }),
};

const PLAIN_COMPONENTS: Record<string, Add> = {
  ...ANYWHERE,
  guard: (p) => new SyncGuard(p, { handOver: ['services/worker/Dockerfile'] }),
};

/** A component that takes another as an argument comes after it. */
const AFTER: Record<string, string> = { chart: 'image', workerChart: 'worker' };

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

/** An order with each component of `AFTER` moved right behind the one it takes as an argument. */
function constructible(order: string[]): string[] {
  const out = order.filter((n) => !(n in AFTER) || !order.includes(AFTER[n]));
  for (const name of order.filter((n) => n in AFTER && order.includes(AFTER[n]))) {
    out.splice(out.indexOf(AFTER[name]) + 1, 0, name);
  }
  return out;
}

/**
 * The reference order, its reverse, each rotation of the reference and of its reverse (every
 * component first once and last once in each direction), and seeded shuffles.
 */
function orders(names: string[], shuffles: number): string[][] {
  const reverse = [...names].reverse();
  const sample = [names, reverse];
  for (const base of [names, reverse]) {
    for (let i = 1; i < base.length; i++) sample.push([...base.slice(i), ...base.slice(0, i)]);
  }
  for (let seed = 1; seed <= shuffles; seed++) sample.push(shuffled(names, seed));
  const seen = new Set<string>();
  return sample.map(constructible).filter((order) => !seen.has(order.join()) && seen.add(order.join()) !== undefined);
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
    try {
      const project = make(outdir);
      for (const name of order) components[name](project);
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

const nodeProject = (outdir: string): Project => new javascript.NodeProject({
  name: 'orders',
  defaultReleaseBranch: 'trunk',
  outdir,
  github: true,
  buildWorkflow: false,
  release: false,
  githubOptions: { mergify: false, pullRequestLint: false },
  depsUpgrade: false,
  projenrcJson: false,
  jest: false,
});
const plainProject = (outdir: string): Project => new Project({ name: 'orders', outdir });

/** Where a default branch other than `trunk` would show: each spelling the generated files use for the branch. */
const OTHER_BRANCH = [
  /refs\/heads\/(?!trunk\b)[\w./-]+/,
  /protect-(?!trunk\b|release-tags\b)[\w.-]+\.json/,
  /targetRevision: (?!trunk$)\S+$/m,
  /"defaultBranch": "(?!trunk")/,
  /^\s+branches:\n\s+- (?!trunk$)\S+$/m,
  /--base "\$BASE"[\s\S]*BASE: (?!trunk$)\S+$/m,
];

describe.each([
  ['a javascript.NodeProject with GitHub', GITHUB_COMPONENTS, 8, nodeProject],
  ['a plain projen Project', PLAIN_COMPONENTS, 6, plainProject],
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

  // The facts last: every reader was added before what it reads.
  test('with the facts added after every reader, the files carry the facts (default branch trunk, its environments)', () => {
    const factsLast = constructible([...names.filter((n) => !(n in FACTS)), ...names.filter((n) => n in FACTS)]);
    const [first] = synthTwice(make, components, factsLast);
    expect(first.startsWith('[')).toBe(true);
    const files = new Map<string, string>(JSON.parse(first));
    const wrong = [...files].flatMap(([file, text]) => OTHER_BRANCH.filter((re) => re.test(text)).map((re) => `${file}: ${re.exec(text)![0]}`));
    const where = ['deploy/promotion.json', 'deploy/argocd/prod.yaml', 'deploy/environments/qa/values/orders.yaml', 'deploy/policies/prod/cluster-image-policy.yaml', 'infra/environments/prod/namespace.tf', '.github/rulesets/protect-trunk.json', 'renovate.json',
      ...(names.includes('build') ? ['.github/workflows/promote.yml', '.github/workflows/upgrade.yml'] : [])];
    // Every job runs on the repository's runner (the fleet report's has an option of its own).
    const runners = [...files].filter(([f]) => f.startsWith('.github/workflows/') && f !== '.github/workflows/fleet-report.yml')
      .flatMap(([f, text]) => [...text.matchAll(/runs-on: (.*)$/gm)].filter((m) => m[1] !== 'acme-runner').map((m) => `${f}: ${m[0]}`));
    expect({
      otherBranch: wrong,
      missing: where.filter((f) => !files.has(f)),
      otherRunner: [...new Set(runners)],
      templateRing: files.get('.projen-gitops.json')?.includes('"ring": "early"'),
    }).toEqual({ otherBranch: [], missing: [], otherRunner: [], templateRing: true });
  });

  /** Fails on the first file of either synth that differs from the reference order's. */
  function expectReferenceFiles(results: string[]) {
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
  }

  test.each(others.map((order) => [order.join(' '), order]))('%s', (_name, order) => {
    expectReferenceFiles(synthTwice(make, components, order as string[]));
  });

  // An environment added with addEnvironment() is read as late as the list itself: the facts that
  // depend on the whole list (the last one syncs by hand) and every file per environment follow.
  test.each([
    ['in the reference order, the environments after dev added last', (base: string[]) => [...base, 'addEnvironments']],
    ['the environments component first, the environments after dev added last', (base: string[]) => ['environments', ...base.filter((n) => n !== 'environments'), 'addEnvironments']],
  ])('addEnvironment() gives the files of the environments option: %s', (_name, order) => {
    const added: Record<string, Add> = {
      ...components,
      environments: (p) => new Environments(p, { environments: ENVIRONMENTS.slice(0, 1) }),
      addEnvironments: (p) => ENVIRONMENTS.slice(1).forEach((env) => Environments.of(p)!.addEnvironment(env)),
    };
    expectReferenceFiles(synthTwice(make, added, order(reference)));
  });
});

test('the sample covers every component first and last, and every exported component', () => {
  const names = Object.keys(GITHUB_COMPONENTS);
  const sample = orders(names, 8);
  for (const name of names) {
    // A component that takes another as an argument is first right after it; one taken is last right before it.
    expect([name, sample.some((o) => o[0] === name || (name in AFTER && o[0] === AFTER[name] && o[1] === name))]).toEqual([name, true]);
    const taken = Object.keys(AFTER).find((k) => AFTER[k] === name);
    const last = (o: string[]) => o[o.length - 1] === name || (taken !== undefined && o[o.length - 1] === taken && o[o.length - 2] === name);
    expect([name, sample.some(last)]).toEqual([name, true]);
  }
  expect(sample.length).toBeGreaterThanOrEqual(2 * names.length);
  // A component exported later joins the sample, or this fails.
  const ABSTRACT = ['Service', 'ServiceManifests', 'ImagePublisher', 'InfraCode'];
  const exported = Object.entries(api).filter(([name, value]) => typeof value === 'function' && value.prototype instanceof Component && !ABSTRACT.includes(name)) as Array<[string, Function]>;
  const project = nodeProject(tempdir('gitops-order-'));
  for (const name of constructible(names)) GITHUB_COMPONENTS[name](project);
  const missing = exported.filter(([, cls]) => !project.components.some((c) => c instanceof cls)).map(([name]) => name);
  expect(missing).toEqual([]);
  fs.rmSync(project.outdir, { recursive: true, force: true });
  expect(path.basename(__filename)).toBe('order.test.ts');
});
