import * as fs from 'fs';
import * as path from 'path';
import { GitOpsProject } from '../../src';
import { parseLock } from '../../src/model/base-images';
import { gitopsProject, readTree, synth, workflowObject } from '../util';

/** Synth on disk, as `npx projen` does in a checkout (the lock stays between runs). */
function synthOnDisk(project: GitOpsProject): Record<string, string> {
  const saved = process.env.PROJEN_DISABLE_POST;
  process.env.PROJEN_DISABLE_POST = 'true';
  try {
    project.synth();
  } finally {
    if (saved === undefined) delete process.env.PROJEN_DISABLE_POST;
    else process.env.PROJEN_DISABLE_POST = saved;
  }
  return readTree(project.outdir);
}

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('base images pinned through base-images.lock.yaml (written by automation)', () => {
  test('the first synth lists every base and build tag without a digest: the Dockerfile uses the tag, the README says so', () => {
    const out = synth(gitopsProject());
    const lock = parseLock(out['base-images.lock.yaml']);
    const refs = Object.keys(lock.digests);
    expect(refs.length).toBeGreaterThan(0);
    expect(Object.values(lock.digests).every((d) => d === '')).toBe(true);
    for (const ref of refs) expect(out.Dockerfile).toContain(`="${ref}"`);
    expect(out.Dockerfile).not.toMatch(/@sha256:/);
    expect(out['README.md']).toMatch(/\*\*Not pinned yet\*\* \(built from the\s+tag until the workflow sets its digest\): `/);
  });

  test('a digest in the lock makes the Dockerfile build FROM tag@digest, written in the FROM line; synth never overwrites the lock', () => {
    const project = gitopsProject();
    const first = synthOnDisk(project);
    const ref = Object.keys(parseLock(first['base-images.lock.yaml']).digests)[0];
    const file = path.join(project.outdir, 'base-images.lock.yaml');
    const edited = first['base-images.lock.yaml'].replace(`${ref}:\n    digest: ""`, `${ref}:\n    digest: ${DIGEST}`);
    expect(edited).not.toBe(first['base-images.lock.yaml']);
    fs.writeFileSync(file, edited);
    const again = synthOnDisk(gitopsProject({ outdir: project.outdir }));
    expect(again['base-images.lock.yaml']).toBe(edited);
    expect(again.Dockerfile).toMatch(new RegExp(`^ARG BASE_IMAGE="${ref.replace(/[.]/g, '\\.')}"\nARG BASE_IMAGE_SHA256="${DIGEST.slice('sha256:'.length)}"$`, 'm'));
    // Scorecard does not resolve ARG values (test/scorecard.test.ts): `@sha256:` is in each FROM itself.
    for (const from of again.Dockerfile.match(/^FROM .*/gm)!) expect(from).toMatch(/^FROM \$\{BASE_IMAGE\}@sha256:\$\{BASE_IMAGE_SHA256\} AS \w+$/);
  });

  test('a lock entry that is no digest stops synth, naming the file, and changes nothing', () => {
    const project = gitopsProject();
    const first = synthOnDisk(project);
    const ref = Object.keys(parseLock(first['base-images.lock.yaml']).digests)[0];
    fs.writeFileSync(path.join(project.outdir, 'base-images.lock.yaml'), first['base-images.lock.yaml'].replace(`${ref}:\n    digest: ""`, `${ref}:\n    digest: latest`));
    expect(() => synthOnDisk(gitopsProject({ outdir: project.outdir }))).toThrow(/base-images\.lock\.yaml: .*: the digest must be sha256:<64 hex digits> or empty, got "latest"; run `npx projen-gitops pin-bases` or empty it/);
  });

  test('the pin-base-images workflow resolves with a pinned crane and opens a pull request, no expression in a script', () => {
    const wf = workflowObject(synth(gitopsProject()), '.github/workflows/pin-base-images.yml');
    expect(wf.permissions).toEqual({ contents: 'read' });
    expect(wf.jobs.pin.permissions).toEqual({ 'contents': 'write', 'pull-requests': 'write' });
    const steps = wf.jobs.pin.steps;
    expect(steps.find((s: any) => /^Install crane/.test(s.name)).env.CRANE_MODULE).toBe('github.com/google/go-containerregistry/cmd/crane@v0.22.1');
    expect(steps.map((s: any) => s.run).filter(Boolean)).toEqual(expect.arrayContaining(['npx projen-gitops pin-bases', 'npx projen']));
    for (const step of steps) if (step.run) expect(step.run).not.toContain('${{');
  });

  test('the pin-base-images pull request is opened with the GitHub App token when there is one, so its checks run; else the workflow token, and it says so', () => {
    const steps = workflowObject(synth(gitopsProject()), '.github/workflows/pin-base-images.yml').jobs.pin.steps;
    const app = steps.find((s: any) => s.id === 'app-token');
    expect(app).toMatchObject({ if: "vars.UPGRADE_APP_CLIENT_ID != ''", with: { 'client-id': '${{ vars.UPGRADE_APP_CLIENT_ID }}', 'private-key': '${{ secrets.UPGRADE_APP_PRIVATE_KEY }}' } });
    // Dockerfiles, the lock and the README: no `workflows` permission.
    expect(Object.keys(app.with).filter((k) => k.startsWith('permission-'))).toEqual(['permission-contents', 'permission-pull-requests']);
    expect(steps.indexOf(app)).toBe(0);
    expect(steps.find((s: any) => s.if === "vars.UPGRADE_APP_CLIENT_ID == ''").run).toMatch(/::warning title=No automation app::UPGRADE_APP_CLIENT_ID is not set: .*GitHub runs no workflow on it/);
    const open = steps.find((s: any) => s.name === 'Open or update the pull request');
    expect(open.env).toMatchObject({ GH_TOKEN: '${{ steps.app-token.outputs.token || github.token }}', TOKEN_KIND: "${{ steps.app-token.outputs.token && 'app' || 'workflow' }}" });
    expect(open.run).toMatch(/if \[ "\$TOKEN_KIND" = workflow \]; then body="\$body Opened with the workflow token/);
  });

  test('base images in a registry the services push to are resolved after the publish job\'s login (a mirror there); others anonymously', () => {
    const pinJob = (options: object) => workflowObject(synth(gitopsProject(options)), '.github/workflows/pin-base-images.yml').jobs.pin;
    const login = (job: any) => job.steps.filter((s: any) => /^(Log in|Assume|Authenticate)/.test(s.name));
    // Docker Hub's images, pushed to GHCR: no login, no further permission.
    const plain = pinJob({});
    expect(login(plain)).toEqual([]);
    // A mirror in GHCR, the services' registry: the GHCR login, and packages: read for it.
    const ghcr = pinJob({ baseImageMirror: 'ghcr.io/acme/hub' });
    expect(login(ghcr)).toEqual([expect.objectContaining({ with: { registry: 'ghcr.io', username: '${{ github.actor }}', password: '${{ secrets.GITHUB_TOKEN }}' } })]);
    expect(ghcr.permissions).toEqual({ 'contents': 'write', 'pull-requests': 'write', 'packages': 'read' });
    // ECR, with the publish job's identity (OIDC), before crane resolves.
    const ecr = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
    const cloud = pinJob({ registry: ecr, imageName: 'acme/orders', baseImage: `${ecr}/hub/node:22-trixie-slim`, registryIdentity: { awsRoleArn: 'arn:aws:iam::123456789012:role/orders-publish' } });
    expect(login(cloud).map((s: any) => s.name)).toEqual(['Assume the AWS role (OIDC)', 'Log in to Amazon ECR']);
    expect(login(cloud)[0].with['role-to-assume']).toBe('arn:aws:iam::123456789012:role/orders-publish');
    expect(cloud.permissions).toEqual({ 'contents': 'write', 'pull-requests': 'write', 'id-token': 'write' });
    const names = cloud.steps.map((s: any) => s.name);
    expect(names.indexOf('Log in to Amazon ECR')).toBeLessThan(names.indexOf('Resolve the tags to digests'));
  });
});
