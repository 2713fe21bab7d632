import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tempdir } from './util';
import { ACTIONS, PinnedAction } from '../src/github/actions';

/*
 * renovate.json is checked by Renovate itself: its validator (--strict), and its extraction
 * (`--platform=local --dry-run=extract`, no registry or GitHub lookups) over the files the
 * managers read, which must yield every pin, tool and default image version.
 */
const ROOT = path.join(__dirname, '..');
const VERSION = /RENOVATE_VERSION=(\S+)/.exec(fs.readFileSync(path.join(ROOT, 'scripts/install-renovate.sh'), 'utf8'))![1];
const BIN = path.join(os.homedir(), '.cache', 'projen-gitops-tools', `renovate-${VERSION}`, 'node_modules', '.bin');
const installed = fs.existsSync(path.join(BIN, 'renovate'));
if (!installed) {
  const message = `renovate ${VERSION} not installed: renovate.json checks skipped (bash scripts/install-renovate.sh)`;
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(message);
}
// Renovate wants Node.js 24; older ones get the few built-ins it calls (test/renovate-node20.js).
const env = {
  ...process.env,
  NODE_OPTIONS: Number(process.versions.node.split('.')[0]) < 24 ? `--require ${path.join(__dirname, 'renovate-node20.js')}` : '',
  LOG_LEVEL: 'warn',
};

interface Dep { depName: string; currentValue: string; currentDigest?: string; datasource: string; packageFile: string }

/** Renovate's own extraction of the managers in `config` over copies of `files`. */
function extract(config: object, files: Record<string, string>): Dep[] {
  const repo = tempdir('renovate-');
  fs.writeFileSync(path.join(repo, 'renovate.json'), JSON.stringify(config));
  fs.writeFileSync(path.join(repo, 'global.json'), '{}');
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
    fs.writeFileSync(path.join(repo, file), text);
  }
  execFileSync('git', ['init', '-q'], { cwd: repo });
  execFileSync('git', ['add', '.'], { cwd: repo });
  const report = path.join(repo, 'report.json');
  const run = spawnSync(path.join(BIN, 'renovate'), ['--platform=local', '--dry-run=extract', '--report-type=file', `--report-path=${report}`],
    { cwd: repo, env: { ...env, RENOVATE_CONFIG_FILE: path.join(repo, 'global.json') }, encoding: 'utf8' });
  if (!fs.existsSync(report)) throw new Error(`renovate wrote no report:\n${run.stdout}\n${run.stderr}`);
  const repos = JSON.parse(fs.readFileSync(report, 'utf8')).repositories;
  return Object.values(repos).flatMap((r: any) => Object.values(r.packageFiles).flat()
    .flatMap((f: any) => f.deps.map((d: any) => ({ ...d, packageFile: f.packageFile }))));
}

/** Pins, tools and image versions Renovate did not find: each is one that would silently age. */
function unwatched(deps: Dep[], expected: Array<Partial<Dep>>): Array<Partial<Dep>> {
  return expected.filter((e) => !deps.some((d) => Object.entries(e).every(([k, v]) => (d as any)[k] === v)));
}

const FILES = ['src/github/actions.ts', 'src/model/runtime-facts.ts'];
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

/** Everything the managers must find, from the sources themselves. */
function expectedDeps(): Array<Partial<Dep>> {
  const pins = Object.values(ACTIONS) as PinnedAction[];
  const facts = read('src/model/runtime-facts.ts');
  const annotated = [...facts.matchAll(/\/\/ renovate: datasource=docker depName=(\S+)/g)].map((m) => ({ depName: m[1], datasource: 'docker' }));
  return [
    ...pins.map((p) => ({ depName: p.action.split('/').slice(0, 2).join('/'), currentValue: p.version, currentDigest: p.sha, datasource: 'github-tags' })),
    ...pins.filter((p) => p.tool).map((p) => ({ depName: p.tool!.repository, currentValue: p.tool!.version, datasource: 'github-releases' })),
    ...annotated,
  ];
}

(installed ? describe : describe.skip)('renovate.json, by Renovate', () => {
  const config = JSON.parse(read('renovate.json'));

  test('the validator accepts it (strict), and rejects a known-bad config', () => {
    const ok = spawnSync(path.join(BIN, 'renovate-config-validator'), ['--strict', 'renovate.json'], { cwd: ROOT, env, encoding: 'utf8' });
    expect(ok.stdout + ok.stderr).not.toMatch(/ERROR/);
    expect(ok.status).toBe(0);
    const dir = tempdir('renovate-bad-');
    // `fileMatch` is the pre-v41 name of managerFilePatterns.
    fs.writeFileSync(path.join(dir, 'renovate.json'), JSON.stringify({ customManagers: [{ ...config.customManagers[0], fileMatch: ['x'] }] }));
    const bad = spawnSync(path.join(BIN, 'renovate-config-validator'), ['--strict', 'renovate.json'], { cwd: dir, env, encoding: 'utf8' });
    expect(bad.stdout + bad.stderr).toMatch(/fileMatch/);
    expect(bad.status).not.toBe(0);
  }, 60_000);

  test('its managers find every action pin (with its SHA), every pinned tool and every default image version; a pin in another shape is unwatched', () => {
    // A known-bad copy of the table, fields in another order, read by the same manager.
    const { checkout } = ACTIONS;
    const bad = `  checkout: { action: '${checkout.action}', sha: '${checkout.sha}', version: '${checkout.version}', runtime: 'node24' },\n`;
    const withBad = { ...config, customManagers: config.customManagers.map((m: any, i: number) => (i === 0 ? { ...m, managerFilePatterns: [...m.managerFilePatterns, '/^bad/actions\\.ts$/'] } : m)) };
    const deps = extract(withBad, { ...Object.fromEntries(FILES.map((f) => [f, read(f)])), 'bad/actions.ts': bad });
    const expected = expectedDeps();
    expect(expected.length).toBeGreaterThanOrEqual(Object.keys(ACTIONS).length + 2 + 8);
    expect(unwatched(deps.filter((d) => FILES.includes(d.packageFile)), expected)).toEqual([]);
    // Every annotated default yields a version, not an empty match.
    for (const dep of deps.filter((d) => d.datasource === 'docker')) expect(dep.currentValue).toMatch(/^\d[\w.]*$/);
    expect(unwatched(deps.filter((d) => d.packageFile === 'bad/actions.ts'), [{ depName: checkout.action, currentDigest: checkout.sha }])).toHaveLength(1);
  }, 120_000);
});
