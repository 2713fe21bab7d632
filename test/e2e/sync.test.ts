/**
 * Sync without loss in a real bootstrapped repository: edit detection, force with backup,
 * hand-over, deleted seed, preview, the drift job's logic, and an upgrade from one packed
 * version of this module to the next. Needs `npx projen build` first.
 */
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { treeHash } from './tree';
import { bootstrap, packedModuleSpec, run, userEnv } from '../../scripts/bootstrap';


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
    expect(result.stderr).toMatch(/npx projen would change 4 files:/); // Dockerfile, README.md, the synth record and .projen-gitops.json (the Dockerfile's purpose names the port)
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

  const STATE = '.projen/gitops-state.json';
  const output = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;

  test('a corrupt record stops npx projen before any write; the rebuild command recovers without losing the edit', () => {
    commitAll('before the broken record');
    edit('Dockerfile', (t) => t.replace('USER 10001:10001', 'USER 10001:10001\n# mine'));
    fs.writeFileSync(path.join(dir, STATE), read(STATE).slice(0, 200)); // truncated, as by a crash
    const before = treeHash(dir);
    const stopped = projen();
    expect(stopped.status).not.toBe(0);
    expect(output(stopped)).toMatch(/RecordError: projen-gitops: the sync record \.projen\/gitops-state\.json is truncated \(empty, or cut off before its last line\); synth stopped before writing anything\./);
    expect(output(stopped)).toMatch(/To recover, run:\n {2}PROJEN_GITOPS_RECORD=rebuild npx projen/);
    expect(treeHash(dir)).toBe(before);
    // The recovery trusts nothing: the edit is still caught...
    const rebuilt = run('npx', ['projen'], dir, { CI: '', PROJEN_GITOPS_RECORD: 'rebuild' });
    expect(rebuilt.status).not.toBe(0);
    expect(output(rebuilt)).toMatch(/1 managed file was edited by hand[\s\S]*Dockerfile[\s\S]*\+# mine/);
    expect(treeHash(dir)).toBe(before);
    // ...and once the edit is dealt with, the record is whole again and synth settles.
    fs.chmodSync(path.join(dir, 'Dockerfile'), 0o644);
    git('checkout', '--', 'Dockerfile');
    expect(run('npx', ['projen'], dir, { CI: '', PROJEN_GITOPS_RECORD: 'rebuild' }).status).toBe(0);
    expect(read(STATE)).toMatch(/\nnull\]\}\n$/);
    const settled = treeHash(dir);
    expect(projen().status).toBe(0);
    expect(treeHash(dir)).toBe(settled);
    commitAll('record rebuilt');
  });

  test('two branches that changed options merge cleanly (merge=union); where that is missing, the conflict stops synth and the union command resolves it', () => {
    const withOption = (option: string) => fs.writeFileSync(path.join(dir, '.projenrc.ts'), rc.replace('const project = new GitOpsProject({', `const project = new GitOpsProject({\n  ${option}`));
    fs.writeFileSync(path.join(dir, '.projenrc.ts'), rc);
    expect(projen().status).toBe(0);
    commitAll('base');
    const base = git('rev-parse', 'HEAD').stdout.trim();
    const branches = () => {
      git('checkout', '-q', '-B', 'approvals', base);
      withOption('requiredApprovals: 2,');
      expect(projen().status).toBe(0);
      commitAll('two approvals');
      git('checkout', '-q', '-B', 'port', base);
      withOption('port: 3000,');
      expect(projen().status).toBe(0);
      commitAll('port 3000');
    };
    const merge = () => git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'merge', '-q', '--no-edit', 'approvals');
    const bothOptions = () => withOption('port: 3000,\n  requiredApprovals: 2,');

    branches();
    const clean = merge();
    expect(output(clean)).not.toMatch(/CONFLICT \(content\): Merge conflict in \.projen\/gitops-state\.json/);
    expect(read(STATE)).not.toMatch(/^(<{7}|>{7})/m);
    git('merge', '--abort');
    git('reset', '-q', '--hard', 'port');

    fs.writeFileSync(path.join(dir, '.git/info/attributes'), `/${STATE} merge=text\n`); // as without merge=union
    const conflicted = merge();
    expect(output(conflicted)).toMatch(/CONFLICT \(content\): Merge conflict in \.projen\/gitops-state\.json/);
    for (const file of git('diff', '--name-only', '--diff-filter=U').stdout.split('\n').filter((f) => f && f !== STATE)) git('checkout', '--theirs', '--', file);
    bothOptions();
    const before = treeHash(dir);
    const stopped = projen();
    expect(stopped.status).not.toBe(0);
    expect(output(stopped)).toMatch(/RecordError: projen-gitops: the sync record \.projen\/gitops-state\.json has unresolved merge conflict markers \(lines [\d, ]+\); synth stopped before writing anything\./);
    expect(output(stopped)).toMatch(/PROJEN_GITOPS_RECORD=union npx projen/);
    expect(treeHash(dir)).toBe(before);
    const resolved = run('npx', ['projen'], dir, { CI: '', PROJEN_GITOPS_RECORD: 'union' });
    expect(resolved.status).toBe(0);
    expect(read(STATE)).not.toMatch(/^(<{7}|={7}|>{7})/m);
    expect(read('Dockerfile')).toMatch(/^EXPOSE 3000$/m);
    expect(read('.github/rulesets/protect-main.json')).toMatch(/"required_approving_review_count": 2/);
    fs.rmSync(path.join(dir, '.git/info/attributes'));
    commitAll('merged');
  });

  test('a tampered record naming a file outside the repository, with PROJEN_GITOPS_FORCE=1, copies nothing in', () => {
    const outside = path.join(path.dirname(dir), 'somewhere', 'file');
    fs.mkdirSync(path.dirname(outside), { recursive: true });
    fs.writeFileSync(outside, 'not yours');
    const escape = path.relative(dir, outside);
    expect(escape).toBe('../somewhere/file');
    fs.writeFileSync(path.join(dir, STATE), read(STATE).replace(/^(\["managed","Dockerfile")/m, `["managed",${JSON.stringify(escape)},"${'0'.repeat(64)}"],\n$1`));
    const before = treeHash(dir);
    const stopped = run('npx', ['projen'], dir, { CI: '', PROJEN_GITOPS_FORCE: '1' });
    expect(stopped.status).not.toBe(0);
    expect(output(stopped)).toMatch(/the sync record \.projen\/gitops-state\.json names paths synth must not touch \(tampered\?\); synth stopped before writing anything\.\n {2}entries\[\d+\]: path "\.\.\/somewhere\/file" leaves the repository/);
    expect(treeHash(dir)).toBe(before);
    expect(fs.existsSync(path.join(dir, 'somewhere'))).toBe(false);
    git('checkout', '--', STATE);
  });

  test('npx projen while another synth holds the lock stops with the holder named; a lock whose process ended is taken over', () => {
    const holder = spawn('sleep', ['60']);
    try {
      fs.writeFileSync(path.join(dir, '.projen/gitops.lock'), JSON.stringify({ pid: holder.pid, host: os.hostname(), started: new Date().toISOString() }));
      const before = treeHash(dir);
      const stopped = projen();
      expect(stopped.status).not.toBe(0);
      expect(output(stopped)).toMatch(new RegExp(`LockError: projen-gitops: another synth of this repository is running \\(\\.projen/gitops\\.lock: pid ${holder.pid} on `));
      expect(treeHash(dir)).toBe(before);
    } finally {
      holder.kill();
    }
    expect(projen().status).toBe(0); // the holder has ended (not yet reaped: a zombie)
    expect(fs.existsSync(path.join(dir, '.projen/gitops.lock'))).toBe(false);
    expect(git('status', '--porcelain').stdout).toBe('');
  });

  test('two npx projen at once: one synthesizes, the other stops with the lock message or runs after; the tree is whole', async () => {
    setOptions('port: 4000,');
    const start = () => new Promise<{ status: number | null; out: string }>((resolve) => {
      const child = spawn('npx', ['projen'], { cwd: dir, env: userEnv({ CI: '' }) });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      child.on('close', (status) => resolve({ status, out }));
    });
    const results = await Promise.all([start(), start()]);
    expect(results.some((r) => r.status === 0)).toBe(true);
    for (const r of results.filter((x) => x.status !== 0)) expect(r.out).toMatch(/another synth of this repository is running/);
    const settled = treeHash(dir);
    expect(projen().status).toBe(0);
    expect(treeHash(dir)).toBe(settled);
    expect(read('Dockerfile')).toMatch(/^EXPOSE 4000$/m);
  });

  test('adding a service lists the seeded files synth creates', () => {
    setOptions('services: [{ name: "worker", runtime: "go" as any }],');
    const result = projen();
    expect(result.status).toBe(0);
    expect(output(result)).toMatch(/seeded {3}services\/worker\/go\.mod/);
    expect(output(result)).toMatch(/seeded {3}services\/worker\/main\.go/);
    expect(output(result)).toMatch(/created {2}services\/worker\/Dockerfile/);
  });

  test('npx projen killed part way (a real SIGKILL after its second write), then the option reverted: nothing is taken for a hand edit, and the tree is back', () => {
    commitAll('before the kill');
    const current = read('.projenrc.ts');
    fs.writeFileSync(path.join(dir, '.projenrc.ts'), current.replace('const project = new GitOpsProject({', 'const project = new GitOpsProject({\n  port: 3000,'));
    const preload = path.join(__dirname, '..', 'fixtures', 'interrupted-synth', 'kill-after-writes.js');
    const killed = run('npx', ['projen'], dir, { CI: '', NODE_OPTIONS: `--require ${preload}`, KILL_AFTER_WRITES: '2', KILL_UNDER: `${dir}/` });
    // projen's task runner reports a step killed by a signal as exit code 0 (dax), so the
    // status says nothing here: the kill shows in the output and in what was left.
    expect(output(killed)).toMatch(/killed after writing /);
    // It wrote some files, and not the record.
    const written = git('status', '--porcelain').stdout.split('\n').filter(Boolean).map((l) => l.slice(3));
    expect(written.filter((f) => f !== '.projenrc.ts').length).toBeGreaterThan(0);
    expect(written).not.toContain(STATE);
    fs.writeFileSync(path.join(dir, '.projenrc.ts'), current);
    const reverted = projen();
    expect({ status: reverted.status, output: output(reverted) }).toEqual({ status: 0, output: expect.stringMatching(/An earlier synth \(pid \d+, started \S+\) did not finish; the files it left are now as this synth writes them/) });
    expect(git('status', '--porcelain').stdout).toBe('');
    expect(fs.existsSync(path.join(dir, '.projen/gitops-intent.log'))).toBe(false);
    expect(fs.existsSync(path.join(dir, '.projen/gitops.lock'))).toBe(false);
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
