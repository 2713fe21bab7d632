import { github, Project } from 'projen';
import { workflowTriggers } from '../core/projen-adapter';

/**
 * The names of the status checks a pull request reports, computed from every job of every
 * workflow in the project that runs on `pull_request`: the list to require on the default
 * branch. Jobs whose `if:` shuts pull requests out (e.g. `github.event_name == 'push'`) do
 * not report on pull requests and are left out; matrix jobs are expanded the way GitHub
 * names them. Sorted, so the order does not depend on how components were added.
 */
export function pullRequestChecks(project: Project): string[] {
  const workflows = github.GitHub.of(project)?.workflows ?? [];
  const checks: string[] = [];
  for (const workflow of workflows) {
    if (!runsOnPullRequests(workflow)) continue;
    for (const [id, job] of Object.entries(workflow.jobs)) {
      if (excludesPullRequests(job.if)) continue;
      checks.push(...checkNames(job.name ?? id, 'strategy' in job ? job.strategy : undefined));
    }
  }
  return [...new Set(checks)].sort((a, b) => a.localeCompare(b));
}

function runsOnPullRequests(workflow: github.GithubWorkflow): boolean {
  const events = workflowTriggers(workflow);
  return events.pullRequest !== undefined || events.pullRequestTarget !== undefined;
}

function excludesPullRequests(condition: string | undefined): boolean {
  if (!condition) return false;
  const expr = condition.replace(/^\$\{\{\s*|\s*\}\}$/g, '').trim();
  if (/^github\.event_name\s*!=\s*'pull_request'$/.test(expr)) return true;
  const equals = /^github\.event_name\s*==\s*'([a-z_]+)'$/.exec(expr);
  return equals !== null && equals[1] !== 'pull_request' && equals[1] !== 'pull_request_target';
}

/**
 * The jobs a matrix expands to, by GitHub's rules: the cartesian product of the domain, less
 * `exclude`; each `include` entry extends every combination whose original values it does not
 * overwrite, or becomes a job of its own when it extends none.
 */
function combinations(matrix: github.workflows.JobMatrix): Record<string, string>[] | undefined {
  const domain = matrix.domain ?? {};
  const text = (entry: Record<string, unknown>) => Object.fromEntries(Object.entries(entry).map(([k, v]) => [k, String(v)]));
  let combos: Record<string, string>[] = Object.keys(domain).length > 0 ? [{}] : [];
  for (const [key, values] of Object.entries(domain)) {
    if (!Array.isArray(values)) return undefined; // an expression: unknown until the run
    combos = combos.flatMap((combo) => values.map((v) => ({ ...combo, [key]: String(v) })));
  }
  const excludes = ((matrix.exclude ?? []) as Array<Record<string, unknown>>).map(text);
  combos = combos.filter((combo) => !excludes.some((ex) => Object.entries(ex).every(([k, v]) => combo[k] === v)));
  const originals = combos.map((combo) => ({ ...combo }));
  for (const entry of ((matrix.include ?? []) as Array<Record<string, unknown>>).map(text)) {
    let extended = false;
    combos.slice(0, originals.length).forEach((combo, i) => {
      const overwrites = Object.entries(entry).some(([k, v]) => k in originals[i] && originals[i][k] !== v);
      if (!overwrites) {
        Object.assign(combo, entry);
        extended = true;
      }
    });
    if (!extended) combos.push({ ...entry });
  }
  return combos;
}

function checkNames(name: string, strategy: github.workflows.JobStrategy | undefined): string[] {
  const combos = strategy?.matrix ? combinations(strategy.matrix) : undefined;
  if (!combos || combos.length === 0) return [name];
  return combos.map((combo) => {
    const substituted = name.replace(/\$\{\{\s*matrix\.([\w-]+)\s*\}\}/g, (_m, key: string) => combo[key] ?? '');
    return substituted !== name ? substituted : `${name} (${Object.values(combo).join(', ')})`;
  });
}
