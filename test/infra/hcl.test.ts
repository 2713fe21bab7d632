import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { attr, block, expr, renderHcl, str } from '../../src/infra/hcl';
import { testWith, tool } from '../tools';
import { tempdir } from '../util';

/** What terraform itself makes of an HCL string expression (`terraform console`, no providers or init needed). */
function evaluate(expression: string): { status: number | null; value?: unknown; stderr: string } {
  const dir = tempdir('gitops-hcl-');
  fs.writeFileSync(path.join(dir, 'main.tf'), renderHcl([], [block('locals', [], [attr('v', expr(expression))])]));
  const result = spawnSync(tool('terraform')!, ['console'], { cwd: dir, input: 'jsonencode(local.v)\n', encoding: 'utf-8' });
  fs.rmSync(dir, { recursive: true, force: true });
  const out = result.stdout.trim();
  if (result.status !== 0) throw new Error(`terraform console failed (${result.status}): ${result.stderr}`);
  return { status: result.status, stderr: result.stderr, value: JSON.parse(JSON.parse(out)) };
}

describe('HCL strings (str) stay literal text, as terraform reads them', () => {
  testWith(['terraform']).each([
    ['plain', 'orders'],
    ['an interpolation', 'a${file("/etc/passwd")}b'],
    ['a template directive', '%{ if true }x%{ endif }'],
    ['quotes and backslashes', 'say "hi" \\ bye'],
    ['a newline', 'one\ntwo'],
  ] as const)('%s', (_what, value) => {
    expect(evaluate(str(value)).value).toBe(value);
  });

  testWith(['terraform'])('the check can fail: an unescaped interpolation is evaluated, not kept', () => {
    const naive = `"${'a${upper("x")}b'}"`;
    expect(evaluate(naive).value).toBe('aXb');
  });
});
