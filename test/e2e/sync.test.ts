/**
 * Sync without loss in a real bootstrapped repository: edit detection, force with backup,
 * hand-over, deleted seed, preview, the drift job's logic, and an upgrade from one packed
 * version of this module to the next. Needs `npx projen build` first.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { treeHash } from './tree';
import { bootstrap, packedModuleSpec, run } from '../../scripts/bootstrap';


describe('sync without loss, in a bootstrapped repository', () => {
  let dir: string;
  let rc: string;
  const projen = (...args: string[]) => run('npx', ['projen', ...args], dir, { CI: '' });
  const git = (...args: string[]) => run('git', args, dir);
  const read = (file: string) => fs.readFileSync(path.join(dir, file), 'utf-8');
  const edit = (file: string, change: (t: string) => string) => {
    fs.chmodSync(path.join(dir, file), 0o644);
    fs.writeFileSync(path.join(dir, file), change(read(file)));
  };
  const setOptions = (options: string) => fs.writeFileSync(path.join(dir, '.projenrc.ts'), rc.replace('const project = new GitOpsProject({', `const project = new GitOpsProject({\n  ${options}`));
  const commitAll = (message: string) => {
    git('add', '-A');
    git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', message);
  };

  beforeAll(async () => {
    dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-sync-')), 'orders');
    const result = await bootstrap(dir, packedModuleSpec());
    if (result.status !== 0) throw new Error(`projen new failed:\n${result.output}`);
    rc = read('.projenrc.ts');
  });

  afterAll(() => {
    if (dir && !process.env.KEEP_E2E) fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  test('editing a managed file stops npx projen with the file, the diff and the ways forward; no byte changes', () => {
    edit('Dockerfile', (t) => t.replace('EXPOSE 8080', 'EXPOSE 9090'));
    const before = treeHash(dir);
    const result = projen();
    expect(result.status).not.toBe(0);
    const output = result.stdout + result.stderr;
    expect(output).toMatch(/1 managed file was edited by hand; synth stopped before writing anything/);
    expect(output).toMatch(/-EXPOSE 8080\n\s+\+EXPOSE 9090/);
    expect(output).toMatch(/handOver: \["Dockerfile"\]/);
    expect(output).toMatch(/PROJEN_GITOPS_FORCE=1 npx projen/);
    expect(treeHash(dir)).toBe(before);
  });

  test('preview shows why synth would stop, and writes nothing', () => {
    const before = treeHash(dir);
    const result = projen('preview');
    expect(result.status).not.toBe(0); // a real failure: exit 2
    expect(result.stdout + result.stderr).toMatch(/synth would stop; nothing would change/);
    expect(treeHash(dir)).toBe(before);
  });

  test('force overwrites the edit and keeps a backup', () => {
    const result = run('npx', ['projen'], dir, { CI: '', PROJEN_GITOPS_FORCE: '1' });
    expect(result.status).toBe(0);
    expect(result.stdout + result.stderr).toMatch(/Dockerfile was edited by hand; PROJEN_GITOPS_FORCE is set, so it is regenerated\. Your version is in \.gitops-backups\/[^/]+\/Dockerfile/);
    expect(read('Dockerfile')).toMatch(/^EXPOSE 8080$/m);
    const [stamp] = fs.readdirSync(path.join(dir, '.gitops-backups'));
    expect(fs.readFileSync(path.join(dir, '.gitops-backups', stamp, 'Dockerfile'), 'utf-8')).toMatch(/^EXPOSE 9090$/m);
    expect(git('status', '--porcelain').stdout).toBe(''); // backups are ignored by git
  });

  test('handing the file over keeps the edit from then on', () => {
    edit('Dockerfile', (t) => t.replace('EXPOSE 8080', 'EXPOSE 9090'));
    setOptions('handOver: ["Dockerfile"],\n  port: 3000,');
    const result = projen();
    expect(result.status).toBe(0);
    expect(read('Dockerfile')).toMatch(/^EXPOSE 9090$/m);
    expect(result.stdout + result.stderr).toMatch(/handed over to you: Dockerfile/);
    expect(read('README.md')).toMatch(/\| `Dockerfile` \| seeded \| Handed over to you/);
    const again = treeHash(dir);
    expect(projen().status).toBe(0);
    expect(treeHash(dir)).toBe(again);
    fs.writeFileSync(path.join(dir, '.projenrc.ts'), rc);
    fs.chmodSync(path.join(dir, 'Dockerfile'), 0o644);
    git('checkout', '--', 'Dockerfile');
    expect(projen().status).toBe(0);
    commitAll('back to generated');
  });

  test('a deleted seed stays deleted', () => {
    fs.rmSync(path.join(dir, 'src/server.js'));
    expect(projen().status).toBe(0);
    expect(fs.existsSync(path.join(dir, 'src/server.js'))).toBe(false);
    git('checkout', '--', 'src/server.js');
  });

  test('preview prints the patch npx projen would apply, and writes nothing', () => {
    setOptions('port: 3000,');
    const before = treeHash(dir);
    const result = projen('preview');
    // "Would change" is an answer, not a failure: exit 0, and projen reports no failed task.
    expect(result.status).toBe(0);
    expect(result.stdout + result.stderr).not.toMatch(/failed/);
    expect(result.stderr).toMatch(/npx projen would change 3 files:/); // Dockerfile, README.md and the synth record
    expect(result.stdout).toMatch(/^diff --git a\/Dockerfile b\/Dockerfile\n--- a\/Dockerfile\n\+\+\+ b\/Dockerfile\n@@ -\d+,\d+ \+\d+,\d+ @@/m);
    expect(result.stdout).toMatch(/-EXPOSE 8080\n\+EXPOSE 3000/);
    // The patch is real: git applies it to the repository as it is.
    const patch = path.join(path.dirname(dir), 'preview.patch');
    fs.writeFileSync(patch, result.stdout);
    expect(git('apply', '--check', patch).stderr).toBe('');
    expect(git('apply', '--check', patch).status).toBe(0);
    // For scripts: --exit-code answers 1 when something would change.
    expect(run('npx', ['projen-gitops', 'preview', '--exit-code'], dir, { CI: '' }).status).toBe(1);
    expect(treeHash(dir)).toBe(before);
  });

  test('the drift job fails with the patch when .projenrc.ts changed without a synth, and passes after', () => {
    const workflow = parse(read('.github/workflows/drift.yml'));
    const scripts: string[] = workflow.jobs.drift.steps.map((s: any) => s.run).filter(Boolean);
    const [, synthesize, compare] = scripts; // npm ci is skipped: node_modules is here already
    commitAll('change the port, forget to synthesize');
    const drift = () => {
      const synthResult = run('bash', ['-c', synthesize], dir, { CI: '' });
      expect(synthResult.status).toBe(0);
      return run('bash', ['-e', '-c', compare], dir);
    };
    const failed = drift();
    expect(failed.status).toBe(1);
    expect(failed.stdout).toMatch(/::error title=Generated files are out of date::/);
    expect(failed.stdout).toMatch(/-EXPOSE 8080\n\+EXPOSE 3000/);
    git('reset', '-q');
    commitAll('synthesized');
    const passed = drift();
    expect(passed.stdout).toMatch(/The committed files match \.projenrc\.ts\./);
    expect(passed.status).toBe(0);
  });

  test('upgrading projen-gitops to a newer packed version: synth applies it and says per file what changed', () => {
    // Version B: the same package with a changed README template and a higher version.
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-upgrade-'));
    const tarballA = packedModuleSpec().replace(/^projen-gitops@file:/, '');
    execFileSync('tar', ['xzf', tarballA, '-C', work]);
    const pkg = path.join(work, 'package');
    const manifest = JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf-8'));
    manifest.version = '99.0.0';
    fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify(manifest, null, 2));
    fs.appendFileSync(path.join(pkg, 'templates', 'README.md.hbs'), '\nUpgraded by projen-gitops 99.0.0.\n');
    const tarballB = path.join(work, 'projen-gitops-99.0.0.tgz');
    execFileSync('tar', ['czf', tarballB, '-C', work, 'package']);

    const current = read('.projenrc.ts');
    fs.writeFileSync(path.join(dir, '.projenrc.ts'), current.replace(/projen-gitops@file:[^"]+/, `projen-gitops@file:${tarballB}`));
    const first = projen(); // runs the old code, installs the new version
    expect(first.status).toBe(0);
    const second = projen(); // runs the new code
    expect(second.status).toBe(0);
    expect(second.stdout + second.stderr).toMatch(/updated {2}README\.md/);
    expect(read('README.md')).toMatch(/Upgraded by projen-gitops 99\.0\.0\./);
    const settled = treeHash(dir);
    expect(projen().status).toBe(0);
    expect(treeHash(dir)).toBe(settled);
    fs.rmSync(work, { recursive: true, force: true });
  });
});
