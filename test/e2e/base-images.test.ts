/**
 * `projen-gitops pin-bases` against a real registry: crane (built from the Go module proxy at the
 * version the pin-base-images workflow installs) resolves the lock's tags in a local registry;
 * synth then writes the Dockerfile FROM tag@digest. A tag the registry does not have fails and
 * writes nothing; a tag that moves gets its new digest. buildah builds the pinned Dockerfile from
 * the registry by that digest: after the tag moved, and refuses a digest the registry lacks.
 */
// Synth in this process: projen's post-synth install (npm ci under CI=true) has no lock file to read here.
process.env.PROJEN_DISABLE_POST = 'true';

import * as fs from 'fs';
import * as path from 'path';
import { OCI_TOOLS, OciLab } from './oci';
import { BASES, makeBases } from './presets';
import { Runtime } from '../../src';
import { PinBasesError, pinBases } from '../../src/cli/pin-bases';
import { BASE_IMAGES_LOCK, lockText, parseLock } from '../../src/model/base-images';
import { describeWith, findTool } from '../tools';
import { gitopsProject, readTree } from '../util';

describeWith(['crane', ...OCI_TOOLS])('pin-bases resolves the base image tags of a local registry (real crane)', () => {
  let lab: OciLab;
  let registry: string;

  /** Pushes a one-file image as `name:tag`; returns the digest the registry stored. */
  const push = (name: string, tag: string, content: string) => {
    const file = path.join(lab.dir, `${name}-${tag}.txt`);
    fs.writeFileSync(file, content);
    const container = lab.exec('buildah', ['from', 'scratch']).stdout.trim();
    lab.exec('buildah', ['copy', container, file, '/content.txt']);
    lab.exec('buildah', ['commit', '-q', container, `localhost/${name}:${tag}`]);
    const digestFile = path.join(lab.dir, `${name}-${tag}.digest`);
    lab.exec('buildah', ['push', '-q', '--tls-verify=false', '--digestfile', digestFile, `localhost/${name}:${tag}`, `docker://${registry}/library/${name}:${tag}`]);
    return fs.readFileSync(digestFile, 'utf-8').trim();
  };

  beforeAll(async () => {
    lab = new OciLab();
    registry = await lab.startRegistry();
  }, 120_000);
  afterAll(() => lab?.dispose());

  test('the lock gets the registry\'s digests, the Dockerfile follows, a moved tag is re-pinned', () => {
    const base = `${registry}/library/runtime-base:1`;
    const digest = push('runtime-base', '1', 'one\n');
    const project = gitopsProject({ baseImage: base });
    project.synth();
    const lockFile = path.join(project.outdir, BASE_IMAGES_LOCK);
    expect(parseLock(fs.readFileSync(lockFile, 'utf-8')).digests[base]).toBe('');

    const changed = pinBases({ cwd: project.outdir, insecure: true, crane: findTool('crane'), log: () => undefined });
    expect(changed).toContain(base);
    expect(parseLock(fs.readFileSync(lockFile, 'utf-8')).digests[base]).toBe(digest);

    const again = gitopsProject({ baseImage: base, outdir: project.outdir });
    again.synth();
    const dockerfile = readTree(project.outdir).Dockerfile;
    expect(dockerfile).toContain(`ARG BASE_IMAGE="${base}"\nARG BASE_IMAGE_SHA256="${digest.slice('sha256:'.length)}"\n`);
    expect(dockerfile).toMatch(/^FROM \$\{BASE_IMAGE\}@sha256:\$\{BASE_IMAGE_SHA256\} AS deps$/m);

    // The tag moves: the next run pins the new digest.
    const moved = push('runtime-base', '1', 'two\n');
    expect(moved).not.toBe(digest);
    expect(pinBases({ cwd: project.outdir, insecure: true, crane: findTool('crane'), log: () => undefined })).toEqual([base]);
    expect(parseLock(fs.readFileSync(lockFile, 'utf-8')).digests[base]).toBe(moved);
  });

  test('buildah builds the pinned Dockerfile by the lock\'s digest, after the tag moved; a digest the registry lacks fails', () => {
    // The nginx stand-in (test/e2e/presets.ts) as the static preset's base, in the registry by tag.
    makeBases(lab, ['nginx']);
    const base = `${registry}/library/nginx-test:1`;
    const digestFile = path.join(lab.dir, 'nginx.digest');
    lab.exec('buildah', ['push', '-q', '--tls-verify=false', '--digestfile', digestFile, BASES.nginx, `docker://${base}`]);
    const digest = fs.readFileSync(digestFile, 'utf-8').trim();
    const project = gitopsProject({ runtime: Runtime.STATIC, baseImage: base });
    project.synth();
    expect(pinBases({ cwd: project.outdir, insecure: true, crane: findTool('crane'), log: () => undefined })).toEqual([base]);
    gitopsProject({ runtime: Runtime.STATIC, baseImage: base, outdir: project.outdir }).synth();
    const dockerfile = readTree(project.outdir).Dockerfile;
    expect(dockerfile.match(/^FROM .*/gm)).toEqual(['FROM ${BASE_IMAGE}@sha256:${BASE_IMAGE_SHA256} AS site', 'FROM ${BASE_IMAGE}@sha256:${BASE_IMAGE_SHA256} AS runtime']);
    expect(dockerfile).toContain(`ARG BASE_IMAGE_SHA256="${digest.slice('sha256:'.length)}"`);

    // The tag moves to an image without nginx: a build from the tag would fail at `nginx -t`.
    const moved = push('nginx-test', '1', 'no nginx here\n');
    expect(moved).not.toBe(digest);
    const build = (...args: string[]) => lab.exec('buildah', ['bud', '--tls-verify=false', '--isolation', 'chroot', '--format', 'docker', ...args, '.'], { cwd: project.outdir });
    build('-t', 'localhost/pinned-static:test');
    const image = JSON.parse(lab.exec('buildah', ['inspect', '--type', 'image', 'localhost/pinned-static:test']).stdout);
    expect(image.Docker.config.User).toBe('10001:10001');
    // Known-bad: a digest the registry does not hold (no fallback to the tag).
    expect(() => build('--build-arg', `BASE_IMAGE_SHA256=${'0'.repeat(64)}`, '-t', 'localhost/pinned-static:bad')).toThrow(/manifest unknown|not found|reading manifest/i);
  }, 600_000);

  test('a tag the registry does not have fails, naming it, and leaves the lock as it was', () => {
    const dir = fs.mkdtempSync(path.join(lab.dir, 'lock-'));
    const text = lockText({ [`${registry}/library/missing:9`]: '' });
    fs.writeFileSync(path.join(dir, BASE_IMAGES_LOCK), text);
    expect(() => pinBases({ cwd: dir, insecure: true, crane: findTool('crane'), log: () => undefined })).toThrow(PinBasesError);
    expect(() => pinBases({ cwd: dir, insecure: true, crane: findTool('crane'), log: () => undefined })).toThrow(/crane digest .*missing:9 failed .*nothing was written/);
    expect(fs.readFileSync(path.join(dir, BASE_IMAGES_LOCK), 'utf-8')).toBe(text);
  });
});
