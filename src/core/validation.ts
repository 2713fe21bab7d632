import { Component, Project } from 'projen';
import { fixOf, show } from './checks';
import { componentOfType, indexComponent } from './component-index';
import { isShapeProblem, isTypeProblem, isWrongType } from './known-options';

/** One thing wrong with the options: where, what and how to fix it. */
export interface Problem {
  /** The option, as the user writes it in `.projenrc.ts` (e.g. `port`). */
  readonly option: string;
  /** What is wrong, the bad value and the fix. */
  readonly message: string;
}

type Check = () => Problem[];

/** Thrown before any file is written when the options have problems; lists all of them. */
export class OptionsError extends Error {
  /** Every problem found. */
  declare readonly problems: Problem[];

  constructor(problems: Problem[]) {
    const lines = problems.map((p) => `  - ${p.option}: ${p.message}`);
    super(
      [
        `projen-gitops: ${problems.length} problem${problems.length === 1 ? '' : 's'} in .projenrc.ts (no file was changed):`,
        ...lines,
      ].join('\n'),
    );
    // Non-enumerable, so Node prints the message alone for an uncaught error, not a dump.
    Object.defineProperty(this, 'problems', { value: problems, enumerable: false });
    // The stack of a synth is noise for a configuration mistake: point at the file to fix.
    this.stack = `${this.name}: ${this.message}\n    at .projenrc.ts`;
  }
}
OptionsError.prototype.name = 'OptionsError';

/**
 * Runs every registered option check of a project in `preSynthesize`, before projen deletes
 * or writes any file, and throws once with all problems.
 */
class OptionsValidation extends Component {
  /** The project's validation, if a component registered a check. */
  public static of(project: Project): OptionsValidation | undefined {
    return componentOfType(project, OptionsValidation);
  }

  private readonly checks: Check[] = [];

  constructor(project: Project) {
    super(project);
    indexComponent(this, OptionsValidation);
  }

  add(check: Check) {
    this.checks.push(check);
  }

  problems(): Problem[] {
    // A check that trips over a value of the wrong type (a string where a list belongs) or a
    // missing one (a misspelt key) is not the problem to show: the option check's is.
    let crash: unknown;
    const all = this.checks.flatMap((check) => {
      try {
        return check();
      } catch (error) {
        if (error instanceof OptionsError) throw error;
        crash ??= error;
        return [];
      }
    });
    if (crash !== undefined && !all.some(isShapeProblem)) throw crash;
    // A wrong type supersedes a component's message for that option or inside it (that check was
    // written for the right type); a component's message supersedes a value the type refuses.
    const wrongTypes = all.filter(isWrongType).map((p) => p.option);
    const inside = (option: string) => wrongTypes.some((at) => option === at || option.startsWith(`${at}.`) || option.startsWith(`${at}[`));
    const specific = new Set(all.filter((p) => !isTypeProblem(p)).map((p) => p.option));
    return all
      .filter((p) => (isTypeProblem(p) ? isWrongType(p) || !specific.has(p.option) : !inside(p.option)))
      .map((p) => (isWrongType(p) ? withGrammarFix(p, all) : p));
  }

  preSynthesize() {
    const problems = this.problems();
    if (problems.length > 0) {
      throw new OptionsError(problems);
    }
  }
}

/**
 * A string of the wrong type (`3` in `codeOwners`) gets the fix of the option's own grammar
 * when its check names one (`'@3'`), not just the value in quotes (`'3'`), which passes both
 * the type and the grammar. A number of the wrong type keeps its own value when it has one
 * (`'3000'` for `port` is most likely 3000); else it too takes the grammar's fix.
 */
function withGrammarFix(problem: Problem, all: Problem[]): Problem {
  const kind = problem.message.startsWith('must be a string,') ? 'string' : /^must be a (whole|finite) number\b/.test(problem.message) ? 'number' : undefined;
  if (!kind || (kind === 'number' && /; try -?[\d.]+$/.test(problem.message))) return problem;
  const grammar = all.map((p) => (!isTypeProblem(p) && p.option === problem.option ? fixOf(p.message) : undefined)).find((f) => typeof f === kind);
  return grammar === undefined ? problem : { ...problem, message: problem.message.replace(/; (try|remove it) .*$/, `; try ${show(grammar)}`) };
}

/** Registers checks that run before anything is written. */
export function addValidation(project: Project, check: Check) {
  (OptionsValidation.of(project) ?? new OptionsValidation(project)).add(check);
}

/** The problems of a project's options, without throwing (for tests and previews). */
export function optionProblems(project: Project): Problem[] {
  return OptionsValidation.of(project)?.problems() ?? [];
}
