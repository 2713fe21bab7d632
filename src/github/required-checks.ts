import { github, Project } from 'projen';

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
  // GithubWorkflow keeps its triggers private; read them without copying them elsewhere.
  const events = (workflow as unknown as { events?: github.workflows.Triggers }).events ?? {};
  return events.pullRequest !== undefined || events.pullRequestTarget !== undefined;
}

function excludesPullRequests(condition: string | undefined): boolean {
  if (!condition) return false;
  const expr = condition.replace(/^\$\{\{\s*|\s*\}\}$/g, '').trim();
  if (/^github\.event_name\s*!=\s*'pull_request'$/.test(expr)) return true;
  const equals = /^github\.event_name\s*==\s*'([a-z_]+)'$/.exec(expr);
  return equals !== null && equals[1] !== 'pull_request' && equals[1] !== 'pull_request_target';
}

function checkNames(name: string, strategy: github.workflows.JobStrategy | undefined): string[] {
  const domain = strategy?.matrix?.domain ?? {};
  const include = (strategy?.matrix?.include ?? []) as Array<Record<string, unknown>>;
  if (Object.keys(domain).length === 0 && include.length === 0) return [name];
  let combos: Record<string, string>[] = Object.keys(domain).length > 0 ? [{}] : [];
  for (const [key, values] of Object.entries(domain)) {
    if (!Array.isArray(values)) return [name];
    combos = combos.flatMap((combo) => values.map((v) => ({ ...combo, [key]: String(v) })));
  }
  // Entries of `include` that extend no combination add jobs of their own.
  for (const entry of include) {
    combos.push(Object.fromEntries(Object.entries(entry).map(([k, v]) => [k, String(v)])));
  }
  return combos.map((combo) => {
    const substituted = name.replace(/\$\{\{\s*matrix\.([\w-]+)\s*\}\}/g, (_m, key: string) => combo[key] ?? '');
    return substituted !== name ? substituted : `${name} (${Object.values(combo).join(', ')})`;
  });
}
