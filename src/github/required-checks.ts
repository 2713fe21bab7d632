import { github, Project } from 'projen';
import { canRunOn } from './expressions';
import { workflowTriggers } from '../core/projen-adapter';

/**
 * The names of the status checks a pull request reports, computed from every job of every
 * workflow in the project that runs on `pull_request`: the list to require on the default
 * branch. Jobs whose full `if:` shuts pull requests out (`github.event_name == 'push' && ...`,
 * evaluated over GitHub's expression grammar) do not report on pull requests and are left out; matrix jobs are expanded the way GitHub
 * names them. Sorted, so the order does not depend on how components were added.
 */
export function pullRequestChecks(project: Project): string[] {
  const workflows = github.GitHub.of(project)?.workflows ?? [];
  const checks: string[] = [];
  for (const workflow of workflows) {
    const events = pullRequestEvents(workflow);
    if (events.length === 0) continue;
    for (const [id, job] of Object.entries(workflow.jobs)) {
      if (excludesPullRequests(job.if, events)) continue;
      checks.push(...checkNames(job.name ?? id, 'strategy' in job ? job.strategy : undefined));
    }
  }
  return [...new Set(checks)].sort((a, b) => a.localeCompare(b));
}

/** The pull request events a workflow runs on. */
function pullRequestEvents(workflow: github.GithubWorkflow): string[] {
  const events = workflowTriggers(workflow);
  return [...(events.pullRequest !== undefined ? ['pull_request'] : []), ...(events.pullRequestTarget !== undefined ? ['pull_request_target'] : [])];
}

/**
 * Whether a job's full `if:` shuts out every pull request event of its workflow, evaluated over
 * GitHub's expression grammar with only `github.event_name` known (`canRunOn`). A condition that
 * is not an expression of the grammar counts as running (as before: a check that always reports
 * is never wrongly left out).
 */
function excludesPullRequests(condition: string | undefined, events: string[]): boolean {
  return events.every((event) => canRunOn(condition, event) === false);
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
