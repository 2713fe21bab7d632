/**
 * The image part of `npx projen bench` (opt-in: `BENCH_IMAGES=1`, since it needs buildah and
 * the other tools of test/e2e/oci.ts): for every runtime preset built by the image end-to-end
 * test, the final image's size beside its runtime base's, the first build's time and the time
 * of a rebuild after a source-only change, which must reuse the dependency layer.
 * Returns the Markdown section for docs/benchmarks.md.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cachedSteps, cacheDir, OCI_TOOLS, OciLab } from '../test/e2e/oci';
import { changeSource, makeBases, makeRepository, NOT_BUILT, PRESETS } from '../test/e2e/presets';
import { missingTools } from '../test/tools';

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

export async function imageBench(): Promise<string[]> {
  const missing = missingTools(OCI_TOOLS);
  if (missing.length > 0) throw new Error(`the image benchmark needs ${missing.join(', ')} (apt-get install buildah podman skopeo debootstrap docker-registry runc uidmap)`);
  const cachedBefore = fs.readdirSync(cacheDir()).filter((f) => f.endsWith('.tar')).length;
  const lab = new OciLab();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-bench-images-'));
  try {
    console.log('bench: base images');
    const bases = makeBases(lab);
    const rows: string[] = [];
    for (const preset of PRESETS) {
      console.log(`bench: image of ${preset.runtime}`);
      const service = await makeRepository(preset, path.join(work, `svc-${preset.runtime}`));
      const image = `localhost/bench-${preset.runtime}:latest`;
      const build = () => {
        const started = Date.now();
        const output = lab.build(service, image, preset.buildArgs);
        return { seconds: (Date.now() - started) / 1000, output };
      };
      const first = build();
      changeSource(preset, service);
      const again = build();
      const install = cachedSteps(again.output).find((s) => preset.dependencyStep?.test(s.instruction));
      if (preset.dependencyStep && !install?.cached) throw new Error(`${preset.runtime}: the rebuild after a source change installed the dependencies again`);
      const size = lab.imageSize(image);
      const base = lab.imageSize(preset.runtimeBase);
      rows.push(`| ${preset.runtime} | ${mb(size)} | ${preset.runtimeBase.replace('localhost/', '')} ${mb(base)} | ${mb(size - base)} | ${first.seconds.toFixed(1)} | ${again.seconds.toFixed(1)} | ${install ? 'yes' : 'no dependency step'} |`);
    }
    return [
      '## Images',
      '',
      `Each runtime preset built with buildah (\`--layers\`) from its generated Dockerfile, with the`,
      'real dependency the image end-to-end test gives it (npm, PyPI with a hash pin, the Go module',
      'proxy, Maven Central), on base images that stand in for the official ones (Debian packages on',
      'a debootstrap root file system; no public container registry is reachable here), so the',
      'bases\' sizes are not those of the official images; "Added", what the service adds to its',
      'runtime base, carries over. Sizes are podman\'s (uncompressed layers, 1 MB = 10^6 bytes).',
      'The first build starts with an empty layer cache (base images ready); the rebuild follows a',
      'one-line change to the service\'s code and reuses the dependency layer (the benchmark fails',
      'otherwise). One run on this machine, shared with other work: times vary by a few seconds.',
      '',
      '| Preset | Image (MB) | Runtime base (MB) | Added (MB) | First build (s) | Rebuild after a source change (s) | Dependency layer reused |',
      '|---|---|---|---|---|---|---|',
      ...rows,
      '',
      `Base images ${cachedBefore > 0 ? 'loaded from the cache in ~/.cache/projen-gitops-tools/oci/' : 'made from nothing (debootstrap and apt; then cached in ~/.cache/projen-gitops-tools/oci/)'}: `
        + Object.entries(bases).map(([name, seconds]) => `${name} ${seconds.toFixed(0)} s`).join(', ') + '.',
      ...Object.entries(NOT_BUILT).map(([runtime, reason]) => `Not built: ${runtime}: ${reason}.`),
      '',
    ];
  } finally {
    lab.dispose();
    fs.rmSync(work, { recursive: true, force: true });
  }
}
