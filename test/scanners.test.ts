/**
 * zizmor and checkov over every generated configuration (test/configurations.ts), each run
 * once over a directory of all of them (a run per file would cost seconds each), with the
 * known-bad fixtures in the same run so a scanner that silently stops working fails here.
 * Versions and installs: scripts/tools.json, docs/testing.md.
 */
process.env.PROJEN_DISABLE_POST = 'true'; // no npm install in unit tests
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CONFIGURATIONS, writeConfigurations } from './configurations';
import { describeWith, findTool } from './tools';
import { tempdir } from './util';

const FIXTURES = path.join(__dirname, 'fixtures');
const dir = tempdir('gitops-scanners-');
const { workflows, dockerfiles } = writeConfigurations(path.join(dir, 'generated'));
const generated = (file: string) => file.startsWith('generated/');
const bad = (file: string) => file.startsWith('known-bad/');
fs.mkdirSync(path.join(dir, 'known-bad', '.github', 'workflows'), { recursive: true });
fs.copyFileSync(path.join(FIXTURES, 'bad-workflow.yml'), path.join(dir, 'known-bad', '.github', 'workflows', 'bad.yml'));
fs.copyFileSync(path.join(FIXTURES, 'bad.Dockerfile'), path.join(dir, 'known-bad', 'Dockerfile'));

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the configurations cover every workflow kind and every runtime preset', () => {
  expect(CONFIGURATIONS.length).toBeGreaterThanOrEqual(15);
  expect(new Set(workflows.map((f) => path.basename(f)))).toEqual(new Set(['codeql.yml', 'container.yml', 'dependency-review.yml', 'drift.yml']));
  // 8 root presets (custom brings its own) + 4 further services + the other root ones
  expect(dockerfiles.length).toBeGreaterThanOrEqual(CONFIGURATIONS.length - 1);
});

interface ZizmorFinding {
  readonly ident: string;
  readonly desc: string;
  readonly determinations: { readonly severity: string; readonly persona: string };
  readonly locations: Array<{
    readonly symbolic: { readonly key: { readonly Local: { readonly verbatim_path: string } } };
    readonly concrete: { readonly location: { readonly start_point: { readonly row: number } } };
  }>;
}

/**
 * Pedantic findings accepted, each with the reason (also listed in docs/testing.md). Empty
 * today: every permission carries its reason as a comment (src/github/permission-comments.ts).
 */
const ACCEPTED_PEDANTIC: Array<{ readonly ident: string; readonly reason: string }> = [];

describeWith(['zizmor'])('zizmor (offline, no config, every input collected)', () => {
  /** zizmor's findings for a persona over every generated repository and the known-bad one. */
  function zizmor(persona: string): { findings: ZizmorFinding[]; audited: string[] } {
    const inputs = [...CONFIGURATIONS.map((c) => `generated/${c.name}/`), 'known-bad/'];
    const result = spawnSync(findTool('zizmor')!, ['--offline', '--no-config', '--collect=all', `--persona=${persona}`, '--format=json', ...inputs], { cwd: dir, encoding: 'utf-8' });
    // 0: no finding; 10-14: findings (by the highest severity); anything else is a failure to run
    if (result.status !== 0 && !(result.status! >= 10 && result.status! <= 14)) throw new Error(`zizmor failed (${result.status}): ${result.stderr}`);
    const audited = [...result.stderr.matchAll(/completed (\S+)/g)].map((m) => m[1]);
    return { findings: JSON.parse(result.stdout), audited };
  }
  const show = (f: ZizmorFinding) => `${f.locations[0].symbolic.key.Local.verbatim_path}:${f.locations[0].concrete.location.start_point.row + 1} ${f.ident} (${f.determinations.severity}, ${f.determinations.persona}): ${f.desc}`;
  const file = (f: ZizmorFinding) => f.locations[0].symbolic.key.Local.verbatim_path;
  let regular: ReturnType<typeof zizmor>;
  let pedantic: ReturnType<typeof zizmor>;
  beforeAll(() => {
    regular = zizmor('regular');
    pedantic = zizmor('pedantic');
  });

  test('audits every generated workflow and Dependabot config', () => {
    for (const workflow of workflows) expect(regular.audited).toContain(`generated/${workflow}`);
    expect(regular.audited.filter((f) => f.endsWith('/dependabot.yml')).length).toBeGreaterThan(0);
  });

  test('no finding at the default persona', () => {
    expect(regular.findings.filter((f) => generated(file(f))).map(show)).toEqual([]);
  });

  test('no finding at the pedantic persona but those accepted in docs/testing.md', () => {
    const accepted = new Set(ACCEPTED_PEDANTIC.map((a) => a.ident));
    expect(pedantic.findings.filter((f) => generated(file(f)) && !accepted.has(f.ident)).map(show)).toEqual([]);
  });

  test('reports the known-bad workflow (the scanner works)', () => {
    const idents = new Set(regular.findings.filter((f) => bad(file(f))).map((f) => f.ident));
    expect([...idents].sort()).toEqual(expect.arrayContaining(['dangerous-triggers', 'template-injection', 'unpinned-uses', 'excessive-permissions']));
  });

  test('the accepted findings are listed in docs/testing.md', () => {
    const doc = fs.readFileSync(path.join(__dirname, '..', 'docs', 'testing.md'), 'utf-8');
    for (const { ident } of ACCEPTED_PEDANTIC) expect(doc).toContain(`\`${ident}\``);
  });
});

interface CheckovCheck {
  readonly check_id: string;
  readonly check_name: string;
  readonly file_path: string;
  readonly file_line_range: number[];
  readonly check_result: { readonly suppress_comment?: string };
}
interface CheckovReport {
  readonly check_type: string;
  readonly results: { readonly passed_checks: CheckovCheck[]; readonly failed_checks: CheckovCheck[]; readonly skipped_checks: CheckovCheck[] };
}

/**
 * checkov's frameworks for what is generated today; add kubernetes, helm and terraform here
 * when deploy manifests, charts or infrastructure are generated (and their files to the
 * "checks every generated ..." test).
 */
const CHECKOV_FRAMEWORKS = ['dockerfile', 'github_actions'];

/** The skips the generated files carry inline, with the reason written next to them. */
const DOCUMENTED_SKIPS = ['CKV_DOCKER_7'];

describeWith(['checkov'])('checkov (Dockerfiles and GitHub Actions)', () => {
  let reports: Record<string, CheckovReport>;
  const checks = (kind: keyof CheckovReport['results'], where: (file: string) => boolean) =>
    Object.values(reports).flatMap((r) => r.results[kind]).filter((c) => where(c.file_path.replace(/^\//, '')));
  const show = (c: CheckovCheck) => `${c.file_path}:${c.file_line_range[0]} ${c.check_id} ${c.check_name}`;

  beforeAll(() => {
    // What checkov reads, under checkov/: the generated Dockerfiles as they are; the workflows
    // with one workaround (below); each Dockerfile again with its ARG defaults put into FROM,
    // as a build without --build-arg does, and the inline skip taken out, so what the skip
    // stands for is checked too; and the known-bad fixtures.
    const write = (file: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(dir, 'checkov', file)), { recursive: true });
      fs.writeFileSync(path.join(dir, 'checkov', file), text);
    };
    const read = (file: string) => fs.readFileSync(path.join(dir, file), 'utf-8');
    for (const file of dockerfiles) {
      const text = read(`generated/${file}`);
      write(`generated/${file}`, text);
      const defaults = new Map([...text.split(/^FROM /m)[0].matchAll(/^ARG (\w+)="?([^"\s]+)"?$/gm)].map((m) => [m[1], m[2]]));
      write(`resolved/${file}`, text
        .replace(/^# checkov:skip=.*\n/gm, '')
        .replace(/^FROM \$\{(\w+)\}/gm, (line, arg: string) => (defaults.has(arg) ? `FROM ${defaults.get(arg)}` : line)));
    }
    // checkov 3.3.30's workflow schema rejects an expression as `cancel-in-progress` (it matches
    // both branches of a oneOf) and then skips the whole file without a word; GitHub and
    // actionlint accept it. No checkov check reads `concurrency`, so the copy says `true`.
    for (const file of workflows) write(`generated/${file}`, read(`generated/${file}`).replace(/^(\s*cancel-in-progress: )\$\{\{.*\}\}$/gm, '$1true'));
    for (const file of ['known-bad/.github/workflows/bad.yml', 'known-bad/Dockerfile']) write(file, read(file));
    const result = spawnSync(findTool('checkov')!, ['-d', 'checkov', '--framework', ...CHECKOV_FRAMEWORKS, '--output', 'json', '--skip-download'], {
      cwd: dir, encoding: 'utf-8', maxBuffer: 256 * 1024 * 1024,
    });
    // 0: nothing failed; 1: something failed (the known-bad fixtures do)
    if (result.status !== 0 && result.status !== 1) throw new Error(`checkov failed (${result.status}): ${result.stderr}`);
    const parsed: CheckovReport | CheckovReport[] = JSON.parse(result.stdout);
    reports = Object.fromEntries((Array.isArray(parsed) ? parsed : [parsed]).map((r) => [r.check_type, r]));
  });

  test('checks every generated Dockerfile and workflow', () => {
    const seen = new Set([...checks('passed_checks', generated), ...checks('skipped_checks', generated)].map((c) => c.file_path.replace(/^\//, '')));
    for (const file of [...dockerfiles, ...workflows]) expect(seen).toContain(`generated/${file}`);
  });

  test('no failed check', () => {
    expect(checks('failed_checks', generated).map(show)).toEqual([]);
  });

  test('every skip is one of the documented ones, with its reason inline', () => {
    const skipped = checks('skipped_checks', generated);
    expect([...new Set(skipped.map((c) => c.check_id))].sort()).toEqual(DOCUMENTED_SKIPS);
    for (const c of skipped) expect([show(c), c.check_result.suppress_comment?.trim()]).toEqual([show(c), expect.stringMatching(/^\S+( \S+){5,}/)]);
  });

  test('with the ARG defaults in FROM, the skipped base image check passes too', () => {
    const resolved = (file: string) => file.startsWith('resolved/');
    expect(checks('failed_checks', resolved).map(show)).toEqual([]);
    expect(checks('passed_checks', resolved).filter((c) => c.check_id === 'CKV_DOCKER_7').length).toBe(dockerfiles.length);
  });

  test('reports the known-bad Dockerfile and workflow (the scanner works)', () => {
    expect(checks('failed_checks', bad).map((c) => c.check_id).sort()).toEqual(expect.arrayContaining(['CKV2_GHA_1', 'CKV_DOCKER_2', 'CKV_DOCKER_4', 'CKV_DOCKER_7', 'CKV_DOCKER_8', 'CKV_GHA_2']));
  });
});
