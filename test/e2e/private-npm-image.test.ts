/**
 * A Node.js service with a runtime dependency that only a private npm registry serves
 * (`npmRegistry`): its generated Dockerfile builds for real (buildah) against verdaccio on
 * 127.0.0.1 with the repository's `.npmrc` and the token as build secrets (the workflow passes
 * the same two), fails without the token, and the token is in no layer of the image. Needs
 * `npx projen compile && npx projen package:js`, verdaccio (`bash scripts/install-verdaccio.sh`)
 * and the Debian tools of the OCI lab (test/e2e/oci.ts).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { OCI_TOOLS, OciLab } from './oci';
import { BASES, makeBases } from './presets';
import { ok, Registry, startRegistry, verdaccioPresent } from './registry';
import { run } from '../../scripts/bootstrap';
import { GitOpsProject } from '../../src';
import { describeWith } from '../tools';

const describeWithAll = verdaccioPresent('the private npm registry image build') ? describeWith(OCI_TOOLS) : describe.skip;

describeWithAll('a Node.js image with a dependency from a private npm registry', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-npm-image-'));
  const repo = path.join(work, 'orders');
  let npm: Registry | undefined;
  let lab: OciLab | undefined;
  const secrets = () => [`id=npmrc,src=${path.join(repo, '.npmrc')}`, 'id=NODE_AUTH_TOKEN,env=NODE_AUTH_TOKEN'];

  beforeAll(async () => {
    npm = await startRegistry(work);
    lab = new OciLab();
    makeBases(lab, ['node']);
    // The company's package, which only the private registry serves (and only with a token).
    const greeting = path.join(work, 'greeting');
    fs.mkdirSync(greeting);
    fs.writeFileSync(path.join(greeting, 'package.json'), JSON.stringify({ name: '@acme/greeting', version: '1.0.0', main: 'index.js', license: 'UNLICENSED' }));
    fs.writeFileSync(path.join(greeting, 'index.js'), "module.exports = () => 'hello from the private registry';\n");
    ok('npm', ['publish', greeting, '--registry', npm.url], work, npm.env());

    // The repository: every package from the private registry, the dependency in package.json.
    process.env.PROJEN_DISABLE_POST = 'true';
    new GitOpsProject({ name: 'orders', outdir: repo, npmRegistry: { url: npm.url }, deps: ['@acme/greeting@1.0.0'] }).synth();
    const none = path.join(work, 'no-user-npmrc');
    fs.writeFileSync(none, '');
    // Locked as a developer would: with the repository's .npmrc and the token in the environment.
    ok('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], repo,
      { NPM_CONFIG_USERCONFIG: none, npm_config_userconfig: none, NODE_AUTH_TOKEN: npm.token, CI: '' });
    // Locked from the registry of the repository's .npmrc (npm writes no host for it: npm ci asks that registry again).
    expect(JSON.parse(fs.readFileSync(path.join(repo, 'package-lock.json'), 'utf-8')).packages['node_modules/@acme/greeting']).toMatchObject({ version: '1.0.0', integrity: expect.stringMatching(/^sha512-/) });
  }, 1_200_000);

  afterAll(() => {
    lab?.dispose();
    npm?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('without the token the install step is refused by the registry', () => {
    let output = '';
    try {
      lab!.build(repo, 'localhost/orders:no-token', { BASE_IMAGE: BASES.node }, { secrets: [`id=npmrc,src=${path.join(repo, '.npmrc')}`] });
    } catch (error) {
      output = (error as Error).message;
    }
    expect(output).toMatch(/npm ci/);
    expect(output).toMatch(/npm (error|ERR!) code E40[13]/);
  });

  test('the Dockerfile made without npmRegistry (as before) fails even with both secrets: its install step mounts neither', () => {
    const before = path.join(work, 'orders-before');
    fs.cpSync(repo, before, { recursive: true });
    const plain = path.join(work, 'plain');
    new GitOpsProject({ name: 'orders', outdir: plain, deps: ['@acme/greeting@1.0.0'] }).synth();
    fs.copyFileSync(path.join(plain, 'Dockerfile'), path.join(before, 'Dockerfile'));
    expect(fs.readFileSync(path.join(before, 'Dockerfile'), 'utf-8')).not.toMatch(/type=secret/);
    let output = '';
    try {
      lab!.build(before, 'localhost/orders:before', { BASE_IMAGE: BASES.node }, { secrets: secrets(), env: { NODE_AUTH_TOKEN: npm!.token } });
    } catch (error) {
      output = (error as Error).message;
    }
    expect(output).toMatch(/npm ci/);
    // Neither secret reached the step: npm asked registry.npmjs.org, which does not have the
    // company's package (no .npmrc), or the private registry the lock file's `resolved` URL names,
    // which refuses it without a token (E401: seen when the lock was written against verdaccio).
    expect(output).toMatch(/npm (error|ERR!) (404 Not Found - GET https:\/\/registry\.npmjs\.org\/@acme%2fgreeting|code E401)/);
  });

  test('with the .npmrc and the token as build secrets it builds, and the dependency loads in the image', () => {
    const image = 'localhost/orders:private';
    const output = lab!.build(repo, image, { BASE_IMAGE: BASES.node }, { secrets: secrets(), env: { NODE_AUTH_TOKEN: npm!.token } });
    expect(output).toMatch(/npm ci --omit=dev/);
    expect(lab!.exec('podman', ['run', '--rm', image, 'node', '-p', 'require("@acme/greeting")()']).stdout.trim()).toBe('hello from the private registry');
    // No layer, no history entry, no label and no environment of the image holds the token (or the .npmrc).
    const archive = path.join(work, 'orders.tar');
    lab!.exec('podman', ['save', '-q', '--format', 'docker-archive', '-o', archive, image]);
    const layers = path.join(work, 'layers');
    fs.mkdirSync(layers);
    ok('tar', ['-xf', archive, '-C', layers], work);
    const grep = run('grep', ['-rlaF', npm!.token, layers], work);
    expect(grep.stdout.trim()).toBe('');
    const tarballs = (fs.readdirSync(layers, { recursive: true }) as string[]).filter((f) => f.endsWith('.tar'));
    expect(tarballs.length).toBeGreaterThanOrEqual(2);
    for (const tarball of tarballs) {
      const listing = ok('tar', ['-tf', path.join(layers, tarball)], work).stdout;
      expect([tarball, listing]).toEqual([tarball, expect.not.stringMatching(/(^|\/)\.npmrc$/m)]);
      expect(run('sh', ['-c', `tar -xOf '${path.join(layers, tarball)}' | grep -caF '${npm!.token}'`], work).stdout.trim()).toBe('0');
    }
  });
});
