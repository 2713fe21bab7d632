import { DiagnosticSeverity, validate } from 'dockerfile-utils';
import { parse } from 'yaml';
import { Runtime } from '../../src';
import { dockerlinter, gitopsProject, synth } from '../util';

const RUNTIMES = [Runtime.NODE, Runtime.PYTHON, Runtime.GO];

describe.each(RUNTIMES)('the %s preset', (runtime) => {
  const out = synth(gitopsProject({ runtime }));

  test('Dockerfile snapshot', () => {
    expect(out.Dockerfile).toMatchSnapshot();
  });

  test('passes dockerfile-utils with no problem', () => {
    const problems = validate(out.Dockerfile).map((d) => `${d.range.start.line + 1}: ${d.message} (${d.severity === DiagnosticSeverity.Error ? 'error' : 'warning'})`);
    expect(problems).toEqual([]);
  });

  test('passes dockerlinter (hadolint-like rules and shellcheck over RUN) with no finding', () => {
    expect(dockerlinter(out.Dockerfile)).toEqual([]);
  });

  test('multi-stage, non-root numeric user, exec-form CMD, HEALTHCHECK, EXPOSE, OCI labels, cache mounts', () => {
    const dockerfile: string = out.Dockerfile;
    expect(dockerfile.split('\n')[0]).toBe('# syntax=docker/dockerfile:1');
    expect(dockerfile.match(/^FROM /gm)!.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^USER 10001:10001$/m);
    expect(dockerfile).toMatch(/^CMD \[/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\\\n\s+CMD \[/m);
    expect(dockerfile).toMatch(/^EXPOSE 8080$/m);
    expect(dockerfile).toMatch(/org\.opencontainers\.image\.source="\$\{OCI_SOURCE\}"/);
    expect(dockerfile).toMatch(/RUN --mount=type=cache,target=/);
    expect(dockerfile).not.toMatch(/:latest\b/);
    for (const from of dockerfile.match(/^FROM .*/gm)!) expect(from).toMatch(/^FROM \$\{(BASE|BUILD)_IMAGE\} AS \w+$/);
  });

  test('a .dockerignore suited to the runtime', () => {
    const lines: string[] = out['.dockerignore'].split('\n');
    expect(lines).toEqual(expect.arrayContaining(['.git', '.env', '.projen']));
    expect(lines).toContain(runtime === Runtime.PYTHON ? '__pycache__' : runtime === Runtime.GO ? 'vendor' : 'node_modules');
  });

  test('a sample service is seeded, and the CodeQL language and Dependabot ecosystem follow', () => {
    const samples: Record<Runtime, string[]> = {
      [Runtime.NODE]: ['src/server.js'],
      [Runtime.PYTHON]: ['requirements.txt', 'src/main.py'],
      [Runtime.GO]: ['go.mod', 'go.sum', 'main.go'],
    };
    for (const file of samples[runtime]) expect(out[file]).toBeDefined();
    const languages = parse(out['.github/workflows/codeql.yml']).jobs.analyze.strategy.matrix.include.map((e: any) => e.language);
    expect(languages[0]).toBe({ node: 'javascript-typescript', python: 'python', go: 'go' }[runtime]);
    const ecosystems = parse(out['.github/dependabot.yml']).updates.map((u: any) => u['package-ecosystem']);
    expect(ecosystems).toEqual(runtime === Runtime.NODE ? ['npm'] : ['npm', { python: 'pip', go: 'gomod' }[runtime]]);
  });
});

describe('runtime options', () => {
  test('python version and go version pick the image tags', () => {
    expect(synth(gitopsProject({ runtime: Runtime.PYTHON, pythonVersion: '3.13' })).Dockerfile).toMatch(/^ARG BASE_IMAGE=docker\.io\/library\/python:3\.13-slim-bookworm$/m);
    const go = synth(gitopsProject({ runtime: Runtime.GO, goVersion: '1.24' })).Dockerfile;
    expect(go).toMatch(/^ARG BUILD_IMAGE=docker\.io\/library\/golang:1\.24-bookworm$/m);
    expect(go).toMatch(/^ARG BASE_IMAGE=gcr\.io\/distroless\/static-debian12:nonroot$/m);
  });

  test('the go module is named after the project', () => {
    expect(synth(gitopsProject({ runtime: Runtime.GO, name: 'payments' }))['go.mod']).toMatch(/^module payments$/m);
  });

  test('the go health check is the binary itself (the runtime image has no shell)', () => {
    expect(synth(gitopsProject({ runtime: Runtime.GO })).Dockerfile).toMatch(/CMD \["\/app\/server", "-healthcheck"\]/);
  });

  test.each<[string, object, RegExp]>([
    ['a python version for node', { pythonVersion: '3.12' }, /pythonVersion: applies to another runtime than 'node', got "3\.12"; remove it, or set nodeVersion instead/],
    ['a bad python version', { runtime: Runtime.PYTHON, pythonVersion: '2.7' }, /pythonVersion: must be a Python 3 minor version of 3\.9 or later .* got '2\.7'; try '3\.12'/],
    ['a bad go version', { runtime: Runtime.GO, goVersion: 'latest' }, /goVersion: must be a Go version like '1\.23' .* got 'latest'/],
    ['a build image for python', { runtime: Runtime.PYTHON, buildImage: 'golang:1.23' }, /buildImage: applies to compiled runtimes \(go\) only/],
    ['an unpinned build image', { runtime: Runtime.GO, buildImage: 'golang' }, /buildImage: must pin a version/],
  ])('%s is rejected', (_name, options, message) => {
    const project = gitopsProject(options);
    expect(() => project.synth()).toThrow(message);
  });

  test('dockerfile-utils itself reports a broken Dockerfile (the validator works)', () => {
    expect(validate('FROM\nEXPOSE abc\n').length).toBeGreaterThan(0);
  });

  test('dockerlinter itself reports bad practice, shell bugs and a flag outside RUN --mount (the validator works)', () => {
    const findings = dockerlinter('FROM debian:latest\nRUN apt-get install curl\nRUN echo $1 --mount\nRUN --no-cache=true echo\nUSER root\n');
    expect(findings.join('\n')).toMatch(/^1: EF0003 /m); // FROM with `latest`
    expect(findings.join('\n')).toMatch(/^2: ER0009 /m); // apt-get install without -y
    expect(findings.join('\n')).toMatch(/^4: SC2215 /m);
  });
});
