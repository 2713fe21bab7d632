/**
 * The deployment records' notifications configuration, read by the real Argo CD (v3.6.2, built
 * by scripts/build-argo-cd.sh): `argocd admin notifications trigger run` evaluates each trigger
 * of the generated ConfigMap against Applications in each state, and `template notify` renders
 * each template (the console recipient prints the notification). What the GitHub service would
 * send from it (argoproj/notifications-engine pkg/services/github.go `Send`) is checked against
 * GitHub's REST description: the commit status, the deployment and the deployment status.
 * The Secret holds a private key made here for the test (Argo CD parses it); no value is
 * generated into the repository.
 */
import { spawnSync } from 'child_process';
import { generateKeyPairSync } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { argoCdDir } from './apiserver';
import { NOTIFICATIONS_FILE } from '../../src/argocd/argo-cd';
import { notificationNames } from '../../src/argocd/notifications';
import { errorsOf, requestBodyValidator } from '../github-api';
import { describeUnless } from '../tools';
import { gitopsProject, synth, tempdir } from '../util';

const argocd = path.join(argoCdDir(), 'argocd');
// Counted by test/tool-skips-reporter.js when missing; a failing test under CI=true.
const describeWithArgoCd = describeUnless(fs.existsSync(argocd) ? {} : { tool: 'argocd', missing: `${argocd} is not built (bash scripts/build-argo-cd.sh, about 8 min cold on 2 cores; .ci/run does)` });

const REVISION = '0123456789abcdef0123456789abcdef01234567';
const IMAGE = `ghcr.io/acme/orders@sha256:${'a'.repeat(64)}`;

/** An Application of the generated repository in a state (what the controller writes into status). */
function application(env: string, health: string, phase?: string, times = { started: '2026-12-04T05:00:00Z', finished: '2026-12-04T05:00:10Z', health: '2026-12-04T05:00:30Z' }): object {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: `orders-${env}`, namespace: 'argocd', labels: { 'projen-gitops.dev/environment': env } },
    spec: { project: 'orders', source: { repoURL: 'https://github.com/acme/orders.git', targetRevision: 'main', path: `deploy/rendered/${env}` }, destination: { server: 'https://kubernetes.default.svc', namespace: `orders-${env}` } },
    status: {
      sync: { status: 'Synced', revision: REVISION },
      health: { status: health, lastTransitionTime: times.health },
      ...(phase ? { operationState: { phase, startedAt: times.started, finishedAt: times.finished, syncResult: { revision: REVISION } } } : {}),
      summary: { images: [IMAGE] },
    },
  };
}

describeWithArgoCd('deployment records: the real Argo CD reads the generated notifications configuration', () => {
  let dir: string;
  const names = notificationNames('orders');
  const argo = (...args: string[]) => {
    const r = spawnSync(argocd, ['admin', 'notifications', ...args, '--config-map', path.join(dir, 'cm.yaml'), '--secret', path.join(dir, 'secret.yaml'), '--kubeconfig', path.join(dir, 'kubeconfig')], { encoding: 'utf-8', timeout: 60_000 });
    // It exits 0 even when it fails: its errors are on standard error, as JSON log lines or text.
    const errors = r.stderr.split('\n').filter((l) => /"level":"error"|^failed|Error:/.test(l));
    return { stdout: r.stdout, errors };
  };

  beforeAll(() => {
    dir = tempdir('gitops-notifications-');
    const out = synth(gitopsProject({ name: 'orders', repository: 'acme/orders' }));
    fs.writeFileSync(path.join(dir, 'cm.yaml'), out[NOTIFICATIONS_FILE]);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    fs.writeFileSync(path.join(dir, 'secret.yaml'), stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'argocd-notifications-secret', namespace: 'argocd' },
      stringData: { [names.secretKeys.appId]: '12345', [names.secretKeys.installationId]: '67890', [names.secretKeys.privateKey]: privateKey.export({ type: 'pkcs1', format: 'pem' }) },
    }));
    // The commands load a kubeconfig even when every input is a file; nothing listens there.
    fs.writeFileSync(path.join(dir, 'kubeconfig'), stringify({
      'apiVersion': 'v1',
      'kind': 'Config',
      'clusters': [{ name: 'none', cluster: { server: 'https://127.0.0.1:1' } }],
      'users': [{ name: 'none', user: { token: 'none' } }],
      'contexts': [{ name: 'none', context: { cluster: 'none', user: 'none', namespace: 'argocd' } }],
      'current-context': 'none',
    }));
  });

  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const STATES: Array<[string, object, string[]]> = [
    ['synced and healthy after its sync', application('prod', 'Healthy', 'Succeeded'), ['on-deployed']],
    ['syncing', application('prod', 'Progressing', 'Running'), ['on-sync-running']],
    ['degraded', application('prod', 'Degraded', 'Succeeded'), ['on-health-degraded']],
    ['failed to sync', application('prod', 'Missing', 'Failed'), ['on-sync-failed']],
  ];

  test.each(STATES)('an Application %s fires exactly its trigger', (_state, app, expected) => {
    fs.writeFileSync(path.join(dir, 'app.yaml'), stringify(app));
    const fired: string[] = [];
    for (const [catalog, { name }] of Object.entries(names.triggers)) {
      const result = argo('trigger', 'run', name, path.join(dir, 'app.yaml'));
      expect(result.errors).toEqual([]);
      // The table's last column is the condition's result.
      const verdict = /\s(true|false)\s*$/.exec(result.stdout.trim())?.[1];
      expect(verdict).toBeDefined();
      if (verdict === 'true') fired.push(catalog);
    }
    expect(fired).toEqual(expected);
  });

  test('an Application the controller has not looked at (no status), or whose first sync runs before its revision is known, fires nothing and evaluates without an error', () => {
    const fresh: any = application('dev', 'Healthy', 'Running');
    delete fresh.status;
    const unknown: any = application('dev', 'Progressing', 'Running');
    delete unknown.status.sync.revision;
    for (const app of [fresh, unknown]) {
      fs.writeFileSync(path.join(dir, 'app.yaml'), stringify(app));
      for (const { name } of Object.values(names.triggers)) {
        const result = argo('trigger', 'run', name, path.join(dir, 'app.yaml'));
        expect({ name, errors: result.errors, verdict: /\s(true|false)\s*$/.exec(result.stdout.trim())?.[1] }).toEqual({ name, errors: [], verdict: 'false' });
      }
    }
    // Known-bad: with its revision known the same running sync fires on-sync-running.
    fs.writeFileSync(path.join(dir, 'app.yaml'), stringify(application('dev', 'Progressing', 'Running')));
    expect(argo('trigger', 'run', names.triggers['on-sync-running'].name, path.join(dir, 'app.yaml')).stdout.trim()).toMatch(/\strue$/);
  });

  test.each(['success', 'in_progress', 'failure'] as const)('the %s template renders what GitHub accepts: a commit status, a deployment per environment, a deployment status', (state) => {
    fs.writeFileSync(path.join(dir, 'app.yaml'), stringify(application('staging', 'Healthy', 'Succeeded')));
    const result = argo('template', 'notify', names.templates[state as keyof typeof names.templates], path.join(dir, 'app.yaml'));
    expect(result.errors).toEqual([]);
    const notification = parse(result.stdout);
    const github = notification.github;
    expect(github.deployment).toMatchObject({ state, environment: 'staging', requiredContexts: [], autoMerge: false });
    expect(github.status.label).toBe('deploy/staging/orders-staging');
    expect(notification.message).toBe(`orders-staging ${state === 'success' ? 'synced and healthy' : state === 'in_progress' ? 'syncing' : 'degraded or failed to sync'}: ${IMAGE}`);
    // What pkg/services/github.go Send makes of it (the description is the message, cut at 140).
    const description = notification.message.slice(0, 140);
    const bodies: Array<[string, object]> = [
      ['/repos/{owner}/{repo}/statuses/{sha}', { state: github.status.state, description, context: github.status.label, target_url: github.status.targetURL ?? '' }],
      ['/repos/{owner}/{repo}/deployments', { ref: REVISION, environment: github.deployment.environment, required_contexts: github.deployment.requiredContexts, auto_merge: github.deployment.autoMerge, transient_environment: github.deployment.transientEnvironment }],
      ['/repos/{owner}/{repo}/deployments/{deployment_id}/statuses', { state: github.deployment.state, log_url: github.deployment.logURL ?? '', description, environment: github.deployment.environment, environment_url: github.deployment.environmentURL ?? '' }],
    ];
    for (const [route, body] of bodies) {
      const validate = requestBodyValidator(route, 'post');
      expect([route, validate(body), errorsOf(validate)]).toEqual([route, true, []]);
    }
  });

  test('an Application whose summary lists no image yet: the description names the synced revision', () => {
    const app: any = application('prod', 'Healthy', 'Succeeded');
    delete app.status.summary;
    fs.writeFileSync(path.join(dir, 'app.yaml'), stringify(app));
    expect(parse(argo('template', 'notify', names.templates.success, path.join(dir, 'app.yaml')).stdout).message).toBe(`orders-prod synced and healthy: revision ${REVISION}`);
  });

  test('known-bad: the checks above can fail (a commit status has no in_progress state; a misnamed template is refused by Argo CD)', () => {
    const validate = requestBodyValidator('/repos/{owner}/{repo}/statuses/{sha}', 'post');
    expect(validate({ state: 'in_progress', context: 'deploy/prod/orders-prod' })).toBe(false);
    fs.writeFileSync(path.join(dir, 'app.yaml'), stringify(application('prod', 'Healthy', 'Succeeded')));
    expect(argo('template', 'notify', 'orders-deployment-succes', path.join(dir, 'app.yaml')).errors.join('\n')).toMatch(/not found|orders-deployment-succes/);
  });
});
