import { RepositoryVisibility } from '../../src';
import { ACTIONS, annotatePins, COMPOSITE_USES, NestedAction, PinnedAction, toolInput, uses } from '../../src/github/actions';
import { gitopsProject, synth, usesOf, workflowObject } from '../util';

/**
 * Action runtimes (`runs.using`) GitHub has deprecated: node12 and node16
 * (https://github.blog/changelog/2023-09-22-github-actions-transitioning-from-node-16-to-node-20/),
 * node20 (https://github.blog/changelog/2025-09-19-deprecation-of-node-20-on-github-actions-runners/:
 * forced onto Node 24 from 2026-06-02, removed from the runner 2026-09-16).
 */
const DEPRECATED_RUNTIMES = ['node12', 'node16', 'node20'];
/** The values of `runs.using` GitHub documents (metadata syntax for GitHub Actions). */
const RUNTIMES = ['node24', 'composite', 'docker', ...DEPRECATED_RUNTIMES];

/**
 * A pin still on a deprecated runtime because its newer release cannot yet be read from the
 * upstream repository here (pins take their SHA from the repository only, docs/release.md).
 * Each waiver expires: past `until` the test fails again.
 */
interface Waiver { readonly until: string; readonly why: string }
const WAIVERS: Record<string, Waiver> = {};

/** What is wrong with the pins' runtimes on `today`: deprecated without a live waiver, or a stale waiver. */
function runtimeFindings(pins: Record<string, PinnedAction>, waivers: Record<string, Waiver>, today: string): string[] {
  const findings: string[] = [];
  for (const [key, pin] of Object.entries(pins)) {
    if (!RUNTIMES.includes(pin.runtime)) findings.push(`${key}: runtime '${pin.runtime}' is not a runs.using value`);
    const waiver = waivers[key];
    if (DEPRECATED_RUNTIMES.includes(pin.runtime)) {
      if (!waiver) findings.push(`${key}: ${pin.action}@${pin.version} runs on ${pin.runtime}, which GitHub has deprecated; upgrade it`);
      else if (today > waiver.until) findings.push(`${key}: the waiver for ${pin.runtime} expired on ${waiver.until}; upgrade ${pin.action}`);
    } else if (waiver) {
      findings.push(`${key}: runs on ${pin.runtime}; drop its waiver`);
    }
  }
  return findings;
}

/**
 * What is wrong with what the composite actions run, walked down from the table: a composite
 * whose `uses:` were never read (at its pinned commit), or a nested action on a deprecated
 * runtime (no waiver reaches down there: upgrade the composite).
 */
function nestedFindings(pins: Record<string, PinnedAction>, composites: Record<string, NestedAction[]>): string[] {
  const findings: string[] = [];
  const walk = (ref: string, path: string[], seen: Set<string>) => {
    const nested = composites[ref];
    if (nested === undefined) {
      findings.push(`${path.join(' > ')}: composite, but what it runs at that commit is not in COMPOSITE_USES; read its action.yml (docs/release.md)`);
      return;
    }
    for (const inner of nested) {
      const at = [...path, `${inner.uses} (${inner.version})`];
      if (!/^[\w.-]+\/[\w.-]+(\/[\w.-]+)*@[0-9a-f]{40}$/.test(inner.uses)) findings.push(`${at.join(' > ')}: not pinned to a commit SHA`);
      if (!RUNTIMES.includes(inner.runtime)) findings.push(`${at.join(' > ')}: runtime '${inner.runtime}' is not a runs.using value`);
      if (DEPRECATED_RUNTIMES.includes(inner.runtime)) findings.push(`${at.join(' > ')}: runs on ${inner.runtime}, which GitHub has deprecated; upgrade ${path[0]}`);
      if (inner.runtime === 'composite' && !seen.has(inner.uses)) walk(inner.uses, at, new Set([...seen, inner.uses]));
    }
  };
  for (const [key, pin] of Object.entries(pins)) {
    if (pin.runtime === 'composite') walk(uses(pin), [`${key} (${pin.action}@${pin.version})`], new Set([uses(pin)]));
  }
  return findings;
}

describe('action pins', () => {
  test.each(Object.entries(ACTIONS))('%s is pinned to a full commit SHA of a release', (_key, pin) => {
    expect(pin.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(pin.version).toMatch(/^v\d+\.\d+\.\d+$/);
    expect(pin.action).toMatch(/^[\w.-]+\/[\w.-]+(\/[\w.-]+)*$/);
  });

  test('no pin runs on a runtime GitHub has deprecated', () => {
    const today = new Date().toISOString().slice(0, 10);
    for (const [key, waiver] of Object.entries(WAIVERS)) {
      const pin = (ACTIONS as Record<string, PinnedAction>)[key];
      console.warn(`WAIVED until ${waiver.until}: ${pin.action}@${pin.version} runs on ${pin.runtime}: ${waiver.why}`);
    }
    expect(runtimeFindings(ACTIONS, WAIVERS, today)).toEqual([]);
  });

  test('the runtime check fails a deprecated pin, an expired waiver and a stale one', () => {
    const old = { action: 'actions/old', version: 'v1.0.0', sha: 'a'.repeat(40), runtime: 'node16' };
    const current = { ...old, runtime: 'node24' };
    expect(runtimeFindings({ old }, {}, '2026-12-01')).toEqual([expect.stringContaining('runs on node16, which GitHub has deprecated')]);
    expect(runtimeFindings({ old }, { old: { until: '2026-11-30', why: '' } }, '2026-12-01')).toEqual([expect.stringContaining('expired on 2026-11-30')]);
    expect(runtimeFindings({ current }, { current: { until: '2027-01-01', why: '' } }, '2026-12-01')).toEqual([expect.stringContaining('drop its waiver')]);
    expect(runtimeFindings({ odd: { ...old, runtime: 'node22' } }, {}, '2026-12-01')).toEqual([expect.stringContaining("'node22' is not a runs.using value")]);
  });

  test('no action a composite pin runs, at any depth, is on a deprecated runtime, and every composite\'s uses: are recorded', () => {
    expect(nestedFindings(ACTIONS, COMPOSITE_USES)).toEqual([]);
    // Each recorded composite is reached from the table: none is left over from an older pin.
    const reached = new Set<string>();
    const visit = (ref: string) => {
      reached.add(ref);
      for (const inner of COMPOSITE_USES[ref] ?? []) if (inner.runtime === 'composite') visit(inner.uses);
    };
    for (const pin of Object.values(ACTIONS) as PinnedAction[]) if (pin.runtime === 'composite') visit(uses(pin));
    expect(Object.keys(COMPOSITE_USES).sort()).toEqual([...reached].sort());
  });

  test('the nested check fails a composite never read, a nested deprecated runtime two levels down, and an unpinned nested action', () => {
    const wrapper = { action: 'acme/wrapper', version: 'v1.0.0', sha: 'a'.repeat(40), runtime: 'composite' };
    expect(nestedFindings({ wrapper }, {})).toEqual([expect.stringContaining('wrapper (acme/wrapper@v1.0.0): composite, but what it runs at that commit is not in COMPOSITE_USES')]);
    const inner = `acme/inner@${'b'.repeat(40)}`;
    expect(nestedFindings({ wrapper }, {
      [`acme/wrapper@${'a'.repeat(40)}`]: [{ uses: inner, version: 'v2.0.0', runtime: 'composite' }, { uses: 'acme/tagged@v3', version: 'v3.0.0', runtime: 'node24' }],
      [inner]: [{ uses: `actions/old@${'c'.repeat(40)}`, version: 'v4.0.0', runtime: 'node20' }],
    })).toEqual([
      expect.stringMatching(/> acme\/inner@b{40} \(v2\.0\.0\) > actions\/old@c{40} \(v4\.0\.0\): runs on node20, which GitHub has deprecated; upgrade wrapper/),
      expect.stringMatching(/acme\/tagged@v3 \(v3\.0\.0\): not pinned to a commit SHA$/),
    ]);
  });

  test('the tools the actions install are pinned to a release, through the action input', () => {
    const withTools = Object.values(ACTIONS).filter((pin: PinnedAction) => pin.tool);
    expect(withTools.map((pin) => pin.action)).toEqual(['sigstore/cosign-installer', 'aquasecurity/trivy-action']);
    for (const pin of withTools) expect(pin.tool?.version).toMatch(/^v\d+\.\d+\.\d+$/);
    // Public: keyless, which installs cosign (the private default attests without it).
    const out = synth(gitopsProject({ signImages: true, visibility: RepositoryVisibility.PUBLIC }));
    const steps = Object.values(workflowObject(out, '.github/workflows/container.yml').jobs)
      .flatMap((job: any) => job.steps ?? []);
    for (const pin of withTools) {
      const using = steps.filter((step: any) => step.uses === `${pin.action}@${pin.sha}`);
      expect(using.length).toBeGreaterThan(0);
      for (const step of using) expect(step.with).toMatchObject(toolInput(pin));
    }
  });

  test('actions of one repository share one pin', () => {
    const byRepo = new Map<string, string>();
    for (const pin of Object.values(ACTIONS)) {
      const repo = pin.action.split('/').slice(0, 2).join('/');
      expect(byRepo.get(repo) ?? pin.sha).toBe(pin.sha);
      byRepo.set(repo, pin.sha);
    }
  });

  test('every generated uses: comes from the table, with its version comment', () => {
    const out = synth(gitopsProject());
    const pinned = new Set(Object.values(ACTIONS).map((p) => `${p.action}@${p.sha}`));
    const workflows = Object.keys(out).filter((f) => f.startsWith('.github/workflows/'));
    expect(workflows.length).toBeGreaterThan(0);
    for (const file of workflows) {
      for (const ref of usesOf(out[file])) {
        expect(pinned).toContain(ref);
      }
      for (const line of out[file].split('\n').filter((l: string) => /^\s*(-\s+)?uses:/.test(l))) {
        expect(line).toMatch(/@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
      }
    }
  });

  test('annotatePins leaves unknown refs alone', () => {
    expect(annotatePins('      - uses: someone/else@v1\n')).toBe('      - uses: someone/else@v1\n');
    const { checkout } = ACTIONS;
    expect(annotatePins(`  uses: ${checkout.action}@${checkout.sha}`)).toBe(`  uses: ${checkout.action}@${checkout.sha} # ${checkout.version}`);
  });
});
