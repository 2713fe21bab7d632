/**
 * The option grammars against the real parsers they stand for: git's own ref check
 * (`git check-ref-format --branch`) and github.com/distribution/reference (the Go module
 * registries and Docker use, built here from the Go module proxy). What a grammar accepts,
 * the real parser accepts; each oracle has a known-bad case that it must refuse.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { hostile } from './hostile';
import { checkBranch, checkImageReference, checkLicenseId, checkRegistry, checkServiceName, checkServicePath, fixOf } from '../src/core/checks';

const RUNS = Number(process.env.FC_NUM_RUNS ?? 200);
const REFERENCE_VERSION = 'v0.6.0';

/** Printable ASCII and a few hostile characters, for strings near a grammar's edges. */
const near = (benign: string) => fc.oneof(
  hostile(benign),
  fc.string({ unit: fc.constantFrom(...'abcXYZ019._-/:@*?[]^~\\ {}$\'"#!+'.split('')), maxLength: 20 }),
);

function missing(tool: string): void {
  const message = `grammars: ${tool} is not available; its oracle test is skipped`;
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(message);
}

describe('branch names against git check-ref-format', () => {
  const git = spawnSync('git', ['--version']).status === 0;
  const gitAccepts = (branch: string) => spawnSync('git', ['check-ref-format', '--branch', branch]).status === 0;

  test('what checkBranch accepts, git accepts; expressions and filter characters are refused', () => {
    if (!git) return missing('git');
    expect(gitAccepts('main..x')).toBe(false); // the oracle can refuse
    expect(gitAccepts('${{github.event.pull_request.title}}')).toBe(true); // git alone would let it through
    expect(checkBranch('${{github.event.pull_request.title}}')).toBeDefined();
    let accepted = 0;
    fc.assert(fc.property(near('release/1.x'), (branch) => {
      if (checkBranch(branch) !== undefined) return;
      accepted++;
      expect({ branch, git: gitAccepts(branch) }).toEqual({ branch, git: true });
    }), { numRuns: RUNS });
    expect(accepted).toBeGreaterThan(0);
  });
});

/** Builds (once, cached) a tiny program around github.com/distribution/reference; undefined without Go. */
function referenceParser(): string | undefined {
  if (spawnSync('go', ['version']).status !== 0) return undefined;
  const dir = path.join(os.homedir(), '.cache', 'projen-gitops-tools', `refcheck-${REFERENCE_VERSION}`);
  const bin = path.join(dir, 'refcheck');
  if (fs.existsSync(bin)) return bin;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'go.mod'), `module refcheck\n\ngo 1.21\n\nrequire github.com/distribution/reference ${REFERENCE_VERSION}\n`);
  fs.writeFileSync(path.join(dir, 'main.go'), [
    'package main',
    '',
    'import (',
    '\t"bufio"',
    '\t_ "crypto/sha256"',
    '\t_ "crypto/sha512"',
    '\t"encoding/json"',
    '\t"fmt"',
    '\t"os"',
    '',
    '\t"github.com/distribution/reference"',
    ')',
    '',
    '// Reads one JSON string per line; prints "ok <domain>" or "err <message>" for each.',
    'func main() {',
    '\tin := bufio.NewScanner(os.Stdin)',
    '\tin.Buffer(make([]byte, 1<<20), 1<<20)',
    '\tfor in.Scan() {',
    '\t\tvar s string',
    '\t\tif err := json.Unmarshal(in.Bytes(), &s); err != nil {',
    '\t\t\tfmt.Println("err bad input")',
    '\t\t\tcontinue',
    '\t\t}',
    '\t\tref, err := reference.Parse(s)',
    '\t\tif err != nil {',
    '\t\t\tfmt.Println("err", err)',
    '\t\t\tcontinue',
    '\t\t}',
    '\t\tdomain := ""',
    '\t\tif named, ok := ref.(reference.Named); ok {',
    '\t\t\tdomain = reference.Domain(named)',
    '\t\t}',
    '\t\tfmt.Println("ok", domain)',
    '\t}',
    '}',
    '',
  ].join('\n'));
  const build = spawnSync('go', ['build', '-o', bin, '.'], { cwd: dir, encoding: 'utf-8', env: { ...process.env, GOFLAGS: '-mod=mod' } });
  if (build.status !== 0) throw new Error(`building the reference parser failed: ${build.stderr}`);
  return bin;
}

/** The real parser's verdict on each reference: `ok <domain>` or `err <message>`. */
function parseReferences(bin: string, refs: string[]): string[] {
  const result = spawnSync(bin, [], { input: refs.map((r) => JSON.stringify(r)).join('\n') + '\n', encoding: 'utf-8' });
  return result.stdout.trim().split('\n');
}

describe('image references and registries against github.com/distribution/reference', () => {
  let bin: string | undefined;
  beforeAll(() => {
    bin = referenceParser();
  }, 120_000);

  const digest = `sha256:${'a'.repeat(64)}`;

  test('what checkImageReference accepts, the reference parser accepts', () => {
    if (!bin) return missing('go (to build the distribution reference parser)');
    expect(parseReferences(bin, ['node:22\nFROM x', 'Node:22'])).toEqual(['err invalid reference format', 'err repository name must be lowercase']);
    const samples = fc.sample(fc.oneof(
      near('docker.io/library/node:22-bookworm-slim'),
      near(`registry.internal:5000/mirror/node@${digest}`),
      near('[::1]:5000/a/b:1.0'),
    ), RUNS * 2);
    const accepted = samples.filter((r) => checkImageReference(r) === undefined);
    expect(accepted.length).toBeGreaterThan(0);
    const verdicts = parseReferences(bin, accepted);
    expect(accepted.filter((_, i) => !verdicts[i].startsWith('ok'))).toEqual([]);
  });

  test('what checkRegistry accepts is the domain of a reference, and ports stay in 1..65535 (stricter than the parser)', () => {
    if (!bin) return missing('go (to build the distribution reference parser)');
    expect(parseReferences(bin, ['ghcr.io:99999/x:1'])).toEqual(['ok ghcr.io:99999']); // the parser does not check the range
    expect(checkRegistry('ghcr.io:99999')).toBeDefined();
    const hosts = fc.sample(fc.oneof(near('registry.example.com:5000'), near('ghcr.io'), near('[::1]:5000')), RUNS * 2)
      .filter((h) => checkRegistry(h) === undefined);
    expect(hosts.length).toBeGreaterThan(0);
    const verdicts = parseReferences(bin, hosts.map((h) => `${h}/a/b:1`));
    expect(hosts.filter((h, i) => verdicts[i] !== `ok ${h}`)).toEqual([]);
  });
});

describe('service names and folders', () => {
  // GitHub Actions job ids (workflow syntax: "must start with a letter or _ and contain only
  // alphanumeric characters, -, or _") and RFC 1123 DNS labels (lowercase, digits, '-', at
  // most 63, alphanumeric at both ends); no real parser of either runs here.
  const JOB_ID = /^[A-Za-z_][A-Za-z0-9_-]*$/;
  const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

  test('a service name is a job id and a DNS label', () => {
    expect(JOB_ID.test('2fa') || DNS_LABEL.test('api.v2')).toBe(false); // the rules can refuse
    fc.assert(fc.property(near('worker'), (name) => {
      if (checkServiceName(name) !== undefined) return;
      expect({ name, job: JOB_ID.test(name), dns: DNS_LABEL.test(name) }).toEqual({ name, job: true, dns: true });
    }), { numRuns: RUNS });
  });

  test('a service folder is relative, normalized and shell-inert', () => {
    fc.assert(fc.property(near('services/worker'), (folder) => {
      if (checkServicePath(folder) !== undefined) return;
      expect({ folder, normalized: path.posix.normalize(folder) === folder && !folder.startsWith('..') && !path.isAbsolute(folder), inert: /^[A-Za-z0-9._/-]+$/.test(folder) })
        .toEqual({ folder, normalized: true, inert: true });
    }), { numRuns: RUNS });
  });
});

describe('license identifiers against the SPDX license list', () => {
  // spdx-license-list (the SPDX list's ids, 6.x) comes with jsii, which builds this package.
  const list = require.resolve('spdx-license-list/package.json', { paths: [path.dirname(require.resolve('jsii/package.json'))] });
  const ids: string[] = JSON.parse(fs.readFileSync(path.join(path.dirname(list), 'spdx-simple.json'), 'utf-8'));

  test('checkLicenseId accepts every SPDX id but the deprecated "+" forms, whose fix is the id that replaced them', () => {
    expect(ids.length).toBeGreaterThan(500);
    const refused = ids.filter((id) => checkLicenseId(id));
    expect(refused.length).toBeGreaterThan(0); // the oracle has ids the grammar refuses
    for (const id of refused) {
      expect(id).toMatch(/\+$/);
      expect(ids).toContain(fixOf(checkLicenseId(id)!));
    }
    expect(checkLicenseId('MIT OR Apache-2.0')).toBeDefined();
    expect(checkLicenseId('GPL-3.0-only;id')).toBeDefined();
  });
});
