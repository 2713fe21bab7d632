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
});
