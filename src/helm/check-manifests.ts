import * as fs from 'fs';
import { compareManifests, podSecurityViolations } from './manifests';

export const CHECK_MANIFESTS_USAGE = `Usage: projen-gitops check-manifests --helm-output FILE RENDERED

Compares the committed rendered manifests (RENDERED, from deploy/rendered/) with what
\`helm template\` printed (FILE), as parsed documents (comments and key order ignored), and
checks every pod spec against the restricted Pod Security Standard. Exits 1 on a difference
or a violation, with each one listed.`;

/** `projen-gitops check-manifests`: the generated repository's CI runs it after `helm template`. */
export function checkManifests(argv: string[], log: (line: string) => void): number {
  if (argv.includes('-h') || argv.includes('--help')) {
    log(CHECK_MANIFESTS_USAGE);
    return 0;
  }
  const at = argv.indexOf('--helm-output');
  const helmOutput = at >= 0 ? argv[at + 1] : undefined;
  const rendered = argv.filter((_a, i) => i !== at && i !== at + 1)[0];
  if (!helmOutput || !rendered) {
    log(CHECK_MANIFESTS_USAGE);
    return 2;
  }
  const committed = fs.readFileSync(rendered, 'utf-8');
  const problems = [
    ...compareManifests(fs.readFileSync(helmOutput, 'utf-8'), committed).map((p) => `differs from helm template: ${p}`),
    ...podSecurityViolations(committed).map((p) => `restricted Pod Security: ${p}`),
  ];
  for (const problem of problems) log(`::error file=${rendered}::${problem}`);
  if (problems.length === 0) log(`${rendered}: equal to helm template, restricted Pod Security met`);
  else log(`${rendered}: ${problems.length} problem(s); run 'npx projen' and commit the result`);
  return problems.length === 0 ? 0 : 1;
}
