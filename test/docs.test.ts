import * as fs from 'fs';
import * as path from 'path';
import { renderOptionsDoc } from '../scripts/options-doc';
import { renderRuntimeDoc } from '../scripts/runtime-docs';
import { Runtime } from '../src';

const ROOT = path.join(__dirname, '..');

describe('docs', () => {
  test('docs/options.md matches the doc comments (run `npx projen docgen` after changing them)', () => {
    expect(fs.existsSync(path.join(ROOT, '.jsii'))).toBe(true);
    expect(fs.readFileSync(path.join(ROOT, 'docs', 'options.md'), 'utf-8')).toBe(renderOptionsDoc());
  });

  test('every GitOpsProject option is documented with a default', () => {
    const doc = renderOptionsDoc();
    const section = doc.split('## GitOpsProjectOptions')[1].split('\n## ')[0];
    for (const option of ['runtime', 'port', 'healthPath', 'registry', 'imageName', 'nodeVersion', 'baseImage', 'uid', 'requiredApprovals', 'defaultBranch']) {
      expect(section).toMatch(new RegExp(`^\\| \`${option}\` \\| \`[^\`]+\` \\| (\`[^\`]+\`|- .+) \\| .+ \\|$`, 'm'));
    }
  });

  test.each(Object.values(Runtime))('docs/runtimes/%s.md shows the preset as it renders', (runtime) => {
    expect(fs.readFileSync(path.join(ROOT, 'docs', 'runtimes', `${runtime}.md`), 'utf-8')).toBe(renderRuntimeDoc(runtime));
  });
});
