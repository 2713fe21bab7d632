import { Component, Project } from 'projen';

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

  add(check: Check) {
    this.checks.push(check);
  }

  problems(): Problem[] {
    // Components that share a setting (the branch) report its problem once.
    const seen = new Set<string>();
    return this.checks.flatMap((check) => check()).filter((p) => {
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

/** Registers checks that run before anything is written. */
export function addValidation(project: Project, check: Check) {
  let validation = validators.get(project);
  if (!validation) {
    validation = new OptionsValidation(project);
    validators.set(project, validation);
  }
  validation.add(check);
}
