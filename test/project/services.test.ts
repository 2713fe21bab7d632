import { parse } from 'yaml';
import { GitOpsProject, Runtime } from '../../src';
import { actionlint, gitopsProject, shellcheckRuns, synth } from '../util';

// The changed-services script runs on a real git history in test/github/container-pipeline.test.ts.

const FILE = '.github/workflows/container.yml';

function twoServices(): GitOpsProject {
  const project = gitopsProject();
  project.addService({ name: 'worker', runtime: Runtime.GO, port: 9000 });
  return project;
}

describe('multi-service repositories', () => {
  test('each service gets its folder, Dockerfile, .dockerignore and sample', () => {
    const out = synth(twoServices());
    expect(out['services/worker/Dockerfile']).toMatch(/^EXPOSE 9000$/m);
    expect(out['services/worker/.dockerignore']).toBeDefined();
    expect(out['services/worker/main.go']).toBeDefined();
    expect(out['services/worker/go.mod']).toMatch(/^module worker$/m);
    expect(out.Dockerfile).toMatch(/^EXPOSE 8080$/m);
    // the root image does not ship the other service
    expect(out['.dockerignore'].split('\n')).toContain('services/worker');
  });

  test('a Node.js service in a folder gets package files of its own', () => {
    const project = gitopsProject();
    project.addService({ name: 'api', path: 'apps/api' });
    const out = synth(project);
    expect(out['apps/api/package.json'].name).toBe('api');
    expect(out['apps/api/package-lock.json'].lockfileVersion).toBe(3);
    expect(out['apps/api/src/server.js']).toBeDefined();
  });

  test('pull requests build only the services they change; each service has its own check', () => {
    const project = twoServices();
    const wf = parse(synth(project)[FILE]);
    expect(Object.keys(wf.jobs).sort()).toEqual(['build-orders', 'build-worker', 'changes', 'publish-orders', 'publish-worker', 'scan-orders', 'scan-worker']);
    expect(wf.jobs['build-worker'].if).toBe("github.event_name == 'pull_request' && needs.changes.outputs.worker == 'true'");
    expect(wf.jobs['build-worker'].needs).toBe('changes');
    expect(wf.jobs['build-worker'].steps.find((s: any) => s.id === 'build').with.context).toBe('services/worker');
    expect(wf.jobs['publish-worker'].steps.find((s: any) => s.id === 'image').env).toEqual({ REGISTRY: 'ghcr.io', SERVICE: 'worker' });
    expect(wf.jobs.changes.outputs).toEqual({ orders: '${{ steps.diff.outputs.orders }}', worker: '${{ steps.diff.outputs.worker }}' });
    expect(project.branchProtection.requiredChecks).toEqual(expect.arrayContaining(['Build image (orders)', 'Build image (worker)', 'Changed services', 'CodeQL (go)', 'CodeQL (javascript-typescript)']));
  });

  test('adding a service adds its check to the notes and the ruleset', () => {
    const out = synth(twoServices());
    expect(out['docs/BRANCH_PROTECTION.md']).toMatch(/^- `Build image \(worker\)`$/m);
    const checks = out['.github/rulesets/protect-main.json'].rules.find((r: any) => r.type === 'required_status_checks').parameters.required_status_checks.map((c: any) => c.context);
    expect(checks).toContain('Build image (worker)');
  });

  test('each service has a BuildKit cache scope of its own; publishing never restores a cache', () => {
    const jobs = parse(synth(twoServices())[FILE]).jobs;
    const step = (job: string, id: string) => jobs[job].steps.find((s: any) => s.id === id).with;
    expect(step('build-worker', 'build')).toMatchObject({ 'cache-from': 'type=gha,scope=worker', 'cache-to': 'type=gha,mode=max,scope=worker' });
    expect(step('build-orders', 'build')['cache-from']).toBe('type=gha,scope=orders');
    expect(step('publish-worker', 'push')['cache-to']).toBe('type=gha,mode=max,scope=worker');
    expect(step('publish-worker', 'push')['cache-from']).toBeUndefined();
  });

  test('the workflow stays actionlint and shellcheck clean', async () => {
    const source = synth(twoServices())[FILE];
    expect(await actionlint(source, FILE)).toEqual([]);
    expect(shellcheckRuns(source) ?? []).toEqual([]);
  });

  test('services from the options, validated', () => {
    const out = synth(gitopsProject({ services: [{ name: 'worker', runtime: Runtime.PYTHON }] }));
    expect(out['services/worker/requirements.txt']).toBeDefined();
    const dup = gitopsProject({ services: [{ name: 'worker' }, { name: 'worker', path: 'other' }] });
    expect(() => dup.synth()).toThrow(/services\[1\]\.name: must be unique, got 'worker' twice; try 'worker-2'/);
    const bad = gitopsProject({ services: [{ name: 'Worker', path: '../x' }] });
    expect(() => bad.synth()).toThrow(/services\[0\]\.name: must be a lowercase name[\s\S]*services\[0\]\.path: must be a folder inside the repository: .*, got '..\/x'; try 'x'/);
  });

  test('CodeQL and Dependabot cover every service', () => {
    const out = synth(twoServices());
    const languages = parse(out['.github/workflows/codeql.yml']).jobs.analyze.strategy.matrix.include.map((e: any) => e.language);
    expect(languages).toEqual(['javascript-typescript', 'go', 'actions']);
    const updates = parse(out['.github/dependabot.yml']).updates;
    expect(updates.find((u: any) => u['package-ecosystem'] === 'gomod').directory).toBe('/services/worker');
  });
});
