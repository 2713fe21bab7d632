import { createHash } from 'crypto';
import { Component, github, Project } from 'projen';
import { ACTIONS, annotateWorkflowPins, overrideProblems, uses } from './actions';
import { show } from '../core/checks';
import { describeFile, FileOwner } from '../core/file-catalog';
import { closest } from '../core/known-options';
import { lazyValue } from '../core/projen-adapter';
import { addValidation } from '../core/validation';
import { Repository } from '../model/repository';
import { runtimeFacts } from '../model/runtime-facts';
import { servicesOf } from '../model/service';

/** Options for `CodeQlWorkflow`. */
export interface CodeQlWorkflowOptions {
  /**
   * The branch whose pushes and pull requests are analyzed, overriding the repository's default
   * branch (`Repository`, read when the workflow is written).
   * @default - the repository's `defaultBranch` ("main")
   */
  readonly branch?: string;

  /**
   * CodeQL languages to analyze in addition to those of the project's runtime and `actions`
   * (which checks the workflows themselves).
   * @default []
   */
  readonly additionalLanguages?: string[];

  /**
   * The weekly schedule (cron, UTC) that re-analyzes the default branch with new queries.
   * @default - a minute and hour derived from the project name, on Mondays (spreads load)
   */
  readonly schedule?: string;

  /**
   * The runner label, overriding the repository's `runsOn`.
   * @default - the repository's `runsOn` ("ubuntu-24.04")
   */
  readonly runsOn?: string;
}

/** CodeQL languages and how each is built for analysis (`none` where CodeQL needs no build). */
const BUILD_MODES: Record<string, 'none' | 'autobuild'> = {
  'actions': 'none',
  'c-cpp': 'autobuild',
  'csharp': 'none',
  'go': 'autobuild',
  'java-kotlin': 'none',
  'javascript-typescript': 'none',
  'python': 'none',
  'ruby': 'none',
  'rust': 'none',
  'swift': 'autobuild',
};
const CODEQL_LANGUAGES = Object.keys(BUILD_MODES);

/**
 * `.github/workflows/codeql.yml`: CodeQL code scanning on pushes to the default branch, pull
 * requests and a weekly schedule, for the languages of the project's runtime plus `actions`.
 * Results go to GitHub code scanning (the job alone may write security events).
 */
export class CodeQlWorkflow extends Component {
  /** The project's CodeQlWorkflow, if it has one. */
  public static of(project: Project): CodeQlWorkflow | undefined {
    return project.components.find((c): c is CodeQlWorkflow => c instanceof CodeQlWorkflow);
  }

  /** The underlying workflow (escape hatch). */
  public readonly workflow?: github.GithubWorkflow;

  private readonly additionalLanguages: string[];
  /** Where each additional language was written (`additionalLanguages`, `addLanguage('python')`), for messages. */
  private readonly languagePaths: string[];
  private readonly options: CodeQlWorkflowOptions;

  constructor(project: Project, options: CodeQlWorkflowOptions = {}) {
    super(project);
    this.options = options;
    const branches = lazyValue(() => [options.branch ?? Repository.factsOf(project).defaultBranch]);
    this.additionalLanguages = [...(options.additionalLanguages ?? [])];
    this.languagePaths = this.additionalLanguages.map(() => 'additionalLanguages');
    const schedule = options.schedule ?? defaultSchedule(project.name);
    const gh = github.GitHub.of(project);

    addValidation(project, () => {
      const problems = [];
      if (!gh) {
        problems.push({ option: 'github', message: 'CodeQlWorkflow needs GitHub support in the project, got github: false; set github: true' });
      }
      this.additionalLanguages.forEach((language, i) => {
        if (CODEQL_LANGUAGES.includes(language)) return;
        const at = this.languagePaths[i];
        if (at === 'additionalLanguages') {
          problems.push({ option: at, message: `must list CodeQL languages (${CODEQL_LANGUAGES.join(', ')}), got '${language}'; remove it or use one of those` });
        } else {
          const guess = typeof language === 'string' ? closest(language, CODEQL_LANGUAGES) : undefined;
          problems.push({ option: at, message: `must be a CodeQL language (${CODEQL_LANGUAGES.join(', ')}), got ${show(language)}; ${guess ? `try '${guess}'` : 'use one of those, or remove it'}` });
        }
      });
      if (schedule.trim().split(/\s+/).length !== 5) {
        problems.push({ option: 'schedule', message: `must be a cron expression with 5 fields, got '${schedule}'; try '17 3 * * 1'` });
      }
      problems.push(...overrideProblems(options));
      return problems;
    });
    if (!gh) return;

    this.workflow = new github.GithubWorkflow(gh, 'codeql', { fileName: 'codeql.yml' });
    this.workflow.on({
      push: { branches },
      pullRequest: { branches },
      schedule: [{ cron: schedule }],
    });
    this.workflow.file?.addOverride('permissions', { contents: 'read' });
    this.workflow.file?.addOverride('concurrency', {
      'group': '${{ github.workflow }}-${{ github.event.pull_request.number || github.ref }}',
      'cancel-in-progress': "${{ github.event_name == 'pull_request' }}",
    });
    annotateWorkflowPins(this.workflow);
    describeFile(project, {
      path: '.github/workflows/codeql.yml',
      owner: FileOwner.MANAGED,
      purpose: 'CodeQL code scanning of the service code and the workflows, on pull requests, pushes and weekly.',
      change: 'Set the CodeQlWorkflow options (additionalLanguages, schedule) in .projenrc.ts.',
    });
  }

  /**
   * Analyzes a CodeQL language besides those of the services' runtimes and `actions`: code the
   * services' runtimes do not cover (Python scripts next to a Node.js service, say). One of
   * CodeQL's language names: `actions`, `c-cpp`, `csharp`, `go`, `java-kotlin`,
   * `javascript-typescript`, `python`, `ruby`, `rust`, `swift`; a language already analyzed is
   * analyzed once.
   *
   * @example project.codeql?.addLanguage('python');
   */
  public addLanguage(language: string): void {
    this.additionalLanguages.push(language);
    this.languagePaths.push(`addLanguage(${show(language)})`);
  }

  /** The languages analyzed: every service's runtime's, the additional ones, and `actions`. */
  public get languages(): string[] {
    const runtime = servicesOf(this.project).flatMap((image) => runtimeFacts(image.runtime)?.codeql.map((c) => c.language) ?? []);
    return [...new Set([...runtime, ...this.additionalLanguages, 'actions'])];
  }

  preSynthesize() {
    this.workflow?.addJobs({
      analyze: {
        name: 'CodeQL (${{ matrix.language }})',
        runsOn: [this.options.runsOn ?? Repository.factsOf(this.project).runsOn],
        timeoutMinutes: 60,
        permissions: {
          actions: github.workflows.JobPermission.READ,
          contents: github.workflows.JobPermission.READ,
          securityEvents: github.workflows.JobPermission.WRITE,
        },
        strategy: {
          failFast: false,
          matrix: { include: this.languages.map((language) => ({ 'language': language, 'build-mode': BUILD_MODES[language] ?? 'none' })) },
        },
        steps: [
          { name: 'Check out', uses: uses(ACTIONS.checkout), with: { 'persist-credentials': false } },
          {
            name: 'Initialize CodeQL',
            uses: uses(ACTIONS.codeqlInit),
            with: { 'languages': '${{ matrix.language }}', 'build-mode': '${{ matrix.build-mode }}' },
          },
          {
            name: 'Analyze',
            uses: uses(ACTIONS.codeqlAnalyze),
            with: { category: '/language:${{ matrix.language }}' },
          },
        ],
      },
    });
  }
}

/** A stable weekly slot derived from the name, so many repositories do not all run at once. */
function defaultSchedule(name: string): string {
  const hash = createHash('sha256').update(name).digest();
  return `${hash[0] % 60} ${hash[1] % 24} * * 1`;
}
