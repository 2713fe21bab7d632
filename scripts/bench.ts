/**
 * `npx projen bench`: re-synthesis speed of generated repositories with 1, 10 and 50 services
 * against a stock `projen new typescript` project, in one run on this machine, with where
 * the time goes. Writes docs/benchmarks.md. BENCH_RUNS sets the runs per case (default 5).
 * BENCH_IMAGES=1 also builds every runtime preset's image (scripts/bench-images.ts; needs
 * buildah), BENCH_IMAGES=only builds just those; a part not measured is kept from the last run.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { imageBench } from './bench-images';
import { bootstrap, packedModuleSpec, ROOT, userEnv } from './bootstrap';
import { projenVersion } from '../src/cli/create';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);

interface Sample { seconds: number; rssMb: number }

/** Runs a command RUNS times (after one warm-up) under GNU time: wall seconds and peak RSS. */
function measure(cwd: string, command: string): Sample[] {
  const once = (): Sample => {
    const result = spawnSync('/usr/bin/time', ['-f', '%e %M', 'bash', '-c', `${command} > /dev/null 2>&1`], { cwd, encoding: 'utf-8', env: userEnv({ CI: '' }) });
    const [seconds, kb] = result.stderr.trim().split('\n').pop()!.split(' ').map(Number);
    if (result.status !== 0) throw new Error(`'${command}' failed in ${cwd}: ${result.stderr}`);
    return { seconds, rssMb: kb / 1024 };
  };
  once();
  return Array.from({ length: RUNS }, once);
}

/** Two commands' samples, runs alternating, so a load change on the shared machine hits both alike. */
function measureAlternating(a: string, b: string, command: string): [Sample[], Sample[]] {
  measureOnce(a, command); // warm-ups
  measureOnce(b, command);
  const first: Sample[] = [];
  const second: Sample[] = [];
  for (let i = 0; i < RUNS; i++) {
    first.push(...measureOnce(a, command));
    second.push(...measureOnce(b, command));
  }
  return [first, second];
}

/** One run; `seconds` is CPU time (user + system), which other work on the machine distorts far less than wall time. */
function measureOnce(cwd: string, command: string): Sample[] {
  const result = spawnSync('/usr/bin/time', ['-f', '%U %S %M', 'bash', '-c', `${command} > /dev/null 2>&1`], { cwd, encoding: 'utf-8', env: userEnv({ CI: '' }) });
  if (result.status !== 0) throw new Error(`'${command}' failed in ${cwd}: ${result.stderr}`);
  const [user, system, kb] = result.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return [{ seconds: user + system, rssMb: kb / 1024 }];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (s: number) => s.toFixed(2);

/** `deploy`: with `repository` set, so every service gets a chart and the default dev, staging and prod environments. */
function withServices(source: string, target: string, count: number, deploy = false) {
  fs.cpSync(source, target, { recursive: true, verbatimSymlinks: true });
  const rc = path.join(target, '.projenrc.ts');
  const services = Array.from({ length: count - 1 }, (_, i) => `{ name: "svc${i + 1}" }`).join(', ');
  fs.writeFileSync(rc, fs.readFileSync(rc, 'utf-8').replace('new GitOpsProject({', `new GitOpsProject({\n  services: [${services}],${deploy ? '\n  repository: "acme/bench",' : ''}`));
  for (let i = 0; i < 2; i++) {
    const result = spawnSync('npx', ['projen'], { cwd: target, encoding: 'utf-8', env: userEnv({ CI: '' }) });
    if (result.status !== 0) throw new Error(`synth with ${count} services failed:\n${result.stdout}\n${result.stderr}`);
  }
}

/** The re-synthesis part of the doc. */
async function synthBench(): Promise<string[]> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-bench-'));
  try {
    console.log(`bench: building repositories in ${work}`);
    const one = path.join(work, 'services-1');
    const created = await bootstrap(one, packedModuleSpec());
    if (created.status !== 0) throw new Error(`projen new failed:\n${created.output}`);
    withServices(one, path.join(work, 'services-10'), 10);
    withServices(one, path.join(work, 'services-50'), 50);
    withServices(one, path.join(work, 'deploy-10'), 10, true);
    const stock = path.join(work, 'stock');
    fs.mkdirSync(stock);
    const made = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/projen/bin/projen'), 'new', 'typescript', '--no-git', '--projen-version', projenVersion()], { cwd: stock, encoding: 'utf-8', env: userEnv({ CI: '' }) });
    if (made.status !== 0) throw new Error(`projen new typescript failed:\n${made.stdout}\n${made.stderr}`);

    const cases: Array<[string, string]> = [
      ['stock projen TypeScript project', stock],
      ['generated, 1 service', one],
      ['generated, 10 services', path.join(work, 'services-10')],
      ['generated, 50 services', path.join(work, 'services-50')],
      ['generated, 10 services × 3 environments (charts, rendered manifests)', path.join(work, 'deploy-10')],
    ];
    const results = cases.map(([label, dir]) => {
      console.log(`bench: npx projen in ${label} (${RUNS} runs)`);
      return { label, samples: measure(dir, 'npx projen') };
    });
    const stockMedian = median(results[0].samples.map((s) => s.seconds));
    const oneMedian = median(results[1].samples.map((s) => s.seconds));
    const fiftyMedian = median(results[3].samples.map((s) => s.seconds));
    // The deployment's budget: 10% over one service, plus 5 ms per service and environment;
    // measured again with the two repositories' runs alternating (the machine is shared).
    console.log('bench: 1 service against 10 services x 3 environments, alternating');
    const [pairOne, pairDeploy] = measureAlternating(one, path.join(work, 'deploy-10'), 'npx projen');
    const [pairTen, pairDeployRc] = measureAlternating(path.join(work, 'services-10'), path.join(work, 'deploy-10'), 'node_modules/.bin/projen-gitops-rc .projenrc.ts');
    const pairOneMedian = median(pairOne.map((s) => s.seconds));
    const deployMedian = median(pairDeploy.map((s) => s.seconds));
    const budget = pairOneMedian * 1.1 + 0.005 * 10 * 3;
    const perServiceEnvironment = (median(pairDeployRc.map((s) => s.seconds)) - median(pairTen.map((s) => s.seconds))) / 30;
    const spread = (xs: Sample[]) => (Math.max(...xs.map((s) => s.seconds)) - Math.min(...xs.map((s) => s.seconds))) / median(xs.map((s) => s.seconds));

    console.log('bench: where the time goes (1 service)');
    const parts = {
      npx: measure(one, 'npx projen'),
      cli: measure(one, 'node node_modules/projen/bin/projen'),
      runner: measure(one, 'node_modules/.bin/projen-gitops-rc .projenrc.ts'),
      cold: measure(one, 'rm -rf node_modules/.cache/projen-gitops && node_modules/.bin/projen-gitops-rc .projenrc.ts'),
      load: measure(one, 'node -e "require(\'projen-gitops\')"'),
      floor: measure(one, 'node -e "require(\'projen\')"'),
      node: measure(one, 'node -e 0'),
    };
    const m = (xs: Sample[]) => median(xs.map((s) => s.seconds));

    const cpus = os.cpus();
    const lines = [
      '# Benchmarks',
      '',
      '<!-- Written by `npx projen bench` (scripts/bench.ts). -->',
      '',
      `Re-synthesis with no change (\`npx projen\`), ${RUNS} runs per case after a warm-up, in one run`,
      `on ${new Date().toISOString().slice(0, 10)}: ${cpus.length} × ${cpus[0]?.model.trim()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node.js ${process.version}, projen ${projenVersion()}.`,
      'Peak memory is the largest process\'s resident set (GNU time).',
      '',
      '| Repository | Median (s) | Min (s) | Max (s) | Peak memory (MB) | Faster than stock |',
      '|---|---|---|---|---|---|',
      ...results.map(({ label, samples }) => {
        const secs = samples.map((s) => s.seconds);
        return `| ${label} | ${fmt(median(secs))} | ${fmt(Math.min(...secs))} | ${fmt(Math.max(...secs))} | ${Math.round(Math.max(...samples.map((s) => s.rssMb)))} | ${(stockMedian / median(secs)).toFixed(1)}× |`;
      }),
      '',
      `Each extra service adds ${(((fiftyMedian - oneMedian) / 49) * 1000).toFixed(0)} ms (median, 1 → 50 services).`,
      `With the deployment part (10 services, dev, staging and prod: 10 charts, 30 values files, 30 rendered manifests),`,
      `re-synth takes ${fmt(deployMedian)} s of CPU against a budget of ${fmt(budget)} s (1 service at ${fmt(pairOneMedian)} s + 10%, + 5 ms per service and environment),`,
      `CPU time (user + system) with the two repositories' runs alternating: ${deployMedian <= budget ? 'within' : 'over'} it. The synth step alone (\`projen-gitops-rc\`, alternating`,
      `with 10 services without deployment) costs ${(perServiceEnvironment * 1000).toFixed(1)} ms of CPU per service-environment.`,
      `The machine is shared (2 cores, other work running; load average ${os.loadavg()[0].toFixed(1)} at the end): the 1-service CPU times spread over ${(spread(pairOne) * 100).toFixed(0)}% of their median in this run.`,
      '',
      '## Where the time goes (1 service)',
      '',
      '| Step | Median (s) | Share of `npx projen` |',
      '|---|---|---|',
      `| \`npx\` resolving the local projen | ${fmt(m(parts.npx) - m(parts.cli))} | ${(((m(parts.npx) - m(parts.cli)) / m(parts.npx)) * 100).toFixed(0)}% |`,
      `| projen's CLI and task runtime | ${fmt(m(parts.cli) - m(parts.runner))} | ${(((m(parts.cli) - m(parts.runner)) / m(parts.npx)) * 100).toFixed(0)}% |`,
      `| loading projen and projen-gitops | ${fmt(m(parts.load))} | ${((m(parts.load) / m(parts.npx)) * 100).toFixed(0)}% |`,
      `| synth (\`.projenrc.ts\` from the compile cache) | ${fmt(m(parts.runner) - m(parts.load))} | ${(((m(parts.runner) - m(parts.load)) / m(parts.npx)) * 100).toFixed(0)}% |`,
      '',
      `Floors: \`node -e 0\` ${fmt(m(parts.node))} s; \`node -e "require('projen')"\` ${fmt(m(parts.floor))} s.`,
      `After a change to \`.projenrc.ts\` the first synth compiles it with esbuild: ${fmt(m(parts.cold) - m(parts.runner))} s more.`,
      '',
      'Generated repositories run `.projenrc.ts` through `projen-gitops-rc`: esbuild strips the',
      'types once and the JavaScript is cached in `node_modules/.cache/projen-gitops/`, so a',
      're-synth loads no compiler (no `npx -y -p` round trip either). Type-checking is',
      '`npx projen typecheck`, part of `npx projen test`. Tasks find `node_modules/.bin` on a',
      'PATH set directly instead of asking `npx -c` on every task.',
      '',
    ];
    return lines;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The doc's two parts, re-measured or, when not asked for, kept from the last run. */
async function main() {
  const doc = path.join(ROOT, 'docs', 'benchmarks.md');
  const previous = fs.existsSync(doc) ? fs.readFileSync(doc, 'utf-8') : '';
  const split = previous.includes('\n## Images\n') ? previous.indexOf('\n## Images\n') + 1 : previous.length;
  const kept = (text: string) => (text.trim() ? text.trimEnd().split('\n').concat('') : []);
  const mode = process.env.BENCH_IMAGES ?? '';
  const synth = mode === 'only' ? kept(previous.slice(0, split)) : await synthBench();
  const images = mode === '1' || mode === 'only' ? await imageBench() : kept(previous.slice(split));
  const text = [...synth, ...images].join('\n');
  fs.writeFileSync(doc, text);
  console.log(text);
}

main().catch((error: Error) => {
  console.error(`bench: ${error.message}`);
  process.exit(1);
});
