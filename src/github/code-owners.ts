import { Component, Project } from 'projen';
import { checkOwner } from '../core/checks';
import { describeFile, FileOwner } from '../core/file-catalog';
import { TemplateFile } from '../core/template-file';
import { addValidation, Problem } from '../core/validation';

/** Options for `CodeOwners`. */
export interface CodeOwnersOptions {
  /**
   * Owners of every file: `@user`, `@org/team` or an email address.
   */
  readonly owners: string[];

  /**
   * Owners of `.github/` (workflows, rulesets) and `.projenrc.ts`: whoever changes CI or the
   * repository definition can change what ships.
   * @default - the same as `owners`
   */
  readonly platformOwners?: string[];
}

/** A CODEOWNERS line, and the option its owners come from (for messages). */
interface CodeOwnersRule {
  readonly pattern: string;
  readonly owners: string[];
  readonly option?: string;
}

/**
 * `.github/CODEOWNERS`: who reviews what. `.github/` and `.projenrc.ts` always have an owner,
 * so workflow changes never merge without one of them.
 */
export class CodeOwners extends Component {
  /** The project's code owners, if it has them. */
  public static of(project: Project): CodeOwners | undefined {
    return project.components.find((c): c is CodeOwners => c instanceof CodeOwners);
  }

  private readonly _owners: string[];
  private readonly platformOwners: string[];
  /** The rules in order; a function stands for rules read late, in its place (see `_addRules`). */
  private readonly rules: Array<CodeOwnersRule | (() => CodeOwnersRule[])> = [];

  constructor(project: Project, options: CodeOwnersOptions) {
    super(project);
    this._owners = [...(options.owners ?? [])];
    this.platformOwners = [...(options.platformOwners ?? this._owners)];

    addValidation(project, () => this.validate());
    new TemplateFile(project, '.github/CODEOWNERS', '.github/CODEOWNERS.hbs', () => ({ rules: this.render() }));
    describeFile(project, {
      path: '.github/CODEOWNERS',
      owner: FileOwner.MANAGED,
      purpose: 'Who must review changes to which files; `.github/` and `.projenrc.ts` always have an owner.',
      change: 'Set `codeOwners` in .projenrc.ts, or call `CodeOwners.of(project)!.addRule(pattern, owners)`.',
    });
  }

  /** The owners of every file (a copy). */
  public get owners(): string[] {
    return [...this._owners];
  }

  /**
   * Adds a rule; later rules win for the files they match, as in GitHub.
   * @param pattern a CODEOWNERS path pattern
   * @param owners who owns the files it matches
   * @param option the option the owners come from, as the user writes it (e.g. `infraOwners`), for error messages; default `addRule`
   */
  public addRule(pattern: string, owners: string[], option?: string) {
    this.rules.push({ pattern, owners: [...owners], option });
  }

  /**
   * Adds rules computed when CODEOWNERS is written, in this place among the others: for owners
   * that come from facts another call may still add to (the environments' approvers).
   * @internal
   */
  public _addRules(rules: () => Array<{ pattern: string; owners: string[]; option?: string }>) {
    this.rules.push(rules);
  }

  /** Every rule in order, the late ones computed now. */
  private get allRules(): CodeOwnersRule[] {
    return this.rules.flatMap((rule) => (typeof rule === 'function' ? rule() : [rule]));
  }

  private render() {
    return [
      { pattern: '*', owners: this._owners },
      ...this.allRules,
      { pattern: '/.github/', owners: this.platformOwners },
      { pattern: '/.projenrc.ts', owners: this.platformOwners },
    ].map((rule) => ({ pattern: rule.pattern, owners: rule.owners.join(' ') }));
  }

  private validate(): Problem[] {
    const problems: Problem[] = [];
    if (this._owners.length === 0) {
      problems.push({ option: 'codeOwners', message: "must list at least one owner, got []; try ['@my-org/my-team']" });
    }
    const all = [
      ...this._owners.map((o, i) => [`codeOwners[${i}]`, o]),
      // Unset, they are the owners, reported once as such.
      ...(this.platformOwners === this._owners || this.platformOwners.join() === this._owners.join() ? [] : this.platformOwners.map((o, i) => [`platformOwners[${i}]`, o])),
      // Under the option they were written in (`environments[1].approvers[0]`), each once: one
      // option may own several patterns (an environment's approvers own four folders).
      ...this.allRules.flatMap((r) => r.owners.map((o, i) => [r.option === undefined ? 'addRule' : `${r.option}[${i}]`, o])),
    ].filter(([option, owner], i, list) => list.findIndex(([o, w]) => o === option && w === owner) === i);
    for (const [option, owner] of all) {
      const message = checkOwner(owner);
      if (message) problems.push({ option, message });
    }
    for (const rule of this.allRules) {
      if (!rule.pattern || /\s/.test(rule.pattern)) {
        problems.push({ option: 'addRule', message: `pattern must be a path pattern without spaces, got ${JSON.stringify(rule.pattern)}; try '/src/'` });
      }
    }
    return problems;
  }
}
