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
import { Testing } from 'projen';
import { CONFIGURATIONS, writeConfigurations } from './configurations';
import { GitOpsTemplateProject } from '../src/template';
import { helmBinary } from './helm/tools';
import { describeWith, findTool } from './tools';
import { tempdir } from './util';

const FIXTURES = path.join(__dirname, 'fixtures');
const dir = tempdir('gitops-scanners-');
const { workflows, dockerfiles, manifests, charts, hcl } = writeConfigurations(path.join(dir, 'generated'));
// A company template repository's own workflow (the fleet report), scanned with the rest.
const templateRepo = Testing.synth(new GitOpsTemplateProject({
  name: '@acme/gitops-template',
  defaultReleaseBranch: 'main',
  author: 'Acme',
  authorAddress: 'platform@acme.example',
  repositoryUrl: 'https://github.com/acme/gitops-template.git',
  outdir: tempdir('gitops-template-repo-'),
}));
fs.mkdirSync(path.join(dir, 'generated', 'template-repo', '.github', 'workflows'), { recursive: true });
fs.writeFileSync(path.join(dir, 'generated', 'template-repo', '.github', 'workflows', 'fleet-report.yml'), templateRepo['.github/workflows/fleet-report.yml']);
workflows.push('template-repo/.github/workflows/fleet-report.yml');
const generated = (file: string) => file.startsWith('generated/');
const bad = (file: string) => file.startsWith('known-bad/');
fs.mkdirSync(path.join(dir, 'known-bad', '.github', 'workflows'), { recursive: true });
fs.copyFileSync(path.join(FIXTURES, 'bad-workflow.yml'), path.join(dir, 'known-bad', '.github', 'workflows', 'bad.yml'));
fs.copyFileSync(path.join(FIXTURES, 'bad.Dockerfile'), path.join(dir, 'known-bad', 'Dockerfile'));
fs.mkdirSync(path.join(dir, 'known-bad', 'deploy', 'rendered', 'dev'), { recursive: true });
fs.copyFileSync(path.join(FIXTURES, 'bad-manifest.yaml'), path.join(dir, 'known-bad', 'deploy', 'rendered', 'dev', 'bad.yaml'));
fs.cpSync(path.join(FIXTURES, 'bad-chart'), path.join(dir, 'known-bad', 'deploy', 'charts', 'bad'), { recursive: true });
fs.mkdirSync(path.join(dir, 'known-bad', 'infra'));
fs.copyFileSync(path.join(FIXTURES, 'bad-infra.tf'), path.join(dir, 'known-bad', 'infra', 'bad.tf'));

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the configurations cover every workflow kind and every runtime preset', () => {
  expect(CONFIGURATIONS.length).toBeGreaterThanOrEqual(15);
  expect(new Set(workflows.map((f) => path.basename(f)))).toEqual(new Set(['codeql.yml', 'container.yml', 'dependency-review.yml', 'drift.yml', 'deploy.yml', 'infra.yml', 'pin-base-images.yml', 'promote.yml', 'upgrade.yml', 'fleet-report.yml', 'verify-images.yml', 'delivery-metrics.yml']));
  expect(hcl.filter((f) => f.startsWith('infra-ecr/')).length).toBeGreaterThan(10);
  expect(hcl.filter((f) => f.startsWith('infra-gar/')).length).toBeGreaterThan(10);
  // 8 root presets (custom brings its own) + 4 further services + the other root ones
  expect(dockerfiles.length).toBeGreaterThanOrEqual(CONFIGURATIONS.length - 1);
  // The deployment configuration: two services' charts, rendered for three environments
  // (the infra configurations name the repository too, so they deploy their one service).
  expect(charts.filter((c) => c.startsWith('deploy/')).map((c) => path.basename(c)).sort()).toEqual(['orders', 'worker']);
  expect(manifests.filter((f) => f.startsWith('deploy/')).length).toBe(6);
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
    const inputs = [...CONFIGURATIONS.map((c) => `generated/${c.name}/`), 'generated/template-repo/', 'known-bad/'];
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
 * checkov's helm runner renders each chart with `helm template` (the pinned helm of
 * test/helm/tools.ts, put on PATH) and runs the kubernetes checks on the result; without helm
 * it is left out and its tests are skipped with a warning (under CI=true helmBinary throws).
 */
const HELM = helmBinary();

/** checkov's frameworks for what is generated. */
const CHECKOV_FRAMEWORKS = ['dockerfile', 'github_actions', 'kubernetes', 'terraform', ...(HELM ? ['helm'] : [])];

/** The skips the generated files carry inline (Dockerfile comments, Deployment annotations), with the reason written next to them. */
const DOCUMENTED_SKIPS = ['CKV_AWS_51', 'CKV_DOCKER_7', 'CKV_GCP_84', 'CKV_K8S_11', 'CKV_K8S_43'];

/**
 * Findings of the helm runner accepted, with the reason (also in docs/testing.md): checkov
 * renders a chart without `--namespace`, so every object lands in `default`; the real
 * namespaces are in the rendered manifests, where the kubernetes run checks CKV_K8S_21.
 */
const HELM_ACCEPTED = ['CKV_K8S_21'];

/**
 * Workflow findings accepted, with the reason (also in docs/testing.md): CKV_GHA_7 (SLSA: no
 * workflow_dispatch inputs) on promote.yml, whose from/to environment choices are the point of
 * a manual promotion; they pick which committed digests move, never what is built.
 */
const WORKFLOW_ACCEPTED: Record<string, string> = { CKV_GHA_7: 'promote.yml' };

const helmTest = HELM ? test : test.skip;

describeWith(['checkov'])('checkov (Dockerfiles, GitHub Actions, Kubernetes manifests, Helm charts, infra HCL)', () => {
  let reports: Record<string, CheckovReport>;
  // Relative to the scanned folder (the kubernetes runner says checkov/..., the others /...).
  const rel = (c: CheckovCheck) => c.file_path.replace(/^\//, '').replace(/^checkov\//, '');
  const checksOf = (types: string[], kind: keyof CheckovReport['results'], where: (file: string) => boolean) =>
    Object.values(reports).filter((r) => types.includes(r.check_type)).flatMap((r) => r.results[kind]).filter((c) => where(rel(c)));
  const checks = (kind: keyof CheckovReport['results'], where: (file: string) => boolean) => checksOf(Object.keys(reports), kind, where);
  const accepted = (c: CheckovCheck) => (HELM_ACCEPTED.includes(c.check_id) && reports.helm?.results.failed_checks.includes(c))
    || (WORKFLOW_ACCEPTED[c.check_id] !== undefined && rel(c).endsWith(`/.github/workflows/${WORKFLOW_ACCEPTED[c.check_id]}`));
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
        // Every arg of a FROM line: the image and, once pinned, its digest (`${BASE_IMAGE}@sha256:${BASE_IMAGE_SHA256}`).
        .replace(/^FROM .*$/gm, (line) => line.replace(/\$\{(\w+)\}/g, (ref, arg: string) => defaults.get(arg) ?? ref)));
    }
    // checkov 3.3.30's workflow schema rejects an expression as `cancel-in-progress` (it matches
    // both branches of a oneOf) and then skips the whole file without a word; GitHub and
    // actionlint accept it. No checkov check reads `concurrency`, so the copy says `true`.
    // Its schema also closes `permissions` to the scopes it knew (no `attestations`, which GitHub
    // artifact attestations need), skipping such a file silently too: the copy leaves that line
    // out (zizmor and actionlint read it as written).
    for (const file of workflows) {
      write(`generated/${file}`, read(`generated/${file}`)
        .replace(/^(\s*cancel-in-progress: )\$\{\{.*\}\}$/gm, '$1true')
        .replace(/^\s*attestations: (?:read|write)\b.*\n/gm, ''));
    }
    // Each configuration's infra/ as it is (checkov follows the module calls inside it).
    for (const file of hcl) write(`generated/${file}`, read(`generated/${file}`));
    for (const file of ['known-bad/.github/workflows/bad.yml', 'known-bad/Dockerfile', 'known-bad/deploy/rendered/dev/bad.yaml', 'known-bad/infra/bad.tf']) write(file, read(file));
    // The manifests and charts as they are (the kubernetes runner leaves chart folders to the helm runner).
    for (const file of manifests) write(`generated/${file}`, read(`generated/${file}`));
    for (const chart of [...charts.map((c) => `generated/${c}`), 'known-bad/deploy/charts/bad']) fs.cpSync(path.join(dir, chart), path.join(dir, 'checkov', chart), { recursive: true });
    const helmHome = path.join(dir, 'helm-home');
    const result = spawnSync(findTool('checkov')!, ['-d', 'checkov', '--framework', ...CHECKOV_FRAMEWORKS, '--output', 'json', '--skip-download'], {
      cwd: dir,
      encoding: 'utf-8',
      maxBuffer: 256 * 1024 * 1024,
      env: {
        ...process.env,
        PATH: [...(HELM ? [path.dirname(HELM)] : []), process.env.PATH].join(path.delimiter),
        HELM_CACHE_HOME: helmHome,
        HELM_CONFIG_HOME: helmHome,
        HELM_DATA_HOME: helmHome,
      },
    });
    // 0: nothing failed; 1: something failed (the known-bad fixtures do)
    if (result.status !== 0 && result.status !== 1) throw new Error(`checkov failed (${result.status}): ${result.stderr}`);
    const parsed: CheckovReport | CheckovReport[] = JSON.parse(result.stdout);
    reports = Object.fromEntries((Array.isArray(parsed) ? parsed : [parsed]).map((r) => [r.check_type, r]));
  });

  test('checks every generated Dockerfile, workflow, rendered manifest and infra module', () => {
    const seen = new Set([...checks('passed_checks', generated), ...checks('skipped_checks', generated)].map((c) => rel(c)));
    // HCL: the module, where the resources checkov has checks for are (none reads a namespace).
    const scanned = hcl.filter((f) => f.endsWith('/modules/pipeline/main.tf'));
    for (const file of [...dockerfiles, ...workflows, ...manifests, ...scanned]) expect(seen).toContain(`generated/${file}`);
    // The rendered objects are in their environments' namespaces (what the helm run cannot see).
    const namespaced = checksOf(['kubernetes'], 'passed_checks', generated).filter((c) => c.check_id === 'CKV_K8S_21');
    expect(new Set(namespaced.map((c) => rel(c)))).toEqual(new Set(manifests.map((f) => `generated/${f}`)));
  });

  helmTest('checks every generated chart as helm template renders it', () => {
    const seen = new Set(checksOf(['helm'], 'passed_checks', generated).map((c) => rel(c).replace(/\/templates\/.*$/, '')));
    expect([...seen].sort()).toEqual(charts.map((c) => `generated/${c}`).sort());
  });

  test('no failed check but those accepted for the helm runner', () => {
    expect(checks('failed_checks', generated).filter((c) => !accepted(c)).map(show)).toEqual([]);
  });

  test('the accepted helm runner findings are listed in docs/testing.md', () => {
    const doc = fs.readFileSync(path.join(__dirname, '..', 'docs', 'testing.md'), 'utf-8');
    for (const id of [...HELM_ACCEPTED, ...Object.keys(WORKFLOW_ACCEPTED)]) expect(doc).toContain(`\`${id}\``);
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

  test('reports the known-bad Dockerfile, workflow and infra (the scanner works)', () => {
    expect(checks('failed_checks', bad).map((c) => c.check_id).sort()).toEqual(expect.arrayContaining(['CKV2_GHA_1', 'CKV_DOCKER_2', 'CKV_DOCKER_4', 'CKV_DOCKER_7', 'CKV_DOCKER_8', 'CKV_GHA_2', 'CKV_AWS_51', 'CKV_AWS_136', 'CKV_AWS_163', 'CKV_AWS_393']));
  });

  test('reports the known-bad manifest (the kubernetes runner works)', () => {
    const ids = checksOf(['kubernetes'], 'failed_checks', bad).map((c) => c.check_id);
    expect(ids).toEqual(expect.arrayContaining(['CKV_K8S_14', 'CKV_K8S_16', 'CKV_K8S_20', 'CKV_K8S_21', 'CKV_K8S_22', 'CKV_K8S_23']));
  });

  helmTest('reports the known-bad chart (the helm runner works)', () => {
    const ids = checksOf(['helm'], 'failed_checks', bad).map((c) => c.check_id);
    expect(ids).toEqual(expect.arrayContaining(['CKV_K8S_14', 'CKV_K8S_16', 'CKV_K8S_19']));
  });
});
