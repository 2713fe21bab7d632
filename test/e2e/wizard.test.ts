/**
 * The `projen-gitops` command end to end, from the packed module: --yes, Ctrl-C during
 * creation, and a real terminal (tmux) answering the questions. Needs `npx projen build`.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { packedModuleSpec, ROOT } from '../../scripts/bootstrap';
import { testWith } from '../tools';

const CLI = path.join(ROOT, 'lib', 'cli', 'main.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const newDir = (name: string) => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-wizard-')), name);

describe('projen-gitops new', () => {
  const spec = packedModuleSpec();

  test('--yes creates a working repository non-interactively, flags becoming options', () => {
    const dir = newDir('billing');
    const result = spawnSync(process.execPath, [CLI, 'new', dir, '--yes', '--from', spec, '--port', '3000', '--code-owners', '@acme/billing', '--services', 'worker:go'], { encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/✓ wrote \.projenrc\.ts .*\n.*✓ synthesized the repository/);
    expect(result.stdout).toMatch(/Next steps:/);
    const rc = fs.readFileSync(path.join(dir, '.projenrc.ts'), 'utf-8');
    expect(rc).toMatch(/name: "billing"/);
    expect(rc).toMatch(/port: 3000/);
    expect(rc).toMatch(/codeOwners: \["@acme\/billing"\]/);
    expect(fs.readFileSync(path.join(dir, '.github/CODEOWNERS'), 'utf-8')).toMatch(/^\* @acme\/billing$/m);
    expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf-8')).toMatch(/^EXPOSE 3000$/m);
    // further services are written into .projenrc.ts and synthesized
    expect(rc).toMatch(/import \{ GitOpsProject, Runtime \} from "projen-gitops";/);
    expect(rc).toMatch(/services: \[\{ name: "worker", runtime: Runtime\.GO \}\],/);
    expect(fs.existsSync(path.join(dir, 'services/worker/Dockerfile'))).toBe(true);
    expect(result.stdout).toMatch(/✓ added worker \(go\) in services\//);
    // "Done" comes last, after everything was made.
    expect(result.stdout.indexOf('✓ added worker')).toBeLessThan(result.stdout.indexOf('Done:'));
    expect(spawnSync('git', ['status', '--porcelain'], { cwd: dir, encoding: 'utf-8' }).stdout).toBe('');
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  test.each([
    ['Ctrl-C (SIGINT)', 'SIGINT', 130],
    ['SIGTERM', 'SIGTERM', 143],
  ] as const)('%s while creating leaves no half-made directory, and exits as a shell expects (128 + the signal)', async (_label, signal, exitCode) => {
    const dir = newDir(`interrupted-${signal.toLowerCase()}`);
    const child = spawn(process.execPath, [CLI, 'new', dir, '--yes', '--from', spec], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    for (let i = 0; i < 100 && !fs.existsSync(path.join(dir, 'package.json')); i++) await sleep(100);
    expect(fs.existsSync(dir)).toBe(true); // creation had started
    child.kill(signal);
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(output).toMatch(/Interrupted: removing what was created/);
    expect(code).toBe(exitCode);
    expect(fs.existsSync(dir)).toBe(false);
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  testWith(['tmux'])('in a real terminal: answers, a wrong answer corrected, then a working repository', async () => {
    const dir = newDir('terminal');
    const session = `wizard-${process.pid}`;
    const screen = () => spawnSync('tmux', ['capture-pane', '-p', '-t', session], { encoding: 'utf-8' }).stdout;
    const keys = (...k: string[]) => spawnSync('tmux', ['send-keys', '-t', session, ...k]);
    const waitFor = async (pattern: RegExp, ms = 30_000) => {
      for (let waited = 0; waited < ms; waited += 200) {
        if (pattern.test(screen())) return;
        await sleep(200);
      }
      throw new Error(`timed out waiting for ${pattern}; the screen shows:\n${screen()}`);
    };
    spawnSync('tmux', ['new-session', '-d', '-s', session, '-x', '160', '-y', '50',
      `node ${CLI} new ${dir} --from ${spec}; echo "EXIT=$?"; sleep 600`]);
    try {
      await waitFor(/Service name/);
      keys('Enter'); // the folder name
      await waitFor(/Runtime/);
      keys('Enter');
      await waitFor(/Container registry/);
      keys('Enter');
      await waitFor(/Image name in the registry/);
      keys('acme/terminal', 'Enter');
      await waitFor(/Port the service listens on/);
      keys('abc', 'Enter'); // refused with the reason
      await waitFor(/must be an integer/);
      keys('9090', 'Enter'); // replaces the refused text (it was appended: 'abc9090')
      await waitFor(/Health check path/);
      expect(screen()).not.toMatch(/must be an integer/); // no leftover error text
      keys('ready', 'Enter'); // no leading slash: refused with the reason
      await waitFor(/must be an absolute URL path/);
      keys('C-a', '/', 'Enter'); // edited, not replaced, once the cursor moved: '/ready'
      await waitFor(/Approvals a pull request needs/);
      keys('Enter');
      await waitFor(/Code owners/);
      keys('@wrong', 'C-u', '@acme/terminal', 'Enter'); // Ctrl-U clears the line (it was typed in)
      await waitFor(/Further services/);
      keys('Enter');
      await waitFor(/GitHub repository as owner\/name/);
      keys('acme/terminal', 'Enter');
      await waitFor(/Environments in promotion order/);
      keys('Enter'); // dev, staging, prod
      await waitFor(/EXIT=\d+/, 180_000);
      expect(screen()).toMatch(/EXIT=0/);
      const rc = fs.readFileSync(path.join(dir, '.projenrc.ts'), 'utf-8');
      expect(rc).toMatch(/name: "terminal"/);
      expect(rc).toMatch(/imageName: "acme\/terminal"/);
      expect(rc).toMatch(/healthPath: "\/ready"/);
      expect(rc).toMatch(/port: 9090/);
      expect(rc).toMatch(/codeOwners: \["@acme\/terminal"\]/);
      expect(rc).toMatch(/repository: "acme\/terminal"/);
      expect(fs.existsSync(path.join(dir, 'deploy/rendered/prod/terminal.yaml'))).toBe(true);
    } finally {
      spawnSync('tmux', ['kill-session', '-t', session]);
      fs.rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  });
});
