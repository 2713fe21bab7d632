import * as fs from 'fs';
import * as path from 'path';
import { actionlint, shellcheckRuns } from './util';

// The validators themselves: a linter that silently stops working must fail the suite.
describe('validators', () => {
  const bad = fs.readFileSync(path.join(__dirname, 'fixtures', 'bad-workflow.yml'), 'utf-8');

  test('actionlint rejects a known-bad workflow', async () => {
    const findings = await actionlint(bad);
    expect(findings.join('\n')).toMatch(/permisions/);
    expect(findings.join('\n')).toMatch(/github\.event\.pull_request\.title.*potentially untrusted/);
    expect(findings.join('\n')).toMatch(/property "nothing" is not defined/);
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
