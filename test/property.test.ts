/**
 * Property-based tests: random valid option sets synthesize deterministically and pass the
 * validators; random invalid ones fail naming the option and leave the tree untouched.
 * FC_NUM_RUNS raises or lowers the number of cases (default 200 per property).
 */
import * as fs from 'fs';
import fc from 'fast-check';
import { Testing } from 'projen';
import { GitOpsProject, GitOpsProjectOptions, Runtime } from '../src';
import { errorsOf, requestBodyValidator } from './github-api';
import { hostile } from './hostile';
import { actionlint, readTree, tempdir } from './util';
import { fixOf } from '../src/core/checks';
import { optionProblems, Problem } from '../src/core/validation';

process.env.PROJEN_DISABLE_POST = 'true';
const RUNS = Number(process.env.FC_NUM_RUNS ?? 200);

const segment = fc.stringMatching(/^[a-z0-9]{1,8}$/);
const ociPath = fc.array(fc.tuple(segment, fc.constantFrom('', '-', '__', '_'), segment).map(([a, s, b]) => (s ? `${a}${s}${b}` : a)), { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/'));

const validOptions: fc.Arbitrary<Partial<GitOpsProjectOptions>> = fc.record({
  name: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
  port: fc.integer({ min: 1, max: 65535 }),
  healthPath: fc.array(segment, { maxLength: 3 }).map((parts) => `/${parts.join('/')}`),
  registry: fc.constantFrom('ghcr.io', 'registry.example.com', 'registry.internal:5000', '123456789012.dkr.ecr.eu-west-1.amazonaws.com'),
  imageName: ociPath,
  nodeVersion: fc.integer({ min: 18, max: 26 }).map(String),
  uid: fc.integer({ min: 1, max: 2147483647 }),
  requiredApprovals: fc.integer({ min: 0, max: 10 }),
  codeOwners: fc.array(segment.map((s) => `@${s}`), { minLength: 1, maxLength: 3 }),
  defaultBranch: fc.constantFrom('main', 'trunk', 'release/1.x'),
  requireSignedCommits: fc.boolean(),
  settingsApp: fc.boolean(),
  dependabot: fc.boolean(),
  dependencyReview: fc.boolean(),
  driftCheck: fc.boolean(),
}, { requiredKeys: ['name'] });

/** One option made invalid, with the option name the error must carry. */
const corruption: fc.Arbitrary<[string, unknown]> = fc.oneof(
  fc.tuple(fc.constant('port'), fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 65536 }), fc.double({ min: 1.1, max: 100, noInteger: true }))),
  fc.tuple(fc.constant('healthPath'), fc.oneof(segment, fc.constant(''), segment.map((s) => `/${s} x`))),
  fc.tuple(fc.constant('imageName'), fc.oneof(segment.map((s) => `${s.toUpperCase()}X/y`), segment.map((s) => `${s}:latest`), fc.constant(''))),
  fc.tuple(fc.constant('registry'), segment.map((s) => `https://${s}.io`)),
  fc.tuple(fc.constant('uid'), fc.oneof(fc.constant(0), fc.integer({ max: -1 }))),
  fc.tuple(fc.constant('requiredApprovals'), fc.oneof(fc.integer({ min: 11 }), fc.integer({ max: -1 }))),
  fc.tuple(fc.constant('nodeVersion'), fc.oneof(fc.constant('lts'), fc.integer({ min: 0, max: 17 }).map(String))),
  fc.tuple(fc.constant('codeOwners'), fc.oneof(fc.constant([]), segment.map((s) => [s]))),
  fc.tuple(fc.constant('name'), segment.map((s) => `${s.toUpperCase()}X Y`)),
  fc.tuple(fc.constant('baseImage'), fc.constantFrom('node', 'node:latest', 'node@sha256:123')),
);

const validateRuleset = requestBodyValidator('/repos/{owner}/{repo}/rulesets', 'post');

describe('random option sets', () => {
  test('valid ones synthesize deterministically, and their rulesets and workflows validate', async () => {
    let linted = 0;
    await fc.assert(fc.asyncProperty(validOptions, async (options) => {
      const first = Testing.synth(new GitOpsProject({ ...options, outdir: tempdir() } as GitOpsProjectOptions));
      const second = Testing.synth(new GitOpsProject({ ...options, outdir: tempdir() } as GitOpsProjectOptions));
      expect(second).toEqual(first);
      for (const [file, body] of Object.entries(first).filter(([f]) => f.startsWith('.github/rulesets/'))) {
        expect({ file, errors: validateRuleset(body) ? [] : errorsOf(validateRuleset) }).toEqual({ file, errors: [] });
      }
      // actionlint (WASM) is slower: every fourth case.
      if (linted++ % 4 === 0) {
        for (const file of Object.keys(first).filter((f) => f.startsWith('.github/workflows/'))) {
          expect({ file, findings: await actionlint(first[file], file) }).toEqual({ file, findings: [] });
        }
      }
    }), { numRuns: RUNS });
  });

  test('invalid ones fail naming the option, and leave an existing tree byte for byte unchanged', () => {
    fc.assert(fc.property(validOptions, corruption, (options, [option, bad]) => {
      const dir = tempdir();
      new GitOpsProject({ ...options, outdir: dir } as GitOpsProjectOptions).synth();
      const before = readTree(dir);
      const broken = new GitOpsProject({ ...options, [option]: bad, outdir: dir } as GitOpsProjectOptions);
      expect(() => broken.synth()).toThrow(new RegExp(`problems? in \\.projenrc\\.ts \\(no file was changed\\):[\\s\\S]*\\n  - ${option}(\\[\\d+\\])?: `));
      expect(readTree(dir)).toEqual(before);
      fs.rmSync(dir, { recursive: true, force: true });
    }), { numRuns: RUNS });
  });
});

/** Sets the value at an option path as messages write it (`services[1].port`, `codeOwners[0]`). */
function setAt(options: any, at: string, value: unknown): any {
  const copy = structuredClone(options);
  const parts = [...at.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => m[1] ?? m[2]);
  const last = parts.pop()!;
  parts.reduce((o, k) => o[k], copy)[last] = value;
  return copy;
}

function problemsOf(options: GitOpsProjectOptions): Problem[] {
  return optionProblems(new GitOpsProject({ ...options, outdir: tempdir() }));
}

const SERVICE_BASE: GitOpsProjectOptions = {
  name: 'orders',
  codeOwners: ['@acme'],
  securityContact: 'security@example.com',
  deps: ['express@^4.21.0'],
  services: [{ name: 'worker', path: 'services/worker', runtime: Runtime.PYTHON }, { name: 'api', path: 'apps/api', runtime: Runtime.GO }],
};

/** Options whose problems carry a fix, with a benign value to spoil. */
const FIXABLE: Array<[string, string | number]> = [
  ['name', 'orders'], ['port', 8080], ['uid', 10001], ['requiredApprovals', 1], ['healthPath', '/healthz'], ['registry', 'ghcr.io'],
  ['imageName', 'acme/orders'], ['baseImage', 'docker.io/library/node:22-bookworm-slim'], ['nodeVersion', '22'], ['defaultBranch', 'main'],
  ['securityContact', 'security@example.com'], ['codeOwners[0]', '@acme'], ['title', 'Orders'], ['description', 'Orders service'],
  ['serviceName', 'orders'], ['services[0].name', 'worker'], ['services[0].path', 'services/worker'], ['services[1].port', 9000],
  ['services[1].healthPath', '/healthz'], ['services[1].imageName', 'acme/api'], ['services[1].registry', 'ghcr.io'],
  ['services[1].buildImage', 'docker.io/library/golang:1.23-bookworm'], ['services[0].baseImage', 'docker.io/library/python:3.12-slim-bookworm'],
  ['services[1].name', 'api'], ['services[1].path', 'apps/api'], ['deps[0]', 'express@^4.21.0'],
];

const badValue = (benign: string | number): fc.Arbitrary<unknown> => (typeof benign === 'number'
  ? fc.oneof(fc.double(), fc.integer(), fc.constantFrom(NaN, Infinity, -Infinity, 0, -1, 65536))
  : hostile(benign));

describe('suggested fixes', () => {
  test('the benign repository has no problem', () => {
    expect(problemsOf(SERVICE_BASE)).toEqual([]);
  });

  test.each(FIXABLE)('applying the fix of a %s problem removes that problem', (at, benign) => {
    let fixed = 0;
    fc.assert(fc.property(badValue(benign), (bad) => {
      const options = setAt(SERVICE_BASE, at, bad);
      for (const problem of problemsOf(options)) {
        const fix = fixOf(problem.message);
        if (fix === undefined || problem.option.startsWith('addService')) continue;
        fixed++;
        const after = problemsOf(setAt(options, problem.option, fix)).filter((p) => p.option === problem.option);
        expect({ problem, fix, after }).toEqual({ problem, fix, after: [] });
      }
    }), { numRuns: Math.max(5, Math.ceil(RUNS / 10)) });
    expect(fixed).toBeGreaterThan(0);
  });

  test('the property can fail: a fix that is not valid is caught', () => {
    // A message whose fix is itself invalid, as the image name check once suggested.
    const fix = fixOf("must not include the registry ('ghcr.io'), got 'ghcr.io//x'; set registry: 'ghcr.io' and imageName: '/x'; try '/x'");
    expect(fix).toBe('/x');
    expect(problemsOf(setAt(SERVICE_BASE, 'imageName', fix)).map((p) => p.option)).toEqual(['imageName']);
  });
});
