import { Component, github, Project } from 'projen';
import { ACTIONS, installToolsSteps, overrideProblems, pullRequestWorkflow, TOOLING_NODE_VERSION, uses } from './actions';
import { checkNodeVersion } from '../core/checks';
import { describeFile, FileOwner } from '../core/file-catalog';
import { lazyValue } from '../core/projen-adapter';
import { addValidation } from '../core/validation';
import { Repository } from '../model/repository';

/** Options for `DriftCheckWorkflow`. */
export interface DriftCheckWorkflowOptions {
  /**
   * The branch whose pull requests are checked, overriding the repository's default branch
   * (`Repository`, read when the workflow is written).
   * @default - the repository's `defaultBranch` ("main")
   */
  readonly branch?: string;

  /**
   * The Node.js version that runs projen.
   * @default "22"
   */
  readonly nodeVersion?: string;

  /**
   * The runner label, overriding the repository's `runsOn`.
   * @default - the repository's `runsOn` ("ubuntu-24.04")
   */
  readonly runsOn?: string;
}

/** The job's name: the status check branch protection requires. */
export const DRIFT_JOB_NAME = 'Generated files are up to date';

/**
 * `.github/workflows/drift.yml`: on every pull request, runs `npx projen` and fails, with the
 * patch in the log, when the committed files differ from what `.projenrc.ts` produces (a
 * forgotten synth, or a generated file edited by hand). In a project with a `typecheck` task
 * it runs that too.
 */
export class DriftCheckWorkflow extends Component {
  /** The project's DriftCheckWorkflow, if it has one. */
  public static of(project: Project): DriftCheckWorkflow | undefined {
    return project.components.find((c): c is DriftCheckWorkflow => c instanceof DriftCheckWorkflow);
  }

  /** The underlying workflow (escape hatch). */
  public readonly workflow?: github.GithubWorkflow;

  constructor(project: Project, options: DriftCheckWorkflowOptions = {}) {
    super(project);
    const gh = github.GitHub.of(project);
    const nodeVersion = options.nodeVersion ?? TOOLING_NODE_VERSION;
    addValidation(project, () => [
      ...(gh ? [] : [{ option: 'github', message: 'DriftCheckWorkflow needs GitHub support in the project, got github: false; set github: true' }]),
      ...(checkNodeVersion(nodeVersion) ? [{ option: 'nodeVersion', message: checkNodeVersion(nodeVersion)! }] : []),
      ...overrideProblems(options),
    ]);
    if (!gh) return;

    this.workflow = pullRequestWorkflow(gh, 'drift', () => options.branch ?? Repository.factsOf(project).defaultBranch);
    this.workflow.addJobs({
      drift: {
        name: DRIFT_JOB_NAME,
        runsOn: [lazyValue(() => options.runsOn ?? Repository.factsOf(project).runsOn)],
        timeoutMinutes: 15,
        permissions: { contents: github.workflows.JobPermission.READ },
        steps: [
          { name: 'Check out', uses: uses(ACTIONS.checkout), with: { 'persist-credentials': false } },
          ...installToolsSteps(project, { nodeVersion }),
          // Stops by itself when a generated file was edited by hand (edit detection).
          { name: 'Synthesize from .projenrc.ts', run: 'npx projen' },
          { name: 'Compare with the committed files', run: DRIFT_SCRIPT },
        ],
      },
    });
    describeFile(project, {
      path: '.github/workflows/drift.yml',
      owner: FileOwner.MANAGED,
      purpose: 'Fails a pull request whose committed files differ from what .projenrc.ts produces, with the patch.',
      change: 'Set the DriftCheckWorkflow options in .projenrc.ts (nodeVersion).',
    });
  }

  /** The `typecheck` task may be added after this component: look for it only now. */
  preSynthesize() {
    const job = this.workflow?.getJob('drift') as github.workflows.Job | undefined;
    if (!job || !this.project.tasks.tryFind('typecheck') || job.steps.some((s) => s.run === TYPECHECK.run)) return;
    this.workflow!.updateJob('drift', { ...job, steps: [...job.steps, TYPECHECK] });
  }
}

/** Synth runs .projenrc.ts without type-checking it; this does. */
const TYPECHECK = { name: 'Type-check .projenrc.ts', run: 'npx projen typecheck' };

/** The comparison: new, changed or deleted files all count; the patch goes to the log. */
export const DRIFT_SCRIPT = [
  'git add --intent-to-add --all',
  'if git diff --quiet; then',
  '  echo "The committed files match .projenrc.ts."',
  'else',
  '  git diff --stat',
  '  git diff',
  '  echo "::error title=Generated files are out of date::The committed files differ from what .projenrc.ts produces (patch above). Run \'npx projen\' and commit the result; make changes in .projenrc.ts, not in generated files."',
  '  exit 1',
  'fi',
].join('\n');
