import { DiagnosticSeverity, validate } from 'dockerfile-utils';
import { parse } from 'yaml';
import { Runtime } from '../../src';
import { testWith } from '../tools';
import { dockerlinter, gitopsProject, synth } from '../util';

/** Every preset with a Dockerfile; pnpm and Yarn services live in folders of their own. */
const PRESETS: Array<[Runtime, string]> = [
  [Runtime.NODE, ''],
  [Runtime.NODE_PNPM, 'services/web/'],
  [Runtime.NODE_YARN, 'services/web/'],
  [Runtime.PYTHON, ''],
  [Runtime.PYTHON_PYPROJECT, ''],
  [Runtime.GO, ''],
  [Runtime.JAVA_MAVEN, ''],
  [Runtime.JAVA_GRADLE, ''],
  [Runtime.STATIC, ''],
];

const SAMPLES: Record<string, string[]> = {
  [Runtime.NODE]: ['src/server.js'],
  [Runtime.NODE_PNPM]: ['src/server.js', 'package.json', 'pnpm-lock.yaml'],
  [Runtime.NODE_YARN]: ['src/server.js', 'package.json', 'yarn.lock'],
  [Runtime.PYTHON]: ['requirements.txt', 'src/main.py'],
  [Runtime.PYTHON_PYPROJECT]: ['pyproject.toml', 'src/main.py'],
  [Runtime.GO]: ['go.mod', 'go.sum', 'main.go'],
  [Runtime.JAVA_MAVEN]: ['pom.xml', 'src/main/java/app/Main.java'],
  [Runtime.JAVA_GRADLE]: ['build.gradle', 'settings.gradle', 'src/main/java/app/Main.java'],
  [Runtime.STATIC]: ['public/index.html'],
};

const CODEQL: Record<string, string | undefined> = {
  [Runtime.NODE]: 'javascript-typescript',
  [Runtime.NODE_PNPM]: 'javascript-typescript',
  [Runtime.NODE_YARN]: 'javascript-typescript',
  [Runtime.PYTHON]: 'python',
  [Runtime.PYTHON_PYPROJECT]: 'python',
  [Runtime.GO]: 'go',
  [Runtime.JAVA_MAVEN]: 'java-kotlin',
  [Runtime.JAVA_GRADLE]: 'java-kotlin',
  [Runtime.STATIC]: undefined,
};

const ECOSYSTEM: Record<string, string | undefined> = {
  [Runtime.PYTHON]: 'pip',
  [Runtime.PYTHON_PYPROJECT]: 'pip',
  [Runtime.GO]: 'gomod',
  [Runtime.JAVA_MAVEN]: 'maven',
  [Runtime.JAVA_GRADLE]: 'gradle',
};

describe.each(PRESETS)('the %s preset', (runtime, dir) => {
  const out = synth(dir ? gitopsProject({ services: [{ name: 'web', runtime }] }) : gitopsProject({ runtime }));
  const dockerfile: string = out[`${dir}Dockerfile`];

  test('Dockerfile snapshot', () => {
    expect(dockerfile).toMatchSnapshot();
  });

  test('passes dockerfile-utils with no problem', () => {
    const problems = validate(dockerfile).map((d) => `${d.range.start.line + 1}: ${d.message} (${d.severity === DiagnosticSeverity.Error ? 'error' : 'warning'})`);
    expect(problems).toEqual([]);
  });

  testWith(['shellcheck'])('passes dockerlinter (hadolint-like rules and shellcheck over RUN) with no finding', () => {
    expect(dockerlinter(dockerfile)).toEqual([]);
  });

  test('multi-stage, non-root numeric user, exec-form CMD, HEALTHCHECK, EXPOSE, OCI labels', () => {
    expect(dockerfile.split('\n')[0]).toMatch(/^# syntax=docker\/dockerfile:\d+\.\d+\.\d+$/);
    expect(dockerfile.match(/^FROM /gm)!.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^USER 10001:10001$/m);
    expect(dockerfile).toMatch(/^CMD \[/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\\\n\s+CMD \[/m);
    expect(dockerfile).toMatch(/^EXPOSE 8080$/m);
    expect(dockerfile).toMatch(/org\.opencontainers\.image\.source="\$\{OCI_SOURCE\}"/);
    expect(dockerfile).not.toMatch(/:latest\b/);
    expect(dockerfile).not.toMatch(/\{\{|\}\}/);
    for (const from of dockerfile.match(/^FROM .*/gm)!) expect(from).toMatch(/^FROM \$\{(BASE|BUILD)_IMAGE\} AS \w+$/);
  });

  test('a BuildKit cache mount for its package manager (the static site has none to cache)', () => {
    if (runtime === Runtime.STATIC) expect(dockerfile).not.toMatch(/--mount=type=cache/);
    else expect(dockerfile).toMatch(/RUN --mount=type=cache,target=\S+/);
  });

  test('a .dockerignore suited to the runtime', () => {
    const lines: string[] = out[`${dir}.dockerignore`].split('\n');
    expect(lines).toEqual(expect.arrayContaining(['.git', '.env', '.projen']));
    const own: Record<string, string> = { python: '__pycache__', go: 'vendor', java: 'target', node: 'node_modules', static: 'node_modules' };
    expect(lines).toContain(own[runtime.split('-')[0]]);
  });

  test('a sample service is seeded, and the CodeQL language and Dependabot ecosystem follow', () => {
    for (const file of SAMPLES[runtime]) expect(out[`${dir}${file}`]).toBeDefined();
    const languages = parse(out['.github/workflows/codeql.yml']).jobs.analyze.strategy.matrix.include.map((e: any) => e.language);
    expect(languages).toEqual(CODEQL[runtime] ? [CODEQL[runtime], 'actions'] : ['actions']);
    const ecosystems = parse(out['.github/dependabot.yml']).updates.map((u: any) => u['package-ecosystem']);
    expect(ecosystems).toEqual(ECOSYSTEM[runtime] ? ['npm', ECOSYSTEM[runtime]] : ['npm']);
  });
});

describe('package files of pnpm and Yarn services', () => {
  test('the seeded package.json pins the package manager for corepack, next to an empty lockfile', () => {
    const pnpm = synth(gitopsProject({ services: [{ name: 'web', runtime: Runtime.NODE_PNPM }] }));
    expect(pnpm['services/web/package.json']).toMatchObject({ name: 'web', packageManager: expect.stringMatching(/^pnpm@\d+\.\d+\.\d+\+sha512\.[0-9a-f]{128}$/), dependencies: {} });
    expect(pnpm['services/web/pnpm-lock.yaml']).toMatch(/^lockfileVersion: '9\.0'$/m);
    const yarn = synth(gitopsProject({ services: [{ name: 'web', runtime: Runtime.NODE_YARN }] }));
    expect(yarn['services/web/package.json'].packageManager).toMatch(/^yarn@1\.\d+\.\d+\+sha512\.[0-9a-f]{128}$/);
    expect(yarn['services/web/yarn.lock']).toMatch(/^# yarn lockfile v1$/m);
  });

  test.each([Runtime.NODE_PNPM, Runtime.NODE_YARN])('%s on Node.js 25 (no corepack) is rejected', (runtime) => {
    expect(() => gitopsProject({ services: [{ name: 'web', runtime, nodeVersion: '25' }] }).synth())
      .toThrow(/nodeVersion: must be 24 or earlier for (pnpm|yarn) \(Node\.js 25 images no longer ship corepack\), got '25'; try '24'/);
  });

  test.each([Runtime.NODE_PNPM, Runtime.NODE_YARN])('%s at the repository root is rejected', (runtime) => {
    expect(() => gitopsProject({ runtime }).synth()).toThrow(new RegExp(`runtime: '${runtime}' needs the service in a folder of its own .*; use Runtime\\.NODE here and add the service with addService\\(\\) or services`));
  });
});

describe('the static preset', () => {
  const out = synth(gitopsProject({ runtime: Runtime.STATIC, port: 8081, healthPath: '/ready' }));

  test('nginx.conf is generated from the port and health path, with root-free paths', () => {
    const conf: string = out['nginx.conf'];
    expect(conf).toMatch(/^ {8}listen 8081;$/m);
    expect(conf).toMatch(/location = \/ready \{\n\s+access_log off;\n\s+default_type application\/json;\n\s+return 200 '\{"status":"ok"\}';/);
    expect(conf).toMatch(/^pid \/tmp\/nginx\.pid;$/m);
    expect(conf).not.toMatch(/^\s*user /m);
    expect(out.Dockerfile).toMatch(/CMD \["wget", "-q", "-O", "\/dev\/null", "http:\/\/127\.0\.0\.1:8081\/ready"\]/);
  });

  test('OS packages go through apk, as root, since the nginx image runs as its own user', () => {
    const dockerfile = synth(gitopsProject({ runtime: Runtime.STATIC, runtimeStage: { osPackages: ['curl'] } })).Dockerfile;
    expect(dockerfile).toMatch(/^USER root\nRUN apk add --no-cache curl$/m);
    expect(dockerfile.trim().split('\n').filter((l: string) => l.startsWith('USER ')).pop()).toBe('USER 10001:10001');
  });
});

describe('Runtime.CUSTOM', () => {
  test('your Dockerfile is built by the workflow and never written', () => {
    const out = synth(gitopsProject({ runtime: Runtime.CUSTOM, dockerfile: 'docker/app.Dockerfile' }));
    expect(out['docker/app.Dockerfile']).toBeUndefined();
    expect(out.Dockerfile).toBeUndefined();
    expect(out['.dockerignore']).toBeUndefined();
    expect(out['src/server.js']).toBeUndefined();
    const build = parse(out['.github/workflows/container.yml']).jobs.build.steps.find((s: any) => s.uses?.startsWith('docker/build-push-action'));
    expect(build.with.file).toBe('docker/app.Dockerfile');
    expect(out['README.md']).toMatch(/\| `docker\/app\.Dockerfile` \| yours \|/);
    const updates = parse(out['.github/dependabot.yml']).updates;
    expect(updates.map((u: any) => [u['package-ecosystem'], u.directory])).toEqual([['npm', '/'], ['docker', '/docker']]);
  });

  test.each<[string, object, RegExp]>([
    ['a base image', { baseImage: 'node:22' }, /baseImage: shapes the Dockerfile of a preset; with Runtime\.CUSTOM your own Dockerfile decides, got 'node:22'; remove it/],
    ['stage options', { runtimeStage: { env: { A: 'b' } } }, /runtimeStage: shapes the Dockerfile of a preset/],
    ['a path outside the folder', { dockerfile: '../Dockerfile' }, /dockerfile: must be a file inside the service's folder .*, got '\.\.\/Dockerfile'/],
  ])('%s is rejected', (_name, options, message) => {
    expect(() => gitopsProject({ runtime: Runtime.CUSTOM, ...options }).synth()).toThrow(message);
  });

  test('dockerfile on a preset is rejected', () => {
    expect(() => gitopsProject({ dockerfile: 'x.Dockerfile' }).synth()).toThrow(/dockerfile: applies to Runtime\.CUSTOM only .* got 'x\.Dockerfile'; remove it, or set runtime: Runtime\.CUSTOM/);
  });
});

describe('runtime options', () => {
  test('java version picks the build and runtime image tags', () => {
    const maven = synth(gitopsProject({ runtime: Runtime.JAVA_MAVEN, javaVersion: '25' })).Dockerfile;
    expect(maven).toMatch(/^ARG BUILD_IMAGE="docker\.io\/library\/maven:3\.9-eclipse-temurin-25"$/m);
    expect(maven).toMatch(/^ARG BASE_IMAGE="docker\.io\/library\/eclipse-temurin:25-jre"$/m);
    expect(synth(gitopsProject({ runtime: Runtime.JAVA_GRADLE })).Dockerfile).toMatch(/^ARG BUILD_IMAGE="docker\.io\/library\/gradle:9-jdk21"$/m);
    expect(() => gitopsProject({ runtime: Runtime.JAVA_MAVEN, javaVersion: '11' }).synth()).toThrow(/javaVersion: must be a Java feature release of 17 or later .* got '11'; try '21'/);
    expect(() => gitopsProject({ runtime: Runtime.PYTHON_PYPROJECT, pythonVersion: '3.10' }).synth()).toThrow(/pythonVersion: must be 3\.11 or later for pyproject\.toml .* got '3\.10'; try '3\.12'/);
  });

  test('python version and go version pick the image tags', () => {
    expect(synth(gitopsProject({ runtime: Runtime.PYTHON, pythonVersion: '3.13' })).Dockerfile).toMatch(/^ARG BASE_IMAGE="docker\.io\/library\/python:3\.13-slim-trixie"$/m);
    const go = synth(gitopsProject({ runtime: Runtime.GO, goVersion: '1.24' })).Dockerfile;
    expect(go).toMatch(/^ARG BUILD_IMAGE="docker\.io\/library\/golang:1\.24-trixie"$/m);
    expect(go).toMatch(/^ARG BASE_IMAGE="gcr\.io\/distroless\/static-debian13:nonroot"$/m);
  });

  test('the go module is named after the project', () => {
    expect(synth(gitopsProject({ runtime: Runtime.GO, name: 'payments' }))['go.mod']).toMatch(/^module payments$/m);
  });

  test('the go health check is the binary itself (the runtime image has no shell)', () => {
    expect(synth(gitopsProject({ runtime: Runtime.GO })).Dockerfile).toMatch(/CMD \["\/app\/server", "-healthcheck"\]/);
  });

  test.each<[string, object, RegExp]>([
    ['a python version for node', { pythonVersion: '3.12' }, /pythonVersion: applies to another runtime than 'node', got '3\.12'; remove it, or set nodeVersion instead/],
    ['a bad python version', { runtime: Runtime.PYTHON, pythonVersion: '2.7' }, /pythonVersion: must be a Python 3 minor version of 3\.9 or later .* got '2\.7'; try '3\.12'/],
    ['a bad go version', { runtime: Runtime.GO, goVersion: 'latest' }, /goVersion: must be a Go version like '1\.27' .* got 'latest'/],
    ['a build image for python', { runtime: Runtime.PYTHON, buildImage: 'golang:1.23' }, /buildImage: applies to compiled runtimes \(go, java-maven, java-gradle\) only/],
    ['a version for a runtime without one', { runtime: Runtime.STATIC, nodeVersion: '22' }, /nodeVersion: applies to another runtime than 'static', got '22'; remove it$/m],
    ['an unpinned build image', { runtime: Runtime.GO, buildImage: 'golang' }, /buildImage: must pin a version/],
  ])('%s is rejected', (_name, options, message) => {
    const project = gitopsProject(options);
    expect(() => project.synth()).toThrow(message);
  });

  test('dockerfile-utils itself reports a broken Dockerfile (the validator works)', () => {
    expect(validate('FROM\nEXPOSE abc\n').length).toBeGreaterThan(0);
  });

  testWith(['shellcheck'])('dockerlinter itself reports bad practice, shell bugs and a flag outside RUN --mount (the validator works)', () => {
    const findings = dockerlinter('FROM debian:latest\nRUN apt-get install curl\nRUN echo $1 --mount\nRUN --no-cache=true echo\nUSER root\n')!;
    expect(findings.join('\n')).toMatch(/^1: EF0003 /m); // FROM with `latest`
    expect(findings.join('\n')).toMatch(/^2: ER0009 /m); // apt-get install without -y
    expect(findings.join('\n')).toMatch(/^4: SC2215 /m);
  });
});
