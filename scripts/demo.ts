/**
 * `npx projen demo [dir]`: bootstraps a demo GitOps repository from this checkout (the
 * task compiles and packs the module first). Default directory: ./demo.
 */
import * as path from 'path';
import { bootstrap, packedModuleSpec } from './bootstrap';

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

main().catch((error: Error) => {
  console.error(`demo: ${error.message}`);
  process.exit(1);
});
