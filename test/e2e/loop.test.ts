/**
 * What is on main is what is deployed, proven with the real pieces: a repository made with
 * `projen new --from` the packed module (two services, three environments, `repositoryUrl`
 * pointing at a local `git daemon`), Argo CD v3.6 in core mode syncing it into a Kubernetes
 * v1.36 control plane whose pods run on kwok's fake node, everything on loopback in a network
 * namespace of its own (test/e2e/loop.ts). The bootstrap is the documented command, as a
 * cluster admin types it; the promotion is our own `projen-gitops promote` against the fake
 * GitHub API (cosign is the labelled TEST DOUBLE of the promotion e2e test: the real one
 * needs Sigstore and a registry), merged by the test as GitHub would. Pushes are picked up
 * through Argo CD's refresh annotation, which is what its webhook sets. Argo CD's notifications
 * controller writes the deployment records to the same fake GitHub API (reached from the
 * namespace as `githubUrl: http://127.0.0.1:9080`, a GitHub Enterprise Server's `/api/v3`),
 * authenticated as a GitHub App whose key the test makes, and the promotion gates read them
 * back. The timings are printed and recorded in docs/benchmarks.md.
 *
 * Needs `npx projen compile && npx projen package:js` (the packed module), the builds of
 * scripts/build-kube-apiserver.sh and scripts/build-argo-cd.sh, redis-tools, iproute2,
 * util-linux, and root.
 */
import { spawn } from 'child_process';
import { generateKeyPairSync } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { parseDocument } from 'yaml';
import { parseObjects } from './apiserver';
import { ARGOCD_NS, GITHUB_PORT, Loop, loopTools, Verdict } from './loop';
import { DEVELOPER_ENV } from './presets';
import { bootstrap, packedModuleSpec, run, userEnv } from '../../scripts/bootstrap';
import { evaluateGates, readDeploymentRecords } from '../../src/cli/gates';
import { githubApi } from '../../src/cli/github-client';
import { FakeGitHub } from '../fake-github';
import { describeUnless } from '../tools';
import { tempdir } from '../util';

const tools = loopTools();
const describeLoop = describeUnless(tools);

const SERVICES = ['orders', 'worker'];
const ENVS = ['dev', 'staging', 'prod'];
// owner/name in the path: Argo CD's GitHub notifier takes the repository from repoURL's first two path parts.
const REPO_URL = 'git://127.0.0.1:9418/acme/orders.git';
/** The GitHub App Argo CD's notifications authenticate as (its private key is made in beforeAll). */
const APP = { id: 424242, installationId: 4242 };
// The signer: on a GitHub Enterprise Server (githubUrl below) only a KMS key signs (docs/signing.md).
const SIGNING_KEY = 'hashivault://images';
const digest = (c: string) => `sha256:${c.repeat(64)}`;
// A server on loopback has no GitHub Container registry (it needs subdomain isolation, so a host
// name): the images name a registry of their own. The pods run on kwok's fake node: nothing pulls.
const REGISTRY = 'registry.acme.test';
const apps = (env: string, services = SERVICES) => services.map((s) => `${s}-${env}`);

let root: string;
let work: string;
let loop: Loop;
let github: FakeGitHub;
let apiUrl: string;
let appKey: string;
/** Seconds, by step, printed at the end and recorded in docs/benchmarks.md. */
const timings: Record<string, number> = {};

function git(...args: string[]): string {
  const r = run('git', args, work);
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

function sh(command: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  const r = run(command, args, work, { ...DEVELOPER_ENV, ...env });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Commits everything and pushes it to the served repository's main; returns the commit. */
function pushMain(message: string): string {
  git('add', '--all');
  git('-c', 'user.name=dev', '-c', 'user.email=dev@example.com', 'commit', '--quiet', '-m', message);
  git('push', '--quiet', 'origin', 'HEAD:refs/heads/main');
  return git('rev-parse', 'HEAD');
}

/** `projen-gitops promote` as the workflows run it, without blocking this process (the fake API answers from it). */
function promote(args: string[]): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const env = userEnv({ ...DEVELOPER_ENV, GH_TOKEN: github.token, GITHUB_TOKEN: '', GITHUB_API_URL: apiUrl, PATH: `${path.join(root, 'bin')}${path.delimiter}${process.env.PATH}` });
    const child = spawn('npx', ['projen-gitops', 'promote', ...args], { cwd: work, env });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (status) => resolve({ status, output }));
  });
}

/** Merges a promotion pull request into main as GitHub would (fast-forward here) and closes it; returns main's commit. */
function merge(number: number): string {
  const pull = github.pulls.get(number);
  git('fetch', '--quiet', 'origin');
  git('checkout', '--quiet', '-B', 'main', 'origin/main');
  git('-c', 'user.name=dev', '-c', 'user.email=dev@example.com', 'merge', '--quiet', '--no-edit', `origin/${pull.head.ref}`);
  git('push', '--quiet', 'origin', 'HEAD:refs/heads/main');
  pull.state = 'closed';
  return git('rev-parse', 'HEAD');
}

/** The first ```sh block of a doc after `marker` (dedented): what a reader types. */
function docBlock(doc: string, marker: string): string {
  const text = fs.readFileSync(path.join(__dirname, '..', '..', doc), 'utf-8');
  const at = text.indexOf(marker);
  const block = at < 0 ? null : /\n( *)```sh\n([\s\S]*?)\n *```/.exec(text.slice(at));
  if (!block) throw new Error(`${doc} has no sh block after "${marker}"`);
  return block[2].split('\n').map((l) => l.slice(block[1].length)).join('\n') + '\n';
}

/** The fake API's deployments of an environment, newest first, each with its statuses (oldest first), as GitHub lists them. */
interface SeenDeployment {
  readonly ref: string;
  readonly sha: string;
  readonly environment: string;
  readonly statuses: Array<{ state: string; description: string; createdAt: string }>;
}
function deploymentsOf(env: string): SeenDeployment[] {
  return [...github.deployments.values()].filter((d) => d.deployment.environment === env).reverse().map((d) => ({
    ref: d.deployment.ref,
    sha: d.deployment.sha,
    environment: d.deployment.environment,
    statuses: d.statuses.map((st) => ({ state: st.state, description: st.description, createdAt: st.created_at })),
  }));
}

/** Seconds from `since` (epoch ms) to the last success status of the environments' records at `commit` (as the fake API stamped it). */
function recordedAfter(since: number, envs: string[], commit: string): number {
  const at = envs.flatMap((env) => deploymentsOf(env).filter((d) => d.ref === commit).flatMap((d) => d.statuses))
    .filter((st) => st.state === 'success').map((st) => Date.parse(st.createdAt));
  return (Math.max(...at) - since) / 1000;
}

/** Waits for `check`; on a timeout says what the fake GitHub API was asked and answered, and what Argo CD's notifications logged. */
async function waitForRecords(what: string, check: () => boolean, timeoutMs = 60_000): Promise<number> {
  try {
    return await loop.waitFor(what, async () => check(), timeoutMs);
  } catch (error) {
    const asked = github.requests.slice(-30).map((r) => `${r.method} ${r.path}${r.body ? ` ${JSON.stringify(r.body).slice(0, 200)}` : ''}`);
    const errors = loop.logLines('argocd-notifications', /"level":"(error|warning)"|Failed|Sending/).slice(-20);
    throw new Error(`${(error as Error).message.split('\n')[0]}\nfake GitHub API, last requests:\n${asked.join('\n')}\nresponse errors: ${JSON.stringify(github.responseErrors)}\nnotifications controller:\n${errors.join('\n')}`);
  }
}

/**
 * A deployment record of `env` at `commit` on which every service's Application reported synced
 * and healthy, its last status success (what Argo CD's on-deployed trigger writes).
 */
function recorded(env: string, commit: string, services = SERVICES): boolean {
  const deployment = deploymentsOf(env).find((d) => d.ref === commit);
  if (!deployment || deployment.statuses[deployment.statuses.length - 1]?.state !== 'success') return false;
  return services.every((svc) => deployment.statuses.some((st) => st.state === 'success' && st.description.startsWith(`${svc}-${env} synced and healthy: `)));
}

/** The Deployment's image of a service in an environment, as main renders it. */
function renderedImage(env: string, service: string): string {
  const objects = parseObjects(fs.readFileSync(path.join(work, `deploy/rendered/${env}/${service}.yaml`), 'utf-8'));
  return objects.find((o) => o.kind === 'Deployment').spec.template.spec.containers[0].image;
}

async function liveDeployment(env: string, service: string): Promise<any> {
  return loop.get(`/apis/apps/v1/namespaces/orders-${env}/deployments/${service}`);
}

/** Synced at `revision` and Healthy, every Application named; the seconds it took. */
function deployed(names: string[], revision: string, timeoutMs = 120_000): Promise<number> {
  return loop.waitFor(`${names.join(', ')} Synced and Healthy at ${revision.slice(0, 12)}`, async () => {
    for (const name of names) {
      const state = await loop.state(name);
      // Argo CD's own verdict ends the wait: it cannot build or apply what the repository holds.
      const error = state.conditions.find((c) => /^(ComparisonError|InvalidSpecError|SyncError):/.test(c)) ?? (state.phase === 'Failed' || state.phase === 'Error' ? `sync ${state.phase}: ${state.operationMessage}` : undefined);
      if (error) throw new Verdict(`${name}: ${error}`);
      if (state.sync !== 'Synced' || state.health !== 'Healthy' || state.revision !== revision) return false;
    }
    return true;
  }, timeoutMs);
}

/** Every Deployment of the environment runs what main renders, rolled out and available. */
async function runsWhatMainRenders(env: string, services = SERVICES): Promise<boolean> {
  for (const service of services) {
    const live = await liveDeployment(env, service);
    if (!live || live.spec.template.spec.containers[0].image !== renderedImage(env, service)) return false;
    const s = live.status ?? {};
    const rolledOut = s.observedGeneration === live.metadata.generation && s.updatedReplicas === live.spec.replicas;
    if (!rolledOut || s.availableReplicas !== live.spec.replicas) return false;
  }
  return true;
}

describeLoop('the GitOps loop: Argo CD syncs the generated repository from git into a cluster', () => {
  beforeAll(async () => {
    if (tools.missing !== undefined) return;
    root = tempdir('gitops-loop-');
    work = path.join(root, 'orders');
    const started = Date.now();
    const created = await bootstrap(work, packedModuleSpec());
    if (created.status !== 0) throw new Error(`projen new failed:\n${created.output}`);
    const rc = path.join(work, '.projenrc.ts');
    fs.writeFileSync(rc, fs.readFileSync(rc, 'utf-8').replace('const project = new GitOpsProject({', [
      'const project = new GitOpsProject({',
      '  repository: "acme/orders",',
      `  repositoryUrl: "${REPO_URL}",`,
      // The fake GitHub API, as a GitHub Enterprise Server (REST API under /api/v3) seen from the loop's namespace.
      `  githubUrl: "http://127.0.0.1:${GITHUB_PORT}",`,
      `  registry: "${REGISTRY}",`,
      // Signed with a KMS key, the default on GitHub Enterprise Server (neither keyless signing
      // nor GitHub's attestations work there), which the cosign double below stands in for.
      `  signing: { key: "${SIGNING_KEY}" },`,
      // This cluster runs no policy-controller: admission is proven against its CRDs and its
      // policy-tester in apiserver.test.ts and signing.test.ts.
      '  admissionPolicies: false,',
      '  services: [{ name: "worker", runtime: Runtime.GO }],',
    ].join('\n')));
    sh('npx', ['projen']);
    const origin = path.join(root, 'srv', 'acme', 'orders.git');
    fs.mkdirSync(path.dirname(origin), { recursive: true });
    run('git', ['init', '--quiet', '--bare', '--initial-branch=main', origin], root);
    git('remote', 'add', 'origin', origin);
    pushMain('deploy two services to dev, staging and prod');
    timings['repository bootstrapped (projen new, two services, synth)'] = (Date.now() - started) / 1000;

    // TEST DOUBLE for cosign, as in test/e2e/promotion.test.ts: the real one verifies against Sigstore.
    fs.mkdirSync(path.join(root, 'bin'));
    fs.writeFileSync(path.join(root, 'bin', 'cosign'), [
      '#!/bin/sh',
      '# Test double for `cosign verify`: checks the key flags (a private repository: no public log) and accepts.',
      `[ "$1 $2 $3 $4" = "verify --key ${SIGNING_KEY} --insecure-ignore-tlog=true" ] || { echo "unexpected arguments: $*" >&2; exit 2; }`,
      'echo "Verification for $5 -- The cosign claims were validated"',
    ].join('\n'), { mode: 0o755 });
    github = new FakeGitHub('acme/orders');
    // The GitHub App of the deployment records: its key made here, its public half the fake's.
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    appKey = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    github.app = { ...APP, publicKey };
    // Refs resolved in the served repository, as GitHub resolves a deployment's ref.
    github.origin = origin;
    apiUrl = await github.start();

    const loopStarted = Date.now();
    loop = await Loop.start(tools, path.join(root, 'srv'), { githubPort: Number(new URL(apiUrl).port) });
    timings['loop started (API server ready)'] = loop.timings.apiserver;
    timings['loop started (everything ready)'] = (Date.now() - loopStarted) / 1000;
  }, 600_000);

  afterAll(async () => {
    await loop?.stop();
    await github?.stop();
    if (Object.keys(timings).length > 0) console.log(`GitOps loop timings (s):\n${Object.entries(timings).map(([k, v]) => `  ${k}: ${v.toFixed(1)}`).join('\n')}`);
    if (root) fs.rmSync(root, { recursive: true, force: true });
  }, 60_000);

  let main: string;
  /** When the documented bootstrap was applied (epoch ms). */
  let bootstrapped: number;

  test("Argo CD's configuration comes from its release's core-install.yaml (and its notifications' from the full install's files)", () => {
    expect(loop.configMaps).toEqual(expect.arrayContaining(['ConfigMap/argocd-cm', 'ConfigMap/argocd-cmd-params-cm', 'ConfigMap/argocd-rbac-cm', 'Secret/argocd-secret', 'ConfigMap/argocd-notifications-cm', 'Secret/argocd-notifications-secret']));
  });

  test("the cluster admin's part, as the docs type it: each environment's namespace (docs/deploy.md), the deployment records' App credentials and ConfigMap (docs/rollback-and-records.md)", () => {
    // docs/deploy.md's commands, written for this repository's namespaces; no admission policies here, so without their label.
    const namespaces = docBlock('docs/deploy.md', 'restricted Pod Security labels');
    expect(namespaces).toMatch(/^ {2}kubectl label namespace "\$ns" policy\.sigstore\.dev\/include=true/m);
    const made = loop.sh(namespaces.replace(/^ {2}kubectl label namespace "\$ns" policy\.sigstore\.dev.*\n/m, ''));
    expect({ status: made.status, stderr: made.stderr }).toEqual({ status: 0, stderr: '' });
    for (const env of ENVS) {
      const ns = JSON.parse(loop.kubectl(['get', 'namespace', `orders-${env}`, '-o', 'json']).stdout);
      expect(ns.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted', 'pod-security.kubernetes.io/audit': 'restricted' });
    }

    // The App's credentials into argocd-notifications-secret, with the documented command (kubectl, jq).
    fs.writeFileSync(path.join(root, 'app.private-key.pem'), appKey, { mode: 0o600 });
    const patched = loop.sh(docBlock('docs/rollback-and-records.md', 'Put its credentials into'), { cwd: root, env: { APP_ID: String(APP.id), INSTALLATION_ID: String(APP.installationId) } });
    expect({ status: patched.status, stderr: patched.stderr, stdout: patched.stdout.trim() }).toEqual({ status: 0, stderr: '', stdout: 'secret/argocd-notifications-secret patched' });

    // This repository's keys of argocd-notifications-cm, with the command in the file's header.
    const file = 'deploy/argocd/notifications/argocd-notifications-cm.yaml';
    const text = fs.readFileSync(path.join(work, file), 'utf-8');
    const command = /^# Generated by .*Apply: kubectl apply --server-side --field-manager=(\S+) -n argocd -f (\S+)$/m.exec(text);
    expect(command?.slice(1)).toEqual(['orders-github', file]);
    // githubUrl made it a GitHub Enterprise Server's API.
    expect(text).toContain(`enterpriseBaseURL: http://127.0.0.1:${GITHUB_PORT}/api/v3`);
    const applied = loop.kubectl(['apply', '--server-side', `--field-manager=${command![1]}`, '-n', ARGOCD_NS, '-f', file], { cwd: work });
    expect([applied.stderr, applied.stdout.trim()]).toEqual(['', 'configmap/argocd-notifications-cm serverside-applied']);
  });

  test('the documented bootstrap (kubectl apply --server-side -n argocd -f deploy/argocd/) creates the AppProject first; dev and staging are Synced and Healthy at main on the first sync', async () => {
    main = git('rev-parse', 'HEAD');
    const started = Date.now();
    bootstrapped = started;
    const applied = loop.kubectl(['apply', '--server-side', '-n', ARGOCD_NS, '-f', 'deploy/argocd/'], { cwd: work });
    expect(applied.stderr).toBe('');
    expect(applied.status).toBe(0);
    const lines = applied.stdout.trim().split('\n');
    expect(lines[0]).toBe('appproject.argoproj.io/orders serverside-applied');
    expect(lines.slice(1).sort()).toEqual(ENVS.flatMap((env) => apps(env)).map((a) => `application.argoproj.io/${a} serverside-applied`).sort());

    await deployed([...apps('dev'), ...apps('staging')], main);
    timings['bootstrap: apply to dev and staging Synced and Healthy'] = (Date.now() - started) / 1000;
    for (const name of [...apps('dev'), ...apps('staging')]) {
      const app = await loop.application(name);
      // The first sync succeeded: no retry, never "appproject ... not found".
      expect({ name, phase: app.status.operationState.phase, retries: app.status.operationState.retryCount ?? 0 }).toEqual({ name, phase: 'Succeeded', retries: 0 });
      expect(JSON.stringify(app.status)).not.toMatch(/not found/i);
      expect(app.spec.source.repoURL).toBe(REPO_URL);
    }
  });

  test('dev and staging run exactly the images main renders, rolled out and available (pods Running on the node)', async () => {
    await loop.waitFor('dev and staging rolled out', async () => (await runsWhatMainRenders('dev')) && runsWhatMainRenders('staging'), 60_000);
    for (const env of ['dev', 'staging']) {
      expect(renderedImage(env, 'orders')).toBe(`${REGISTRY}/acme/orders:main`);
      const pods = await loop.get(`/api/v1/namespaces/orders-${env}/pods`);
      expect(pods.items.length).toBeGreaterThan(0);
      for (const pod of pods.items) expect({ pod: pod.metadata.name, node: pod.spec.nodeName, phase: pod.status.phase }).toEqual({ pod: pod.metadata.name, node: 'kwok-node-0', phase: 'Running' });
    }
  });

  test("deployment records: Argo CD's notifications controller, as the GitHub App, wrote a GitHub deployment per environment at main with a success status (dev and staging) and a commit status per Application; prod has none while it is not synced", async () => {
    await waitForRecords('deployment records of dev and staging at main', () => recorded('dev', main) && recorded('staging', main), 120_000);
    timings['deployment records: bootstrap apply to the success records of dev and staging'] = recordedAfter(bootstrapped, ['dev', 'staging'], main);
    for (const env of ['dev', 'staging']) {
      // One deployment per environment and commit: every service's Application adds its statuses to it.
      const seen = deploymentsOf(env).map(({ environment, ref, sha }) => ({ environment, ref, sha }));
      expect(seen).toEqual([{ environment: env, ref: main, sha: main }]);
      for (const app of apps(env)) {
        expect(github.commitStatuses).toContainEqual(expect.objectContaining({ sha: main, state: 'success', context: `deploy/${env}/${app}`, description: expect.stringMatching(new RegExp(`^${app} synced and healthy: `)) }));
      }
    }
    expect(deploymentsOf('prod')).toEqual([]);
    // Through the App: a JWT for an installation token, under the enterprise API root; every
    // answer the fake gave had the shape GitHub's REST description documents.
    const tokenRequests = github.requests.filter((r) => r.path.endsWith('/access_tokens'));
    expect(tokenRequests.map((r) => `${r.method} ${r.path}`)).toContainEqual(`POST /api/v3/app/installations/${APP.installationId}/access_tokens`);
    expect(github.installationTokens.length).toBeGreaterThan(0);
    expect(github.requests.filter((r) => !r.path.startsWith('/api/v3/'))).toEqual([]);
    expect(github.responseErrors).toEqual([]);
    expect(loop.logLines('argocd-notifications', /Failed to notify|"level":"error"/)).toEqual([]);
  });

  test('prod is OutOfSync and holds nothing until a person syncs it (its documented policy); then it is Synced and Healthy', async () => {
    await loop.waitFor('prod compared', async () => (await Promise.all(apps('prod').map((a) => loop.state(a)))).every((s) => s.sync === 'OutOfSync'), 60_000);
    // Still so a little later: nothing syncs it automatically.
    await new Promise((r) => setTimeout(r, 3_000));
    for (const name of apps('prod')) expect(await loop.state(name)).toMatchObject({ sync: 'OutOfSync', health: 'Missing' });
    expect((await loop.get('/apis/apps/v1/namespaces/orders-prod/deployments')).items).toEqual([]);

    // Not synced: no deployment record either.
    expect(deploymentsOf('prod')).toEqual([]);

    const started = Date.now();
    for (const name of apps('prod')) await loop.syncByHand(name, 'main');
    await deployed(apps('prod'), main);
    timings['prod synced by hand'] = (Date.now() - started) / 1000;
    expect(await runsWhatMainRenders('prod')).toBe(true);
    // Synced by hand, it is recorded like the others.
    await waitForRecords('the deployment record of prod at main', () => recorded('prod', main));
    expect(deploymentsOf('prod').map((d) => d.ref)).toEqual([main]);
  });

  test('a build promoted by `projen-gitops promote` and merged is deployed to dev, then promoted and merged into staging; prod stays where it was', async () => {
    const built = main;
    const toDev = await promote(['--to', 'dev', '--commit', built, '--digest', `orders=${digest('a')}`, '--digest', `worker=${digest('b')}`]);
    expect({ status: toDev.status, output: toDev.output }).toEqual({ status: 0, output: expect.stringContaining('opened pull request #1: Promote orders, worker to dev') });
    expect(github.pulls.get(1)).toMatchObject({ title: 'Promote orders, worker to dev', head: { ref: 'promote/dev' } });
    // Opened, not merged: dev still runs main's images.
    expect((await liveDeployment('dev', 'orders')).spec.template.spec.containers[0].image).toBe(`${REGISTRY}/acme/orders:main`);

    let merged = merge(1);
    let started = Date.now();
    await loop.refresh(apps('dev'));
    await deployed(apps('dev'), merged);
    const devSynced = Date.now();
    await loop.waitFor('dev rolled out', () => runsWhatMainRenders('dev'), 60_000);
    timings['promotion to dev: merge to rolled out (refresh)'] = (Date.now() - started) / 1000;
    expect((await liveDeployment('dev', 'orders')).spec.template.spec.containers[0].image).toBe(`${REGISTRY}/acme/orders@${digest('a')}`);
    expect((await liveDeployment('dev', 'worker')).spec.template.spec.containers[0].image).toBe(`${REGISTRY}/acme/orders/worker@${digest('b')}`);

    // A new deployment record of dev, at the merged commit; the older one stays.
    await waitForRecords('the deployment record of dev at the merged promotion', () => recorded('dev', merged));
    timings['deployment records: promotion to dev, merge to the success record'] = recordedAfter(started, ['dev'], merged);
    expect(deploymentsOf('dev').map((d) => d.ref)).toEqual([merged, built]);
    // What the promotion gates read of them (src/cli/gates.ts, through the enterprise API root
    // as GITHUB_API_URL gives it): dev is healthy at the merged commit; staging has no record of it yet.
    const api = githubApi(`${apiUrl}/api/v3`, github.token, (message) => new Error(message), 'the token needs deployments: read');
    const devRecords = await readDeploymentRecords(api, 'acme/orders', 'dev', (sha) => sha === merged);
    expect(devRecords?.map((r) => ({ environment: r.environment, sha: r.sha }))).toEqual([{ environment: 'dev', sha: merged }]);
    const gates = { soakMinutes: 0, requireHealthy: true, timeZone: 'UTC', allow: [], deny: [], hotfixLabel: 'hotfix', approvals: 0 };
    const health = (records: typeof devRecords, previous: string) => evaluateGates({
      now: Date.now(), gates, previous, mergedAt: devSynced, records, labels: [], approvedBy: [], approvers: [],
    });
    expect(health(devRecords, 'dev')).toEqual([{ gate: 'health', state: 'met', detail: expect.stringMatching(new RegExp(`^dev reported success at .* for \`${merged.slice(0, 12)}\` \\(synced and healthy\\)$`)) }]);
    const stagingRecords = await readDeploymentRecords(api, 'acme/orders', 'staging', (sha) => sha === merged);
    expect(stagingRecords).toEqual([]);
    expect(health(stagingRecords, 'staging')).toEqual([expect.objectContaining({ gate: 'health', state: 'waiting', detail: 'no deployment status of these digests in staging yet' })]);

    const toStaging = await promote(['--from', 'dev', '--to', 'staging']);
    expect(toStaging.status).toBe(0);
    expect(github.pulls.get(2)).toMatchObject({ title: 'Promote orders, worker to staging', head: { ref: 'promote/staging' } });
    merged = merge(2);
    started = Date.now();
    await loop.refresh(apps('staging'));
    await deployed(apps('staging'), merged);
    await loop.waitFor('staging rolled out', () => runsWhatMainRenders('staging'), 60_000);
    timings['promotion to staging: merge to rolled out (refresh)'] = (Date.now() - started) / 1000;
    expect((await liveDeployment('staging', 'orders')).spec.template.spec.containers[0].image).toBe(`${REGISTRY}/acme/orders@${digest('a')}`);
    await waitForRecords('the deployment record of staging at the merged promotion', () => recorded('staging', merged));
    expect(deploymentsOf('staging').map((d) => d.ref)).toEqual([merged, built]);
    main = merged;

    // prod was not promoted: its Applications track main, whose prod files did not change, and still run the tag.
    expect((await liveDeployment('prod', 'orders')).spec.template.spec.containers[0].image).toBe(`${REGISTRY}/acme/orders:main`);
    // ...and it was not synced again (a manual policy), so no new record: its one deployment is at the commit synced by hand.
    expect(deploymentsOf('prod').map((d) => d.ref)).toEqual([built]);
    expect(github.responseErrors).toEqual([]);
    expect(loop.logLines('argocd-notifications', /Failed to notify|"level":"error"/)).toEqual([]);
  });

  test('a hand change in the cluster is reverted by self-heal', async () => {
    const expected = `${REGISTRY}/acme/orders@${digest('a')}`;
    const changed = loop.kubectl(['-n', 'orders-dev', 'set', 'image', 'deployment/orders', `orders=${REGISTRY}/acme/orders:hand-made`]);
    expect(changed.stderr).toBe('');
    expect((await liveDeployment('dev', 'orders')).spec.template.spec.containers[0].image).toBe(`${REGISTRY}/acme/orders:hand-made`);
    timings['self-heal: hand change reverted'] = await loop.waitFor('the hand change reverted', async () => (await liveDeployment('dev', 'orders')).spec.template.spec.containers[0].image === expected, 60_000);
    // And Argo CD says so: Synced again at main, nobody having pushed or synced.
    await deployed(['orders-dev'], main, 60_000);
  });

  test('the documented bootstrap, repeated 3 times from no Argo CD objects: the project is always there first; applied the other way round, Argo CD says it is missing (the check can fail)', async () => {
    const PROJECT_MISSING = /InvalidSpecError: .*project.*(not found|does not exist)/i;
    const all = ENVS.flatMap((env) => apps(env));
    const removeAll = async () => {
      expect(loop.kubectl(['-n', ARGOCD_NS, 'delete', 'applications', '--all', '--wait=true']).status).toBe(0);
      expect(loop.kubectl(['-n', ARGOCD_NS, 'delete', 'appprojects', '--all', '--wait=true']).status).toBe(0);
    };
    /** Every condition the Applications show while `until` is pending. */
    const conditionsUntil = async (until: Promise<unknown>) => {
      const seen = new Set<string>();
      let done = false;
      const watching = (async () => {
        while (!done) {
          for (const name of all) for (const c of (await loop.state(name).catch(() => ({ conditions: [] as string[] }))).conditions) seen.add(c);
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      try {
        await until;
      } finally {
        done = true;
        await watching;
      }
      return [...seen];
    };
    for (let round = 1; round <= 3; round++) {
      await removeAll();
      const started = Date.now();
      const applied = loop.kubectl(['apply', '--server-side', '-n', ARGOCD_NS, '-f', 'deploy/argocd/'], { cwd: work });
      expect(applied.status).toBe(0);
      const seen = await conditionsUntil(deployed([...apps('dev'), ...apps('staging')], main));
      timings[`bootstrap again (round ${round}): apply to Synced and Healthy`] = (Date.now() - started) / 1000;
      expect({ round, missingProject: seen.filter((c) => PROJECT_MISSING.test(c)) }).toEqual({ round, missingProject: [] });
    }

    // Known-bad: the Applications first, the AppProject a moment later (the order the old file names gave).
    await removeAll();
    expect(loop.kubectl(['apply', '--server-side', '-n', ARGOCD_NS, '-f', 'deploy/argocd/dev.yaml'], { cwd: work }).status).toBe(0);
    await loop.waitFor('the project to be missing', async () => (await loop.state('orders-dev')).conditions.some((c) => PROJECT_MISSING.test(c)), 30_000);
    expect(loop.kubectl(['apply', '--server-side', '-n', ARGOCD_NS, '-f', 'deploy/argocd/'], { cwd: work }).status).toBe(0);
    // The project is there now, but the Application stays refused until Argo CD looks again.
    const late = Date.now();
    let recovered = false;
    while (Date.now() - late < 30_000 && !recovered) {
      recovered = !(await loop.state('orders-dev')).conditions.some((c) => PROJECT_MISSING.test(c));
      await new Promise((r) => setTimeout(r, 500));
    }
    // Measured, not asserted (Argo CD's retry timing is its own): how long a user would wait.
    timings[`AppProject applied after the Applications: ${recovered ? 'recovered by itself after' : 'still refused after'}`] = (Date.now() - late) / 1000;
    // A refresh (the webhook's annotation) brings it back if it has not come back by itself.
    await loop.refresh(apps('dev'));
    await loop.waitFor('dev no longer refused', async () => (await Promise.all(apps('dev').map((a) => loop.state(a)))).every((st) => !st.conditions.some((c) => PROJECT_MISSING.test(c))), 120_000);
    await deployed([...apps('dev'), ...apps('staging')], main);
  });

  test('removing a service from .projenrc.ts: its Applications refuse to wipe it out by themselves; deleted as Argo CD cascades (argocd app delete --cascade), they prune every object of it', async () => {
    const rc = path.join(work, '.projenrc.ts');
    fs.writeFileSync(rc, fs.readFileSync(rc, 'utf-8').replace('  services: [{ name: "worker", runtime: Runtime.GO }],\n', ''));
    // As synth then says: its digests go too (a digest naming no service is refused, so a
    // renamed service never silently runs its fallback tag).
    expect(run('npx', ['projen'], work, DEVELOPER_ENV).status).not.toBe(0);
    for (const env of ENVS) {
      const file = path.join(work, 'deploy/environments', env, 'images.yaml');
      const doc = parseDocument(fs.readFileSync(file, 'utf-8'));
      doc.deleteIn(['images', 'worker']);
      fs.writeFileSync(file, doc.toString());
    }
    sh('npx', ['projen']);
    expect(fs.existsSync(path.join(work, 'deploy/rendered/dev/worker.yaml'))).toBe(false);
    main = pushMain('remove the worker service');
    await loop.refresh([...apps('dev'), ...apps('staging')]);
    await deployed(['orders-dev', 'orders-staging'], main);
    for (const name of ['worker-dev', 'worker-staging']) {
      await loop.waitFor(`${name} compared with ${main.slice(0, 12)}`, async () => (await loop.state(name)).revision === main, 60_000);
    }
    // Argo CD's own refusal (controller/appcontroller.go autoSync: prune on, allowEmpty off).
    const refusal = `SyncError: Skipping sync attempt to [${main}]: auto-sync will wipe out all resources`;
    await loop.waitFor('worker-dev refusing to wipe itself out', async () => (await loop.state('worker-dev')).conditions.includes(refusal), 60_000);
    expect((await loop.state('worker-dev')).conditions).toContain(refusal);
    expect(await liveDeployment('dev', 'worker')).toBeDefined();

    // Re-applied as the docs say: the remaining Applications; the worker's are the admin's to delete.
    const applied = loop.kubectl(['apply', '--server-side', '-n', ARGOCD_NS, '-f', 'deploy/argocd/'], { cwd: work });
    expect(applied.status).toBe(0);
    expect(applied.stdout).not.toContain('worker');
    const started = Date.now();
    for (const env of ['dev', 'staging']) {
      const name = `worker-${env}`;
      await loop.patch(`/apis/argoproj.io/v1alpha1/namespaces/${ARGOCD_NS}/applications/${name}`, { metadata: { finalizers: ['resources-finalizer.argocd.argoproj.io'] } });
      expect(loop.kubectl(['-n', ARGOCD_NS, 'delete', 'application', name, '--wait=false']).status).toBe(0);
    }
    await loop.waitFor('the worker pruned from dev and staging', async () => {
      for (const env of ['dev', 'staging']) {
        if (await loop.application(`worker-${env}`)) return false;
        for (const kind of ['apps/v1/deployments', 'v1/services', 'v1/serviceaccounts', 'policy/v1/poddisruptionbudgets', 'networking.k8s.io/v1/networkpolicies']) {
          const base = kind.startsWith('v1/') ? `/api/${kind.replace(/\/[^/]+$/, '')}` : `/apis/${kind.replace(/\/[^/]+$/, '')}`;
          if (await loop.get(`${base}/namespaces/orders-${env}/${kind.split('/').pop()}/worker`)) return false;
        }
      }
      return true;
    }, 60_000);
    timings['service removed: pruned'] = (Date.now() - started) / 1000;
    expect(await liveDeployment('dev', 'orders')).toBeDefined();
  });

  test('known-bad: an Application whose path is not in the repository fails with Argo CD\'s own message', async () => {
    const bad = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'orders-qa', namespace: ARGOCD_NS },
      spec: {
        project: 'orders',
        source: { repoURL: REPO_URL, targetRevision: 'main', path: 'deploy/rendered/qa', directory: { include: 'orders.yaml' } },
        destination: { server: 'https://kubernetes.default.svc', namespace: 'orders-dev' },
        syncPolicy: { automated: { prune: true, selfHeal: true } },
      },
    };
    const applied = loop.kubectl(['apply', '--server-side', '-f', '-'], { input: JSON.stringify(bad) });
    expect(applied.status).toBe(0);
    await expect(deployed(['orders-qa'], main, 60_000)).rejects.toThrow(/orders-qa: ComparisonError: .*deploy\/rendered\/qa: app path does not exist/);
  });
});
