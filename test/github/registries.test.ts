process.env.PROJEN_DISABLE_POST = 'true'; // no npm install in unit tests
import { GitOpsProject, GitOpsProjectOptions, RegistryIdentity, Runtime } from '../../src';
import { ACTIONS } from '../../src/github/actions';
import { actionlint, gitopsProject, shellcheckRuns, synth, usesOf, workflowObject } from '../util';

const FILE = '.github/workflows/container.yml';
const ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const GAR = 'europe-west1-docker.pkg.dev';
const ACR = 'myregistry.azurecr.io';

/** One option set per way of logging in. */
const KINDS: [string, Partial<GitOpsProjectOptions>][] = [
  ['GHCR', {}],
  ['Docker Hub', { registry: 'docker.io', imageName: 'acme/orders' }],
  ['Amazon ECR', { registry: ECR, imageName: 'acme/orders' }],
  ['Google Artifact Registry', { registry: GAR, imageName: 'my-project/containers/orders' }],
  ['Azure Container Registry', { registry: ACR }],
  ['another registry', { registry: 'registry.example.com', imageName: 'acme/orders' }],
];
const OIDC_KINDS = ['Amazon ECR', 'Google Artifact Registry', 'Azure Container Registry'];

function workflow(options: Partial<GitOpsProjectOptions>): any {
  return workflowObject(synth(gitopsProject(options)), FILE);
}

/** The steps of a job from its first login step to just before `until`. */
function loginSteps(job: any, until: (s: any) => boolean): any[] {
  const first = job.steps.findIndex((s: any) => /^Log in|^Assume|^Authenticate/.test(s.name));
  return job.steps.slice(first, job.steps.findIndex(until));
}

const isPush = (s: any) => s.id === 'push';
const isTrivy = (s: any) => String(s.uses).startsWith('aquasecurity/trivy-action@');

describe.each(KINDS)('%s', (kind, options) => {
  const source: string = synth(gitopsProject(options))[FILE];
  const wf = workflowObject({ [FILE]: source }, FILE);

  test('passes actionlint (SHA pins, version tags, and inputs at the majors actionlint knows) and shellcheck', async () => {
    expect(await actionlint(source, FILE)).toEqual([]);
    expect(shellcheckRuns(source) ?? []).toEqual([]);
  });

  test('id-token: write exactly on the jobs that sign or log in through OIDC, never at the top', () => {
    expect(wf.permissions).toEqual({ contents: 'read' });
    const withIdToken = Object.keys(wf.jobs).filter((id) => wf.jobs[id].permissions['id-token'] !== undefined).sort();
    // Signing is keyless (the publish job's OIDC token); the scan job only logs in.
    expect(withIdToken).toEqual(OIDC_KINDS.includes(kind) ? ['publish', 'scan'] : ['publish']);
    for (const id of withIdToken) expect(wf.jobs[id].permissions['id-token']).toBe('write');
  });

  test('without signing, id-token: write only where a cloud registry is logged in to', () => {
    const unsigned = workflow({ ...options, signImages: false });
    const withIdToken = Object.keys(unsigned.jobs).filter((id) => unsigned.jobs[id].permissions['id-token'] !== undefined).sort();
    expect(withIdToken).toEqual(OIDC_KINDS.includes(kind) ? ['publish', 'scan'] : []);
  });

  test('the pull request build logs in nowhere and reads no secret', () => {
    const build = JSON.stringify(wf.jobs.build);
    expect(build).not.toMatch(/secrets\.|vars\.|login|configure-aws-credentials|google-github-actions\/auth/);
    expect(wf.jobs.build.permissions['id-token']).toBeUndefined();
  });

  test('no expression expands inside a run: script', () => {
    for (const job of Object.values<any>(wf.jobs)) {
      for (const step of job.steps.filter((s: any) => s.run)) expect(step.run).not.toMatch(/\$\{\{/);
    }
  });

  test('the publish job logs in before it pushes and signs; the scan job logs in the same way before it pulls', () => {
    const publish = loginSteps(wf.jobs.publish, isPush);
    expect(publish.length).toBeGreaterThan(0);
    // The private default attests with GitHub artifact attestations (after the push, logged in).
    const sign = wf.jobs.publish.steps.findIndex((s: any) => /^Attest the build provenance/.test(s.name));
    expect(sign).toBeGreaterThan(wf.jobs.publish.steps.findIndex(isPush));
    expect(loginSteps(wf.jobs.scan, isTrivy)).toEqual(publish);
  });
});

describe('registry logins', () => {
  test('GHCR: the workflow token, with packages write to publish and read to scan', () => {
    const wf = workflow({});
    expect(loginSteps(wf.jobs.publish, isPush).map((s) => s.with)).toEqual([
      { registry: 'ghcr.io', username: '${{ github.actor }}', password: '${{ secrets.GITHUB_TOKEN }}' },
    ]);
    expect(wf.jobs.publish.permissions).toEqual({ 'contents': 'read', 'packages': 'write', 'id-token': 'write', 'attestations': 'write' });
    expect(wf.jobs.scan.permissions).toEqual({ 'contents': 'read', 'packages': 'read', 'security-events': 'write' });
  });

  test.each(['docker.io', 'index.docker.io', 'registry-1.docker.io'])('Docker Hub (%s): the DOCKERHUB_USERNAME variable and an access token, no registry input', (registry) => {
    const wf = workflow({ registry, imageName: 'acme/orders' });
    const steps = loginSteps(wf.jobs.publish, isPush);
    expect(steps).toHaveLength(1);
    expect(steps[0].uses).toBe(`${ACTIONS.login.action}@${ACTIONS.login.sha}`);
    expect(steps[0].with).toEqual({ username: '${{ vars.DOCKERHUB_USERNAME }}', password: '${{ secrets.DOCKERHUB_TOKEN }}' });
    expect(wf.jobs.publish.permissions.packages).toBeUndefined();
  });

  test('Amazon ECR: assumes the role through OIDC in the registry\'s region, then logs in to its account', () => {
    const wf = workflow({ registry: ECR, imageName: 'acme/orders' });
    const steps = loginSteps(wf.jobs.publish, isPush);
    expect(steps.map((s) => s.uses)).toEqual([
      `aws-actions/configure-aws-credentials@${ACTIONS.awsCredentials.sha}`,
      `aws-actions/amazon-ecr-login@${ACTIONS.ecrLogin.sha}`,
    ]);
    expect(steps[0].with).toEqual({ 'role-to-assume': '${{ vars.AWS_ROLE_ARN }}', 'aws-region': 'eu-west-1' });
    expect(steps[1].with).toEqual({ registries: '123456789012' });
    expect(JSON.stringify(wf)).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_SECRET/);
  });

  test.each([
    ['123456789012.dkr.ecr.us-gov-west-1.amazonaws.com', 'us-gov-west-1'],
    ['123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn', 'cn-north-1'],
    ['123456789012.dkr.ecr-fips.us-east-1.amazonaws.com', 'us-east-1'],
    ['123456789012.DKR.ECR.ap-southeast-2.AMAZONAWS.COM', 'ap-southeast-2'],
  ])('Amazon ECR: the region of %s is %s', (registry, region) => {
    const wf = workflow({ registry, imageName: 'acme/orders' });
    expect(loginSteps(wf.jobs.publish, isPush)[0].with['aws-region']).toBe(region);
  });

  test('Google Artifact Registry: an access token through Workload Identity Federation, no credentials file in the build context', () => {
    const wf = workflow({ registry: GAR, imageName: 'my-project/containers/orders' });
    const [auth, login] = loginSteps(wf.jobs.publish, isPush);
    expect(auth.uses).toBe(`google-github-actions/auth@${ACTIONS.gcpAuth.sha}`);
    expect(auth.with).toEqual({
      token_format: 'access_token',
      workload_identity_provider: '${{ vars.GCP_WORKLOAD_IDENTITY_PROVIDER }}',
      service_account: '${{ vars.GCP_SERVICE_ACCOUNT }}',
      create_credentials_file: false,
    });
    expect(login.uses).toBe(`docker/login-action@${ACTIONS.login.sha}`);
    expect(login.with).toEqual({ registry: GAR, username: 'oauth2accesstoken', password: `\${{ steps.${auth.id}.outputs.access_token }}` });
  });

  test('Azure Container Registry: azure/login through OIDC, then az acr login with the registry name as a literal', () => {
    const wf = workflow({ registry: ACR });
    const [azure, acr] = loginSteps(wf.jobs.publish, isPush);
    expect(azure.uses).toBe(`azure/login@${ACTIONS.azureLogin.sha}`);
    expect(azure.with).toEqual({
      'client-id': '${{ vars.AZURE_CLIENT_ID }}',
      'tenant-id': '${{ vars.AZURE_TENANT_ID }}',
      'subscription-id': '${{ vars.AZURE_SUBSCRIPTION_ID }}',
    });
    expect(acr.run).toBe('az acr login --name myregistry');
  });

  test('another registry: the REGISTRY_USERNAME and REGISTRY_PASSWORD secrets, no id-token for the scan', () => {
    const wf = workflow({ registry: 'registry.example.com', imageName: 'acme/orders' });
    expect(loginSteps(wf.jobs.scan, isTrivy).map((s) => s.with)).toEqual([
      { registry: 'registry.example.com', username: '${{ secrets.REGISTRY_USERNAME }}', password: '${{ secrets.REGISTRY_PASSWORD }}' },
    ]);
    expect(wf.jobs.scan.permissions['id-token']).toBeUndefined();
  });

  test('registryIdentity values replace the repository variables', () => {
    const identity: RegistryIdentity = {
      awsRoleArn: 'arn:aws:iam::123456789012:role/ci/github-publish',
      gcpWorkloadIdentityProvider: 'projects/123456789/locations/global/workloadIdentityPools/github/providers/orders',
      gcpServiceAccount: 'publisher@my-project.iam.gserviceaccount.com',
      azureClientId: '${{ vars.ORDERS_CLIENT_ID }}',
      azureTenantId: '11111111-2222-3333-4444-555555555555',
      azureSubscriptionId: 'AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE',
    };
    // Each cloud's identities, with a registry of that cloud (another cloud's would have no effect).
    const of = (prefix: string) => Object.fromEntries(Object.entries(identity).filter(([key]) => key.startsWith(prefix)));
    const ecr = workflow({ registry: ECR, imageName: 'acme/orders', registryIdentity: of('aws') });
    expect(loginSteps(ecr.jobs.scan, isTrivy)[0].with['role-to-assume']).toBe(identity.awsRoleArn);
    const gar = workflow({ registry: GAR, imageName: 'p/r/orders', registryIdentity: of('gcp') });
    expect(loginSteps(gar.jobs.publish, isPush)[0].with).toMatchObject({
      workload_identity_provider: identity.gcpWorkloadIdentityProvider,
      service_account: identity.gcpServiceAccount,
    });
    const acr = workflow({ registry: ACR, registryIdentity: of('azure') });
    expect(loginSteps(acr.jobs.publish, isPush)[0].with).toEqual({
      'client-id': '${{ vars.ORDERS_CLIENT_ID }}',
      'tenant-id': identity.azureTenantId,
      'subscription-id': identity.azureSubscriptionId,
    });
  });

  test('every login action comes from the pin table, with its version comment', () => {
    const pinned = new Set(Object.values(ACTIONS).map((p) => `${p.action}@${p.sha}`));
    for (const [, options] of KINDS) {
      const source: string = synth(gitopsProject(options))[FILE];
      for (const ref of usesOf(source)) expect(pinned).toContain(ref);
      expect(source).toMatch(/uses: \S+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/m);
      expect(source).not.toMatch(/uses: \S+@[0-9a-f]{40}$/m);
    }
  });

});

describe('several services on different registries', () => {
  function services(options: Partial<GitOpsProjectOptions> = {}): GitOpsProject {
    const project = gitopsProject({ registry: ECR, imageName: 'acme/orders', ...options });
    project.addService({ name: 'worker', runtime: Runtime.GO, registry: GAR, imageName: 'my-project/containers/worker' });
    project.addService({ name: 'web', registry: 'ghcr.io' });
    project.addService({ name: 'cron', runtime: Runtime.PYTHON, registry: ACR });
    return project;
  }

  test('each publish and scan job logs in to its own service\'s registry', () => {
    const wf = workflowObject(synth(services()), FILE);
    const firstLogin = (job: string) => loginSteps(wf.jobs[job], (s: any) => isPush(s) || isTrivy(s))[0].uses.split('@')[0];
    expect(firstLogin('publish-orders')).toBe('aws-actions/configure-aws-credentials');
    expect(firstLogin('scan-orders')).toBe('aws-actions/configure-aws-credentials');
    expect(firstLogin('publish-worker')).toBe('google-github-actions/auth');
    expect(firstLogin('scan-worker')).toBe('google-github-actions/auth');
    expect(firstLogin('publish-web')).toBe('docker/login-action');
    expect(firstLogin('publish-cron')).toBe('azure/login');
    expect(wf.jobs['publish-web'].permissions.packages).toBe('write');
    expect(wf.jobs['publish-orders'].permissions.packages).toBeUndefined();
  });

  test('id-token: write only on the jobs of services on a cloud registry (signing off)', () => {
    const wf = workflowObject(synth(services({ signImages: false })), FILE);
    const withIdToken = Object.keys(wf.jobs).filter((id) => wf.jobs[id].permissions['id-token'] !== undefined).sort();
    expect(withIdToken).toEqual(['publish-cron', 'publish-orders', 'publish-worker', 'scan-cron', 'scan-orders', 'scan-worker']);
    expect(wf.permissions).toEqual({ contents: 'read' });
  });

  test('passes actionlint and shellcheck, with no expression in a run: script', async () => {
    const source: string = synth(services())[FILE];
    expect(await actionlint(source, FILE)).toEqual([]);
    expect(shellcheckRuns(source) ?? []).toEqual([]);
    for (const job of Object.values<any>(workflowObject({ [FILE]: source }, FILE).jobs)) {
      for (const step of job.steps.filter((s: any) => s.run)) expect(step.run).not.toMatch(/\$\{\{/);
    }
  });
});

describe('registry validation', () => {
  test.each<[keyof RegistryIdentity, string, RegExp]>([
    ['awsRoleArn', 'arn:aws:iam::1234:role/publish', /registryIdentity\.awsRoleArn: must be an IAM role ARN like 'arn:aws:iam::123456789012:role\/github-publish' or a `\$\{\{ vars\.NAME \}\}` expression, got 'arn:aws:iam::1234:role\/publish'; fix it, or leave it unset to read the repository variable AWS_ROLE_ARN/],
    ['awsRoleArn', 'arn:aws:iam::123456789012:user/ci', /registryIdentity\.awsRoleArn: must be an IAM role ARN .* got 'arn:aws:iam::123456789012:user\/ci'/],
    ['gcpWorkloadIdentityProvider', 'projects/my-project/locations/global/workloadIdentityPools/github/providers/orders', /registryIdentity\.gcpWorkloadIdentityProvider: must be a provider name like 'projects\/123456789012\/locations\/global\/workloadIdentityPools\/github\/providers\/my-repo' \(the project number, not its id\) .* got 'projects\/my-project\/.*'; fix it, or leave it unset to read the repository variable GCP_WORKLOAD_IDENTITY_PROVIDER/],
    ['gcpServiceAccount', 'publisher', /registryIdentity\.gcpServiceAccount: must be a service account email like 'publisher@my-project\.iam\.gserviceaccount\.com' .* got 'publisher'; .* GCP_SERVICE_ACCOUNT/],
    ['azureClientId', 'my-app', /registryIdentity\.azureClientId: must be a GUID like '00000000-0000-0000-0000-000000000000' .* got 'my-app'; .* AZURE_CLIENT_ID/],
    ['azureTenantId', '1111-2222', /registryIdentity\.azureTenantId: must be a GUID .* got '1111-2222'; .* AZURE_TENANT_ID/],
    ['azureSubscriptionId', '${{ secrets.SUB }} ; x', /registryIdentity\.azureSubscriptionId: must be a GUID .* got '\$\{\{ secrets\.SUB \}\} ; x'; .* AZURE_SUBSCRIPTION_ID/],
  ])('a bad %s is rejected: %s', (key, value, message) => {
    const project = gitopsProject({ registryIdentity: { [key]: value } });
    expect(() => project.synth()).toThrow(message);
  });

  test('every bad identity is reported at once', () => {
    // One service per cloud, so each identity takes effect.
    const project = gitopsProject({
      registry: ECR,
      imageName: 'acme/orders',
      registryIdentity: { awsRoleArn: 'x', azureClientId: 'y', gcpServiceAccount: '' },
      services: [{ name: 'gar', registry: GAR, imageName: 'p/r/gar' }, { name: 'acr', registry: ACR }],
    });
    expect(() => project.synth()).toThrow(/3 problems[\s\S]*awsRoleArn[\s\S]*gcpServiceAccount[\s\S]*azureClientId/);
  });

  test('a misspelt identity is reported, not ignored', () => {
    const project = gitopsProject({ registryIdentity: { awsRoleARN: 'arn:aws:iam::123456789012:role/p' } as any });
    expect(() => project.synth()).toThrow(/registryIdentity\.awsRoleARN: is not an option of RegistryIdentity; did you mean 'awsRoleArn'\?/);
  });

  test('a registry that looks like Amazon ECR but is not one is rejected', () => {
    const project = gitopsProject({ registry: '1234.dkr.ecr.eu-west-1.amazonaws.com', imageName: 'acme/orders' });
    expect(() => project.synth()).toThrow(/registry: looks like Amazon ECR but is not '<12-digit account>\.dkr\.ecr\.<region>\.amazonaws\.com', got '1234\.dkr\.ecr\.eu-west-1\.amazonaws\.com'; try '123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com'/);
  });

  test('an Azure Container Registry name that Azure cannot have is rejected', () => {
    const project = gitopsProject({ registry: 'my-registry.azurecr.io' });
    expect(() => project.synth()).toThrow(/registry: must be '<name>\.azurecr\.io' with a registry name of 5 to 50 letters and digits, got 'my-registry\.azurecr\.io'/);
  });

  test('Artifact Registry needs an image name with project, repository and image', () => {
    expect(() => gitopsProject({ registry: GAR }).synth()).toThrow(/imageName: on Artifact Registry must be '<project>\/<repository>\/<image>', got none \(the default is '<owner>\/<repo>'\); try 'my-project\/my-repository\/orders'/);
    expect(() => gitopsProject({ registry: GAR, imageName: 'my-project/orders' }).synth()).toThrow(/imageName: on Artifact Registry must be .* got 'my-project\/orders'/);
  });

  test('Docker Hub needs an image name of namespace and repository', () => {
    const project = gitopsProject({ registry: 'docker.io', imageName: 'acme/orders' });
    project.addService({ name: 'worker', runtime: Runtime.GO });
    expect(() => project.synth()).toThrow(/addService\('worker'\)\.imageName: on Docker Hub must be '<namespace>\/<repository>', got none \(the default is '<owner>\/<repo>\/<service>'\); try 'my-namespace\/worker'/);
    expect(() => gitopsProject({ registry: 'docker.io', imageName: 'orders' }).synth()).toThrow(/imageName: on Docker Hub must be '<namespace>\/<repository>', got 'orders'/);
  });
});

describe('the base-image pin job with base images on two Artifact Registry hosts', () => {
  const US = 'us-docker.pkg.dev';
  const PIN = '.github/workflows/pin-base-images.yml';
  const project = () => {
    const p = gitopsProject({ registry: GAR, imageName: 'my-project/containers/orders', baseImage: `${GAR}/my-project/mirror/node:22` });
    p.addService({ name: 'worker', runtime: Runtime.GO, registry: US, imageName: 'my-project/containers/worker', baseImage: `${US}/my-project/mirror/distroless-static:nonroot` });
    return p;
  };

  test('authenticates to Google Cloud once, logs in to both hosts, and passes actionlint', async () => {
    const source = synth(project())[PIN];
    const steps: any[] = workflowObject({ [PIN]: source }, PIN).jobs.pin.steps;
    expect(steps.filter((s) => s.id === 'gcp-auth')).toHaveLength(1);
    expect(steps.filter((s) => s.name === 'Log in to Artifact Registry').map((s) => s.with.registry)).toEqual([US, GAR].sort());
    expect(await actionlint(source, PIN)).toEqual([]);
  });
});
