import { ACTIONS, annotatePins } from '../../src/github/actions';
import { gitopsProject, synth, usesOf } from '../util';

describe('action pins', () => {
  test.each(Object.entries(ACTIONS))('%s is pinned to a full commit SHA of a release', (_key, pin) => {
    expect(pin.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(pin.version).toMatch(/^v\d+\.\d+\.\d+$/);
    expect(pin.action).toMatch(/^[\w.-]+\/[\w.-]+(\/[\w.-]+)*$/);
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
