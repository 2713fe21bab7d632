/**
 * `npx projen demo [dir]`: bootstraps a demo GitOps repository from this checkout (the
 * task compiles and packs the module first). Default directory: ./demo.
 */
import * as fs from 'fs';
import * as path from 'path';
import { bootstrap, packedModuleSpec, run } from './bootstrap';

/** Where the demo keeps the module it was made from, inside the repository (committed). */
const VENDORED = 'vendor/projen-gitops.tgz';

/**
 * Points the demo's devDependency at a copy of the tarball inside the demo repository:
 * `projen new --from` recorded the packed file outside it (a temporary folder), which a clone,
 * CI or a later \`npm ci\` cannot find. Re-synthesizes and commits.
 */
export function vendorModule(dir: string, spec: string): void {
  const tarball = spec.replace(/^projen-gitops@file:/, '');
  fs.mkdirSync(path.join(dir, path.dirname(VENDORED)), { recursive: true });
  fs.copyFileSync(tarball, path.join(dir, VENDORED));
  const rcPath = path.join(dir, '.projenrc.ts');
  const rc = fs.readFileSync(rcPath, 'utf-8');
  const next = rc.split(spec).join(`projen-gitops@file:${VENDORED}`);
  if (next === rc) throw new Error(`.projenrc.ts does not name ${spec}; nothing was vendored`);
  fs.writeFileSync(rcPath, next);
  const synth = run('npx', ['projen'], dir, { CI: '' });
  if (synth.status !== 0) throw new Error(`npx projen failed after vendoring:\n${synth.stdout}\n${synth.stderr}`);
  run('git', ['add', '-A'], dir);
  // Forced: projen's .gitignore ignores *.tgz, and a clone of the demo needs the tarball for `npm ci`.
  run('git', ['add', '-f', VENDORED], dir);
  run('git', ['-c', 'user.name=projen-gitops', '-c', 'user.email=projen-gitops@users.noreply.invalid', 'commit', '-qm', `chore: use the vendored projen-gitops (${VENDORED})`], dir);
}

async function main() {
  const dir = path.resolve(process.argv[2] ?? 'demo');
  const spec = packedModuleSpec();
  console.log(`Bootstrapping a GitOps repository in ${dir} from ${spec} ...`);
  const result = await bootstrap(dir, spec);
  process.stdout.write(result.output);
  if (result.status !== 0) {
    console.error(`\nprojen new failed (exit ${result.status}); see the output above.`);
    process.exit(1);
  }
  vendorModule(dir, spec);
  console.log(`  ✓ projen-gitops is ${VENDORED} in the repository (its devDependency points there)`);
  console.log([
    '',
    `Done: ${dir}`,
    'Next steps:',
    `  cd ${path.relative(process.cwd(), dir).startsWith('..') ? dir : path.relative(process.cwd(), dir) || '.'}`,
    '  cat README.md                 # what is there and who owns each file',
    '  $EDITOR .projenrc.ts          # change an option, e.g. port: 3000',
    '  npx projen                    # every dependent file follows',
  ].join('\n'));
}

if (require.main === module) main().catch((error: Error) => {
  console.error(`demo: ${error.message}`);
  process.exit(1);
});
