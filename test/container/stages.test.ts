import { DiagnosticSeverity, validate } from 'dockerfile-utils';
import { Runtime } from '../../src';
import { dockerlinter, gitopsProject, synth } from '../util';

const EXTENDED = {
  buildArgs: { APP_VERSION: '1.2.3' },
  buildStage: { osPackages: ['build-essential=12.9'], env: { npm_config_loglevel: 'warn' }, instructions: ['RUN echo "building $APP_VERSION"'] },
  runtimeStage: {
    osPackages: ['ca-certificates=20230311', 'tzdata=2024a-0+deb12u1'],
    env: { TZ: 'Europe/Berlin', GREETING: 'hello "world"' },
    instructions: ['RUN mkdir -p /data \\\n && chown 10001:10001 /data', 'VOLUME ["/data"]'],
  },
};

describe.each([Runtime.NODE, Runtime.PYTHON])('stage options on the %s preset', (runtime) => {
  const dockerfile: string = synth(gitopsProject({ runtime, ...EXTENDED })).Dockerfile;

  test('build args are declared before FROM and in each stage', () => {
    expect(dockerfile).toMatch(/^ARG BASE_IMAGE=\S+\nARG APP_VERSION="1\.2\.3"\n\nFROM /m);
    expect(dockerfile.match(/^ARG APP_VERSION$/gm)).toHaveLength(2);
  });

  test('OS packages and env come early in their stage, instructions of the runtime stage after the code', () => {
    const [, deps, runtimeStage] = dockerfile.split(/^FROM /m);
    expect(deps).toMatch(/^WORKDIR \/app\nARG APP_VERSION\nRUN apt-get update \\\n && apt-get install -y --no-install-recommends build-essential=12\.9 \\\n && rm -rf \/var\/lib\/apt\/lists\/\*\nENV npm_config_loglevel="warn"\nRUN echo "building \$APP_VERSION"\n/m);
    expect(runtimeStage).toMatch(/apt-get install -y --no-install-recommends ca-certificates=20230311 tzdata=2024a-0\+deb12u1 /);
    expect(runtimeStage).toMatch(/^ENV TZ="Europe\/Berlin" \\\n {4}GREETING="hello \\"world\\""\nWORKDIR \/app\n/m);
    expect(runtimeStage).toMatch(/^COPY \. \.\nRUN mkdir -p \/data \\\n && chown 10001:10001 \/data\nVOLUME \["\/data"\]\nUSER 10001:10001$/m);
    expect(runtimeStage.indexOf('apt-get')).toBeLessThan(runtimeStage.indexOf('COPY . .'));
  });

  test('still passes dockerfile-utils and dockerlinter', () => {
    const problems = validate(dockerfile).filter((d) => d.severity === DiagnosticSeverity.Error || d.severity === DiagnosticSeverity.Warning);
    expect(problems.map((d) => d.message)).toEqual([]);
    expect(dockerlinter(dockerfile) ?? []).toEqual([]);
  });
});

describe('stage options', () => {
  test('nothing set, nothing added: the presets are unchanged', () => {
    expect(synth(gitopsProject()).Dockerfile).not.toMatch(/\n\n\n|^ARG [A-Z_]+$|apt-get/m);
  });

  test('go: packages in the build stage; the distroless runtime stage has no package manager', () => {
    const go = synth(gitopsProject({ runtime: Runtime.GO, buildStage: { osPackages: ['git'] }, runtimeStage: { env: { TZ: 'UTC' } } })).Dockerfile;
    expect(go).toMatch(/^WORKDIR \/src\nRUN apt-get update \\\n && apt-get install -y --no-install-recommends git /m);
    expect(go).toMatch(/^ENV TZ="UTC"$/m);
    expect(() => gitopsProject({ runtime: Runtime.GO, runtimeStage: { osPackages: ['curl'] } }).synth())
      .toThrow(/runtimeStage\.osPackages: the image of this stage has no package manager \(distroless\), got \['curl'\]; install them in buildStage/);
  });

  test('the package manager follows the image actually used: apk on Alpine, apt on Debian, none on distroless', () => {
    const alpine = synth(gitopsProject({ baseImage: 'docker.io/library/node:22-alpine', runtimeStage: { osPackages: ['curl'] } })).Dockerfile;
    expect(alpine).toMatch(/^RUN apk add --no-cache curl$/m);
    const goOnDebian = synth(gitopsProject({ runtime: Runtime.GO, baseImage: 'docker.io/library/debian:12-slim', runtimeStage: { osPackages: ['curl'] } })).Dockerfile;
    expect(goOnDebian).toMatch(/apt-get install -y --no-install-recommends curl /);
    expect(() => gitopsProject({ runtime: Runtime.GO, runtimeStage: { instructions: ['RUN mkdir /data'] } }).synth())
      .toThrow(/runtimeStage\.instructions: the image of this stage has no shell \(distroless\), got 'RUN mkdir \/data'; do it in buildStage and COPY the result/);
  });

  test('a base image that runs as its own user (nginx) gets root back for instructions, then the uid', () => {
    const dockerfile: string = synth(gitopsProject({ runtime: Runtime.STATIC, runtimeStage: { instructions: ['RUN mkdir -p /data'] } })).Dockerfile;
    const runtimeStage = dockerfile.split(/^FROM /m)[2];
    expect(runtimeStage.indexOf('USER root')).toBeGreaterThan(-1);
    expect(runtimeStage.indexOf('USER root')).toBeLessThan(runtimeStage.indexOf('RUN mkdir -p /data'));
    expect(runtimeStage.indexOf('RUN mkdir -p /data')).toBeLessThan(runtimeStage.indexOf('USER 10001:10001'));
    expect(synth(gitopsProject({ runtime: Runtime.STATIC })).Dockerfile).not.toMatch(/USER root/);
  });

  test.each<[string, object, RegExp]>([
    ['a package name with a space', { runtimeStage: { osPackages: ['curl wget'] } }, /runtimeStage\.osPackages: must be package names with an optional '=version', got 'curl wget'/],
    ['a bad env name', { runtimeStage: { env: { 'MY-VAR': 'x' } } }, /runtimeStage\.env: names must be letters, digits and '_', not starting with a digit, got 'MY-VAR'; try 'MY_VAR'/],
    ['a multi-line env value', { buildStage: { env: { A: 'x\ny' } } }, /buildStage\.env: values must be one line without control characters/],
    ['FROM in a stage', { buildStage: { instructions: ['FROM alpine:3.20'] } }, /buildStage\.instructions: cannot start a stage, got 'FROM alpine:3\.20'; the preset owns the stages/],
    ['USER in the runtime stage', { runtimeStage: { instructions: ['USER 0'] } }, /runtimeStage\.instructions: USER is set by the 'uid' option, got 'USER 0'; set uid instead/],
    ['CMD in the runtime stage', { runtimeStage: { instructions: ['CMD ["sh"]'] } }, /runtimeStage\.instructions: CMD is set by the 'command' option/],
    ['not an instruction', { runtimeStage: { instructions: ['apt-get install curl'] } }, /runtimeStage\.instructions: must each be one Dockerfile instruction \(.*\), got 'apt-get install curl'; e\.g\. 'RUN mkdir -p \/data'/],
    ['two instructions in one entry', { runtimeStage: { instructions: ['RUN a\nRUN b'] } }, /runtimeStage\.instructions: must be one instruction per entry/],
    ['a trailing line continuation (it would swallow USER)', { runtimeStage: { instructions: ['RUN echo hi \\'] } }, /runtimeStage\.instructions: must not end with a line continuation \('\\'\), got 'RUN echo hi \\\\'; remove the trailing '\\'/],
    ['a continuation onto an empty line', { buildStage: { instructions: ['RUN a \\\n'] } }, /buildStage\.instructions: must not end with a line continuation/],
    ['a preset build arg', { buildArgs: { BASE_IMAGE: 'x' } }, /buildArgs: BASE_IMAGE is set by the preset, got it in buildArgs; use the baseImage or buildImage option/],
    ['a bad build arg name', { buildArgs: { '1X': 'x' } }, /buildArgs: names must be letters, digits and '_', not starting with a digit, got '1X'; try '_1X'/],
    ['a multi-line build arg value', { buildArgs: { A: 'x\ny' } }, /buildArgs: values must be one line without control characters, got 'x\\ny' for A; put multi-line content in a file and COPY it/],
  ])('%s is rejected', (_name, options, message) => {
    expect(() => gitopsProject(options).synth()).toThrow(message);
  });
});
