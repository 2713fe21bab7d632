/**
 * Property-based tests: random valid option sets synthesize deterministically and pass the
 * validators; random invalid ones fail naming the option and leave the tree untouched.
 * FC_NUM_RUNS raises or lowers the number of cases (default 200 per property).
 */
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import { Testing } from 'projen';
import { GitOpsProject, GitOpsProjectOptions } from '../src';
import { errorsOf, requestBodyValidator } from './github-api';
import { actionlint, readTree, tempdir } from './util';

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
      expect(() => broken.synth()).toThrow(new RegExp(`problems? in \\.projenrc\\.ts \\(no file was changed\\):[\\s\\S]*\\n  - ${option}: `));
      expect(readTree(dir)).toEqual(before);
      fs.rmSync(dir, { recursive: true, force: true });
    }), { numRuns: RUNS });
  });
});
