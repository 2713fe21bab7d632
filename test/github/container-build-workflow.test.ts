import { javascript, Project } from 'projen';
import { ContainerBuildWorkflow, ContainerImage, RepositoryVisibility, SigningMode } from '../../src';
import { ACTIONS } from '../../src/github/actions';
import { actionlint, gitopsProject, shellcheckRuns, synth, tempdir, workflowObject } from '../util';

const FILE = '.github/workflows/container.yml';

/** A javascript.NodeProject with an image and a container workflow with these options. */
function gitopsProjectWithWorkflow(options: ConstructorParameters<typeof ContainerBuildWorkflow>[1]) {
  const project = new javascript.NodeProject({
    name: 'svc',
    defaultReleaseBranch: 'main',
    outdir: tempdir(),
    buildWorkflow: false,
    githubOptions: { pullRequestLint: false },
  });
  new ContainerImage(project);
  new ContainerBuildWorkflow(project, options);
  return project;
}

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

  test('pull requests build without pushing, without credentials, and may only report scan results', () => {
    const wf = workflowObject(synth(gitopsProject()), FILE);
    const build = wf.jobs.build;
    expect(build.if).toBe("github.event_name == 'pull_request'");
    expect(build.permissions).toEqual({ 'contents': 'read', 'security-events': 'write' });
    const buildStep = build.steps.find((s: any) => String(s.uses).startsWith('docker/build-push-action@'));
    expect(buildStep.with.push).toBe(false);
    expect(buildStep.with.load).toBe(true);
    expect(JSON.stringify(build)).not.toMatch(/secrets\.|login-action/);
  });

  test('pull requests scan the image: SARIF to code scanning (not from forks), and a gate at the threshold', () => {
    const steps = workflowObject(synth(gitopsProject()), FILE).jobs.build.steps;
    const trivy = steps.filter((s: any) => String(s.uses).startsWith('aquasecurity/trivy-action@'));
    expect(trivy.map((s: any) => s.with)).toEqual([
      { 'image-ref': 'gitops-scan:pull-request', 'format': 'sarif', 'output': 'trivy.sarif', 'ignore-unfixed': true, 'version': ACTIONS.trivy.tool.version },
      { 'image-ref': 'gitops-scan:pull-request', 'format': 'table', 'severity': 'CRITICAL', 'ignore-unfixed': true, 'exit-code': '1', 'version': ACTIONS.trivy.tool.version },
    ]);
    const upload = steps.find((s: any) => String(s.uses).startsWith('github/codeql-action/upload-sarif@'));
    expect(upload.if).toBe('always() && github.event.pull_request.head.repo.full_name == github.repository');
    expect(upload.with).toEqual({ sarif_file: 'trivy.sarif', category: 'container-image' });
  });

  test('scanSeverity sets the gate, NONE only reports', () => {
    const project = gitopsProjectWithWorkflow({ scanSeverity: 'MEDIUM' });
    const gate = workflowObject(synth(project), FILE).jobs.build.steps.find((s: any) => s.with?.['exit-code'] === '1');
    expect(gate.with.severity).toBe('CRITICAL,HIGH,MEDIUM');
    const none = workflowObject(synth(gitopsProjectWithWorkflow({ scanSeverity: 'NONE' })), FILE);
    expect(none.jobs.build.steps.find((s: any) => s.with?.['exit-code'] === '1')).toBeUndefined();
  });

  test('publishing attaches an SBOM and provenance; a private repository (the default) attests with GitHub artifact attestations, and the pushed image is scanned', () => {
    const wf = workflowObject(synth(gitopsProject()), FILE);
    const push = wf.jobs.publish.steps.find((s: any) => s.id === 'push');
    expect(push.with).toMatchObject({ push: true, sbom: true, provenance: 'mode=max', platforms: 'linux/amd64' });
    const attest = wf.jobs.publish.steps.filter((s: any) => s.uses === `${ACTIONS.attest.action}@${ACTIONS.attest.sha}`);
    expect(attest.map((s: any) => s.with['sbom-path'])).toEqual([undefined, 'sbom.spdx.json']);
    for (const step of attest) expect(step.with).toMatchObject({ 'subject-name': '${{ steps.image.outputs.name }}', 'subject-digest': '${{ steps.push.outputs.digest }}', 'push-to-registry': true });
    // No keyless signature to the public log from a private repository.
    expect(JSON.stringify(wf.jobs.publish)).not.toContain('cosign');
    expect(wf.jobs.publish.permissions).toMatchObject({ 'id-token': 'write', 'attestations': 'write' });
    expect(wf.jobs.publish.outputs).toEqual({ digest: '${{ steps.push.outputs.digest }}', image: '${{ steps.image.outputs.name }}' });
    expect(wf.jobs.scan.needs).toBe('publish');
    expect(wf.jobs.scan.permissions).toEqual({ 'contents': 'read', 'packages': 'read', 'security-events': 'write' });
    expect(wf.jobs.scan.steps[1].with['image-ref']).toBe('${{ needs.publish.outputs.image }}@${{ needs.publish.outputs.digest }}');
  });

  test('a public repository signs keyless; a KMS key signs with the key, outside the public log when private', () => {
    const keyless = workflowObject(synth(gitopsProject({ visibility: RepositoryVisibility.PUBLIC })), FILE).jobs.publish;
    const sign = keyless.steps.find((s: any) => s.name === 'Sign the image (keyless, public Rekor log)');
    expect(sign.run).toBe('cosign sign --yes "${IMAGE}@${DIGEST}"');
    expect(sign.env).toEqual({ IMAGE: '${{ steps.image.outputs.name }}', DIGEST: '${{ steps.push.outputs.digest }}' });
    expect(keyless.permissions).toEqual({ 'contents': 'read', 'packages': 'write', 'id-token': 'write' });

    const key = 'awskms:///arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const kms = workflowObject(synth(gitopsProject({ signing: { mode: SigningMode.KMS_KEY, key } })), FILE).jobs.publish;
    const kmsSign = kms.steps.find((s: any) => /^Sign the image \(KMS key/.test(s.name));
    expect(kmsSign.run).toBe('cosign sign --yes --key "${COSIGN_KEY}" --new-bundle-format=false --use-signing-config=false --tlog-upload=false "${IMAGE}@${DIGEST}"');
    expect(kmsSign.env.COSIGN_KEY).toBe(key);
    const aws = kms.steps.find((s: any) => s.uses === `${ACTIONS.awsCredentials.action}@${ACTIONS.awsCredentials.sha}`);
    expect(aws.with['aws-region']).toBe('eu-west-1');
    expect(kms.permissions).toEqual({ 'contents': 'read', 'packages': 'write', 'id-token': 'write' });
    // Public: the KMS signature goes to the log as usual.
    const publicKms = gitopsProject({ visibility: RepositoryVisibility.PUBLIC, signing: { mode: SigningMode.KMS_KEY, key } });
    const kmsPublic = workflowObject(synth(publicKms), FILE).jobs.publish;
    const kmsPublicSign = kmsPublic.steps.find((s: any) => s.name === 'Sign the image (KMS key)');
    expect(kmsPublicSign.run).toBe('cosign sign --yes --key "${COSIGN_KEY}" --new-bundle-format=false "${IMAGE}@${DIGEST}"');
  });

  test('a private repository never signs keyless unless asked; a KMS key follows its grammar', () => {
    expect(() => synth(gitopsProject({ signing: { mode: SigningMode.KEYLESS } }))).toThrow(/signing\.mode: is keyless, which writes the repository's name .* but visibility is 'private'; use mode: SigningMode\.GITHUB_ATTESTATIONS/);
    expect(synth(gitopsProject({ signing: { mode: SigningMode.KEYLESS, allowPublicLog: true } }))[FILE]).toContain('Sign the image (keyless, public Rekor log)');
    expect(() => synth(gitopsProject({ signing: { mode: SigningMode.KMS_KEY } }))).toThrow(/signing\.key: is needed by SigningMode\.KMS_KEY, got none; set key: 'awskms:\/\/\//);
    expect(() => synth(gitopsProject({ signing: { mode: SigningMode.KMS_KEY, key: 'gcpkms://projects/x' } }))).toThrow(/signing\.key: must be a KMS key reference .*got 'gcpkms:\/\/projects\/x'; try 'gcpkms:\/\/projects\/my-project\/locations\/global\/keyRings\/signing\/cryptoKeys\/images'/);
    expect(() => synth(gitopsProject({ signing: { key: 'hashivault://images' } }))).toThrow(/signing\.key: is used only by SigningMode\.KMS_KEY/);
    expect(() => synth(gitopsProject({ visibility: 'secret' as any }))).toThrow(/visibility: must be one of 'public', 'private', 'internal' \(RepositoryVisibility\), got 'secret'/);
  });

  test('multiple platforms: QEMU on publish, the first platform on pull requests; sign: false drops signing', () => {
    const wf = workflowObject(synth(gitopsProjectWithWorkflow({ platforms: ['linux/amd64', 'linux/arm64'], sign: false })), FILE);
    expect(wf.jobs.publish.steps.some((s: any) => String(s.uses).startsWith('docker/setup-qemu-action@'))).toBe(true);
    expect(wf.jobs.publish.steps.find((s: any) => s.id === 'push').with.platforms).toBe('linux/amd64,linux/arm64');
    expect(wf.jobs.build.steps.find((s: any) => s.id === 'build').with.platforms).toBe('linux/amd64');
    expect(wf.jobs.publish.steps.some((s: any) => /cosign/.test(JSON.stringify(s)))).toBe(false);
    expect(wf.jobs.publish.permissions['id-token']).toBeUndefined();
  });

  test('pushes publish with write access to packages (and the OIDC token to sign) on that job only', () => {
    const wf = workflowObject(synth(gitopsProject()), FILE);
    expect(wf.permissions).toEqual({ contents: 'read' });
    const publish = wf.jobs.publish;
    expect(publish.if).toBe("github.event_name == 'push'");
    expect(publish.permissions).toEqual({ 'contents': 'read', 'packages': 'write', 'id-token': 'write', 'attestations': 'write' });
    const buildStep = publish.steps.find((s: any) => String(s.uses).startsWith('docker/build-push-action@'));
    expect(buildStep.with.push).toBe(true);
    // No cache restored into a published image (cache poisoning).
    expect(buildStep.with['cache-from']).toBeUndefined();
  });

  test('checkout never persists credentials', () => {
    const wf = workflowObject(synth(gitopsProject()), FILE);
    const checkouts = Object.values<any>(wf.jobs).flatMap((job) => job.steps.filter((s: any) => String(s.uses).startsWith('actions/checkout@')));
    expect(checkouts.length).toBeGreaterThanOrEqual(2);
    for (const checkout of checkouts) expect(checkout.with['persist-credentials']).toBe(false);
  });

  test('superseded pull request runs are cancelled; every pushed commit has its own group', () => {
    const wf = workflowObject(synth(gitopsProject()), FILE);
    expect(wf.concurrency['cancel-in-progress']).toBe("${{ github.event_name == 'pull_request' }}");
    expect(wf.concurrency.group).toBe("${{ github.workflow }}-${{ github.event_name == 'pull_request' && github.event.pull_request.number || github.sha }}");
  });

  test('a release tag is published only when it points at a commit on the default branch', () => {
    const publish = workflowObject(synth(gitopsProject()), FILE).jobs.publish;
    expect(publish.steps[0].with['fetch-depth']).toBe(0);
    const check = publish.steps.find((s: any) => s.name === 'Check that a release tag is on the default branch');
    expect(check.if).toBe("github.ref_type == 'tag'");
    expect(check.env).toEqual({ DEFAULT_BRANCH: 'main' });
    expect(check.run).toMatch(/git merge-base --is-ancestor "\$GITHUB_SHA" "origin\/\$DEFAULT_BRANCH"/);
    expect(publish.steps.indexOf(check)).toBeLessThan(publish.steps.findIndex((s: any) => s.id === 'push'));
  });

  test('a non-amd64 first platform gets QEMU on pull requests too', () => {
    const wf = workflowObject(synth(gitopsProjectWithWorkflow({ platforms: ['linux/arm64'] })), FILE);
    expect(wf.jobs.build.steps.some((s: any) => String(s.uses).startsWith('docker/setup-qemu-action@'))).toBe(true);
  });

  test('uploadScanResults: false keeps the scan and the gate, without code scanning or its permission', () => {
    const wf = workflowObject(synth(gitopsProjectWithWorkflow({ uploadScanResults: false })), FILE);
    expect(wf.jobs.build.permissions).toEqual({ contents: 'read' });
    expect(wf.jobs.scan.permissions).toEqual({ contents: 'read', packages: 'read' });
    expect(JSON.stringify(wf)).not.toMatch(/upload-sarif/);
    expect(wf.jobs.build.steps.filter((s: any) => String(s.uses).startsWith('aquasecurity/trivy-action@'))).toHaveLength(2);
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
    expect(publish.permissions).toEqual({ 'contents': 'read', 'id-token': 'write', 'attestations': 'write' });
    expect(wf.jobs.scan.steps[0].with.password).toBe('${{ secrets.REGISTRY_PASSWORD }}');
    expect(wf.jobs.scan.steps[1].with['image-ref']).toBe('registry.example.com/acme/orders@${{ needs.publish.outputs.digest }}');
  });

  test('the default branch option moves every trigger', () => {
    const wf = workflowObject(synth(gitopsProject({ defaultBranch: 'trunk' })), FILE);
    expect(wf.on.pull_request.branches).toEqual(['trunk']);
    expect(wf.on.push.branches).toEqual(['trunk']);
  });

  test('passes actionlint and shellcheck', async () => {
    const variants = [
      synth(gitopsProject())[FILE],
      synth(gitopsProject({ registry: 'registry.example.com', imageName: 'acme/orders' }))[FILE],
      synth(gitopsProjectWithWorkflow({ platforms: ['linux/amd64', 'linux/arm64'], sign: false, scanSeverity: 'NONE' }))[FILE],
    ];
    for (const source of variants) {
      expect(await actionlint(source, FILE)).toEqual([]);
      const shell = shellcheckRuns(source);
      if (shell) expect(shell).toEqual([]);
    }
  });

  test('works as a component in any projen project with GitHub', () => {
    const project = new javascript.NodeProject({ name: 'svc', defaultReleaseBranch: 'main', outdir: tempdir() });
    new ContainerBuildWorkflow(project);
    new ContainerImage(project, { port: 3000 });
    const out = synth(project);
    expect(out[FILE]).toMatch(/Build image/);
  });

  test('without a ContainerImage it fails with a clear message', () => {
    const project = new javascript.NodeProject({ name: 'svc', defaultReleaseBranch: 'main', outdir: tempdir() });
    new ContainerBuildWorkflow(project);
    expect(() => project.synth()).toThrow(/ContainerBuildWorkflow: needs a ContainerImage in the project, found none; add `new ContainerImage\(project, \{\.\.\.\}\)`/);
  });

  test('without GitHub it fails with a clear message', () => {
    const project = new Project({ name: 'svc', outdir: tempdir() });
    new ContainerImage(project);
    new ContainerBuildWorkflow(project);
    expect(() => project.synth()).toThrow(/github: ContainerBuildWorkflow needs GitHub support in the project, got github: false; set github: true/);
  });

  test('bad platforms and scan severity are reported', () => {
    const project = gitopsProjectWithWorkflow({ platforms: ['amd64'], scanSeverity: 'SEVERE' });
    expect(() => project.synth()).toThrow(/platforms: must list platforms like 'linux\/amd64' or 'linux\/arm64', got \["amd64"\]/);
    expect(() => project.synth()).toThrow(/scanSeverity: must be one of 'CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'NONE' \(ScanSeverity\), got "SEVERE"; try ScanSeverity\.CRITICAL/);
  });

  test('bad branch and tag pattern are reported', () => {
    const project = new javascript.NodeProject({ name: 'svc', defaultReleaseBranch: 'main', outdir: tempdir() });
    new ContainerImage(project);
    new ContainerBuildWorkflow(project, { branch: 'feature..x', tagPattern: 'v *', runsOn: '${{ github.event.pull_request.title }}' });
    expect(() => project.synth()).toThrow(/branch: must be a git branch name .*, got 'feature\.\.x'; try 'feature\.x'/);
    expect(() => project.synth()).toThrow(/tagPattern: must be a tag glob of letters, digits, .*, got 'v \*'; try 'v\*'/);
    expect(() => project.synth()).toThrow(/runsOn: must be a runner label of letters, digits, '\.', '_' and '-', got '\$\{\{ github\.event\.pull_request\.title \}\}'; try 'ubuntu-24\.04'/);
  });
});
