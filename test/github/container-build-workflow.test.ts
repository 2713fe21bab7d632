import { Project } from 'projen';
import { NodeProject } from 'projen/lib/javascript';
import { ContainerBuildWorkflow, ContainerImage } from '../../src';
import { actionlint, gitopsProject, shellcheckRuns, synth, tempdir, workflowObject } from '../util';

const FILE = '.github/workflows/container.yml';

describe('ContainerBuildWorkflow', () => {
  test('snapshot and the triggers', () => {
    const out = synth(gitopsProject());
    expect(out[FILE]).toMatchSnapshot();
    const wf = workflowObject(out, FILE);
    expect(wf.on).toEqual({
      pull_request: { branches: ['main'] },
      push: { branches: ['main'], tags: ['v*'] },
    });
  });

  test('pull requests build without pushing, without credentials and with read-only permissions', () => {
    const wf = workflowObject(synth(gitopsProject()), FILE);
    const build = wf.jobs.build;
    expect(build.if).toBe("github.event_name == 'pull_request'");
    expect(build.permissions).toEqual({ contents: 'read' });
    const buildStep = build.steps.find((s: any) => String(s.uses).startsWith('docker/build-push-action@'));
    expect(buildStep.with.push).toBe(false);
    expect(JSON.stringify(build)).not.toMatch(/secrets\.|login-action/);
  });

  test('pushes publish with write access to packages on that job only', () => {
    const wf = workflowObject(synth(gitopsProject()), FILE);
    expect(wf.permissions).toEqual({ contents: 'read' });
    const publish = wf.jobs.publish;
    expect(publish.if).toBe("github.event_name == 'push'");
    expect(publish.permissions).toEqual({ contents: 'read', packages: 'write' });
    const buildStep = publish.steps.find((s: any) => String(s.uses).startsWith('docker/build-push-action@'));
    expect(buildStep.with.push).toBe(true);
    // No cache restored into a published image (cache poisoning).
    expect(buildStep.with['cache-from']).toBeUndefined();
  });

  test('checkout never persists credentials', () => {
    const wf = workflowObject(synth(gitopsProject()), FILE);
    for (const job of Object.values<any>(wf.jobs)) {
      const checkout = job.steps.find((s: any) => String(s.uses).startsWith('actions/checkout@'));
      expect(checkout.with['persist-credentials']).toBe(false);
    }
  });

  test('superseded pull request runs are cancelled, publishing is not', () => {
    const wf = workflowObject(synth(gitopsProject()), FILE);
    expect(wf.concurrency['cancel-in-progress']).toBe("${{ github.event_name == 'pull_request' }}");
  });

  test('default image name is the lowercased GitHub repository on GHCR, computed in a script without expressions', () => {
    const wf = workflowObject(synth(gitopsProject()), FILE);
    const step = wf.jobs.build.steps.find((s: any) => s.id === 'image');
    expect(step.run).toBe('echo "name=${REGISTRY}/${GITHUB_REPOSITORY,,}" >> "$GITHUB_OUTPUT"');
    expect(step.env).toEqual({ REGISTRY: 'ghcr.io' });
    const meta = wf.jobs.build.steps.find((s: any) => s.id === 'meta');
    expect(meta.with.images).toBe('${{ steps.image.outputs.name }}');
    expect(meta.with.tags).toMatch(/type=sha/);
    expect(meta.with.tags).toMatch(/type=semver,pattern=\{\{version\}\}/);
  });

  test('a configured registry and image name are used as is', () => {
    const wf = workflowObject(synth(gitopsProject({ registry: 'registry.example.com', imageName: 'acme/orders' })), FILE);
    const publish = wf.jobs.publish;
    expect(publish.steps.find((s: any) => s.id === 'image')).toBeUndefined();
    expect(publish.steps.find((s: any) => s.id === 'meta').with.images).toBe('registry.example.com/acme/orders');
    const login = publish.steps.find((s: any) => String(s.uses).startsWith('docker/login-action@'));
    expect(login.with).toEqual({
      registry: 'registry.example.com',
      username: '${{ secrets.REGISTRY_USERNAME }}',
      password: '${{ secrets.REGISTRY_PASSWORD }}',
    });
    expect(publish.permissions).toEqual({ contents: 'read' });
  });

  test('the default branch option moves every trigger', () => {
    const wf = workflowObject(synth(gitopsProject({ defaultBranch: 'trunk' })), FILE);
    expect(wf.on.pull_request.branches).toEqual(['trunk']);
    expect(wf.on.push.branches).toEqual(['trunk']);
  });

  test('passes actionlint and shellcheck', async () => {
    for (const options of [{}, { registry: 'registry.example.com', imageName: 'acme/orders' }]) {
      const source = synth(gitopsProject(options))[FILE];
      expect(await actionlint(source, FILE)).toEqual([]);
      const shell = shellcheckRuns(source);
      if (shell) expect(shell).toEqual([]);
    }
  });

  test('works as a component in any projen project with GitHub', () => {
    const project = new NodeProject({ name: 'svc', defaultReleaseBranch: 'main', outdir: tempdir() });
    new ContainerBuildWorkflow(project);
    new ContainerImage(project, { port: 3000 });
    const out = synth(project);
    expect(out[FILE]).toMatch(/Build image/);
  });

  test('without a ContainerImage it fails with a clear message', () => {
    const project = new NodeProject({ name: 'svc', defaultReleaseBranch: 'main', outdir: tempdir() });
    new ContainerBuildWorkflow(project);
    expect(() => project.synth()).toThrow(/ContainerBuildWorkflow: needs a ContainerImage in the project, found none; add `new ContainerImage\(project, \{\.\.\.\}\)`/);
  });

  test('without GitHub it fails with a clear message', () => {
    const project = new Project({ name: 'svc', outdir: tempdir() });
    new ContainerImage(project);
    new ContainerBuildWorkflow(project);
    expect(() => project.synth()).toThrow(/github: ContainerBuildWorkflow needs GitHub support in the project, got github: false; set github: true/);
  });

  test('bad branch and tag pattern are reported', () => {
    const project = new NodeProject({ name: 'svc', defaultReleaseBranch: 'main', outdir: tempdir() });
    new ContainerImage(project);
    new ContainerBuildWorkflow(project, { branch: 'feature..x', tagPattern: 'v *' });
    expect(() => project.synth()).toThrow(/branch: must be a git branch name, got "feature..x"; try 'main'/);
    expect(() => project.synth()).toThrow(/tagPattern: must be a git tag glob without spaces, got "v \*"; try 'v\*'/);
  });
});
