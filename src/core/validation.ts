import { Component, Project } from 'projen';
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

const validators = new WeakMap<Project, OptionsValidation>();

/**
 * Runs every registered option check of a project in `preSynthesize`, before projen deletes
 * or writes any file, and throws once with all problems.
 */
class OptionsValidation extends Component {
  private readonly checks: Check[] = [];
  readonly renames = new Map<string, string>();

  add(check: Check) {
    this.checks.push(check);
  }

  problems(): Problem[] {
    // Components that share a setting (the branch) report its problem once, under the name
    // the user wrote it with (`defaultBranch`, not the component's `branch`).
    const seen = new Set<string>();
    const renamed = (option: string) => {
      const head = /^[^.[]+/.exec(option)?.[0] ?? option;
      const to = this.renames.get(head);
      return to === undefined ? option : `${to}${option.slice(head.length)}`;
    };
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
    const wrongTypes = all.filter(isWrongType).map((p) => renamed(p.option));
    const inside = (option: string) => wrongTypes.some((at) => option === at || option.startsWith(`${at}.`) || option.startsWith(`${at}[`));
    const specific = new Set(all.filter((p) => !isTypeProblem(p)).map((p) => renamed(p.option)));
    return all
      .filter((p) => (isTypeProblem(p) ? isWrongType(p) || !specific.has(renamed(p.option)) : !inside(renamed(p.option))))
      .map((p) => ({ ...p, option: renamed(p.option) })).filter((p) => {
        const key = `${p.option}\0${p.message}`;
        return !seen.has(key) && seen.add(key) !== undefined;
      });
  }

  preSynthesize() {
    const problems = this.problems();
    if (problems.length > 0) {
      throw new OptionsError(problems);
    }
  }
}

function validationOf(project: Project): OptionsValidation {
  let validation = validators.get(project);
  if (!validation) {
    validation = new OptionsValidation(project);
    validators.set(project, validation);
  }
  return validation;
}

/** Registers checks that run before anything is written. */
export function addValidation(project: Project, check: Check) {
  validationOf(project).add(check);
}

/**
 * Reports the problems of a component's option `from` (and its parts, `from.x`, `from[1]`)
 * as `to`: a project type that passes its own option on under another name says so here.
 */
export function renameOption(project: Project, from: string, to: string) {
  validationOf(project).renames.set(from, to);
}

/** The problems of a project's options, without throwing (for tests and previews). */
export function optionProblems(project: Project): Problem[] {
  return validators.get(project)?.problems() ?? [];
}
