/*
 * Checks the port of OpenSSF Scorecard's Dockerfile rules (test/scorecard-rules.ts) against
 * Scorecard itself: its `checks/raw` package's own validators (`validateDockerfilesPinning`,
 * `validateDockerfileInsecureDownloads`) run by `go test` in a checkout of ossf/scorecard, over
 * every runtime preset's Dockerfile (with tags, and pinned from a filled lock), the fixtures of
 * test/fixtures/scorecard/ and Scorecard's own Dockerfile testdata. Each dependency's kind and
 * verdict (pinned or not) must be the same as the port's. It needs Scorecard's source with its
 * tests: a checkout, or a writable copy of its module from the Go module proxy (docs/release.md);
 * it is part of the release checklist, not of the build (test/e2e/scorecard.test.ts runs the
 * built Scorecard over the generated Dockerfiles and the fixtures on every e2e run):
 *
 *   npx ts-node --project test/tsconfig.json scripts/scorecard-crosscheck.ts <ossf/scorecard checkout at v5.2.1>
 *
 * Exits 1 on a disagreement, 2 when Scorecard's test cannot run.
 */
process.env.PROJEN_DISABLE_POST = 'true';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BASE_IMAGES_LOCK, lockText, parseLock } from '../src/model/base-images';
import { CONFIGURATIONS, configurationProject } from '../test/configurations';
import { dockerfileImages, dockerfileInstalls } from '../test/scorecard-rules';
import { readTree } from '../test/util';

const checkout = process.argv[2];
if (!checkout || !fs.existsSync(path.join(checkout, 'checks', 'raw', 'pinned_dependencies.go'))) {
  console.error('usage: scorecard-crosscheck.ts <checkout of github.com/ossf/scorecard (v5.2.1), with checks/raw/>');
  process.exit(2);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scorecard-crosscheck-'));
const files = path.join(dir, 'files');
fs.mkdirSync(files);

// Every runtime preset (and the multi-service and deploy repositories), as synth writes them
// before and after the pin-base-images pull request (test digests).
for (const configuration of CONFIGURATIONS.filter((c) => (c.name.startsWith('runtime-') && c.name !== 'runtime-custom') || ['multi-service', 'deploy'].includes(c.name))) {
  for (const pinned of [false, true]) {
    const project = configurationProject(configuration);
    project.synth();
    if (pinned) {
      const lock = path.join(project.outdir, BASE_IMAGES_LOCK);
      const refs = Object.keys(parseLock(fs.readFileSync(lock, 'utf-8')).digests);
      fs.writeFileSync(lock, lockText(Object.fromEntries(refs.map((r, i) => [r, `sha256:${String(i).padStart(64, 'f')}`]))));
      configurationProject({ ...configuration, options: { ...configuration.options, outdir: project.outdir } }).synth();
    }
    const tree = readTree(project.outdir);
    for (const file of Object.keys(tree).filter((f) => path.basename(f) === 'Dockerfile')) {
      fs.writeFileSync(path.join(files, `${configuration.name}-${pinned ? 'pinned' : 'tags'}-${file.replace(/\//g, '_')}`), tree[file]);
    }
  }
}
const fixtures = path.join(__dirname, '..', 'test', 'fixtures', 'scorecard');
for (const f of fs.readdirSync(fixtures).filter((f) => f.endsWith('Dockerfile'))) fs.copyFileSync(path.join(fixtures, f), path.join(files, `fixture-${f}`));
const testdata = path.join(checkout, 'checks', 'raw', 'testdata');
for (const f of fs.readdirSync(testdata).filter((f) => /^Dockerfile-/.test(f) && !/heredoc|invalid|parser-error|empty/.test(f))) {
  fs.copyFileSync(path.join(testdata, f), path.join(files, `upstream-${f}`));
}

// Scorecard's side: a test in its own package, so the unexported validators are reachable.
const goTest = path.join(checkout, 'checks', 'raw', 'zz_projen_gitops_crosscheck_test.go');
fs.writeFileSync(goTest, `package raw

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ossf/scorecard/v5/checker"
)

func TestProjenGitopsCrosscheck(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(os.Getenv("CROSSCHECK_DIR"), "*"))
	for _, f := range files {
		content, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var r checker.PinningDependenciesData
		if _, err := validateDockerfilesPinning(filepath.Base(f)+".Dockerfile", content, &r); err != nil {
			t.Fatal(err)
		}
		if _, err := validateDockerfileInsecureDownloads(filepath.Base(f)+".Dockerfile", content, &r); err != nil {
			t.Fatal(err)
		}
		deps := []string{}
		for _, d := range r.Dependencies {
			deps = append(deps, fmt.Sprintf("%s %v", d.Type, *d.Pinned))
		}
		b, _ := json.Marshal(map[string]interface{}{"file": filepath.Base(f), "deps": deps})
		fmt.Println("CROSSCHECK " + string(b))
	}
}
`);
let result;
try {
  result = spawnSync('go', ['test', '-count=1', '-v', '-run', '^TestProjenGitopsCrosscheck$', './checks/raw/'], {
    cwd: checkout,
    encoding: 'utf-8',
    env: { ...process.env, CROSSCHECK_DIR: files },
    maxBuffer: 64 * 1024 * 1024,
  });
} finally {
  fs.rmSync(goTest, { force: true });
}
if (result.status !== 0) {
  console.error(`go test failed (exit ${result.status}):\n${result.stdout.slice(-3000)}\n${result.stderr.slice(-3000)}`);
  process.exit(2);
}

// The kinds the port covers, by Scorecard's names; the rest (choco, NuGet, downloads) are left out.
const KINDS: Record<string, string> = { containerImage: 'container image', pipCommand: 'pip', npmCommand: 'npm', goCommand: 'go' };
const scorecard = new Map<string, string[]>();
for (const line of result.stdout.split('\n').filter((l) => l.startsWith('CROSSCHECK '))) {
  const { file, deps } = JSON.parse(line.slice('CROSSCHECK '.length)) as { file: string; deps: string[] };
  scorecard.set(file, deps.map((d) => d.split(' ')).filter(([type]) => KINDS[type]).map(([type, pinned]) => `${KINDS[type]} ${pinned}`).sort());
}
let failed = false;
const rows: string[] = [];
for (const file of fs.readdirSync(files).sort()) {
  const text = fs.readFileSync(path.join(files, file), 'utf-8');
  const port = [...dockerfileImages(text), ...dockerfileInstalls(text)].map((d) => `${d.kind} ${d.pinned}`).sort();
  const theirs = scorecard.get(file);
  const same = JSON.stringify(port) === JSON.stringify(theirs);
  if (!same) failed = true;
  const unpinned = port.filter((d) => d.endsWith(' false')).length;
  rows.push(`${same ? 'ok' : 'DIFFERENT'}\t${file}\t${port.length} dependencies, ${unpinned} unpinned${same ? '' : `\n  port:      ${port.join(', ')}\n  scorecard: ${(theirs ?? []).join(', ')}`}`);
}
fs.rmSync(dir, { recursive: true, force: true });
console.log(rows.join('\n'));
console.log(`${rows.length} files, ${rows.filter((r) => r.startsWith('ok')).length} the same`);
process.exit(failed ? 1 : 0);
