import { Component, Project } from 'projen';
import { EnvironmentOptions } from './environments';
import { isPackageName } from './names';
import { NpmRegistry } from './repository';
import { show } from '../core/checks';
import { someOptionsProblems } from '../core/known-options';
import { addValidation, Problem } from '../core/validation';

/**
 * What a company template sets for every repository made from it: the one home of the
 * company's defaults. A template class passes it as `templateDefaults`; an option written in
 * `.projenrc.ts` still wins over it, and the seeded `.projenrc.ts` and the README show it.
 *
 * ```ts
 * export class AcmeProject extends GitOpsProject {
 *   constructor(options: AcmeProjectOptions) {
 *     super({ ...options, templateDefaults: { template: '@acme/gitops-template', version: '1.4.0', requiredApprovals: 2 } });
 *   }
 * }
 * ```
 */
export interface TemplateDefaults {
  /**
   * The template's npm package name (e.g. `@acme/gitops-template`): the README names it.
   */
  readonly template: string;

  /**
   * The template's version (its package.json `version`).
   * @default - not shown
   */
  readonly version?: string;

  /**
   * The registry host images are pushed to.
   * @default - GitHub's Container registry of the repository's server (`githubUrl`, which `options` may set): `ghcr.io` on github.com
   */
  readonly registry?: string;

  /**
   * A registry prefix in front of every default base and build image (see `baseImageMirror`
   * of `GitOpsProjectOptions`).
   * @default - images pulled from their own registries
   */
  readonly baseImageMirror?: string;

  /**
   * The npm registry the repositories install from (see `npmRegistry` of `GitOpsProjectOptions`).
   * @default - registry.npmjs.org, no token
   */
  readonly npmRegistry?: NpmRegistry;

  /**
   * Approving reviews a pull request into the default branch needs (0 to 10).
   * @default 1
   */
  readonly requiredApprovals?: number;

  /**
   * Code owners of every file (`@org/team`).
   * @default - no CODEOWNERS
   */
  readonly codeOwners?: string[];

  /**
   * The environments, in promotion order.
   * @default - dev, staging and prod
   */
  readonly environments?: EnvironmentOptions[];

  /**
   * The runner label of every generated job.
   * @default "ubuntu-24.04"
   */
  readonly runsOn?: string;

  /**
   * The upgrade ring repositories made from the template belong to unless they set `ring`
   * (one of `ringWaitDays`): recorded in `.projen-gitops.json`; the upgrade workflow and the
   * fleet report read it.
   * @default "default"
   */
  readonly ring?: string;

  /**
   * The upgrade rings and the days a template release waits before repositories of each take
   * it (the upgrade workflow skips younger releases). A ring takes 0 to 90 days.
   * @default { canary: 0, early: 2, default: 5, late: 10 }
   */
  readonly ringWaitDays?: { [ring: string]: number };

  /**
   * Defaults of any other `GitOpsProjectOptions` option, by its name (e.g.
   * `{ scanSeverity: 'HIGH', signImages: true }`), checked like options written in
   * `.projenrc.ts`. Not `baseImage` or `buildImage`: one image cannot suit every runtime;
   * set `baseImageMirror`.
   * @default {}
   */
  readonly options?: { [key: string]: any };
}

/**
 * The defaults of the options a service team (and a company template) may set: the one table
 * the components, the wizard's questions and the docs (`@default`) follow.
 */
export const OPTION_DEFAULTS = {
  /** The registry host images are pushed to on github.com (elsewhere `githubContainerRegistryOf`): the wizard's shown default. */
  registry: 'ghcr.io',
  /** Approving reviews a pull request into the default branch needs. */
  requiredApprovals: 1,
  /** The port the service listens on. */
  port: 8080,
  /** The service's health check path. */
  healthPath: '/healthz',
  /** The user id the container runs as. */
  uid: 10001,
} as const;

/** The options `TemplateDefaults` names itself (the rest go through `options`). */
const TYPED = ['registry', 'baseImageMirror', 'npmRegistry', 'requiredApprovals', 'codeOwners', 'environments', 'runsOn'] as const;

/** Options that cannot be a company default: they would give every runtime one image. */
const PER_RUNTIME = ['baseImage', 'buildImage'];

/** Where the problems of `options` are reported. */
const OPTIONS_PATH = 'templateDefaults.options.';

/** Options that are the repository's own, never a template's. */
const OWN = ['name', 'repository', 'outdir', 'parent', 'templateDefaults'];

/**
 * The template defaults as option values: `options` first, the typed fields over them.
 * Internal: `GitOpsProject` lays the options written in `.projenrc.ts` over these.
 */
export function templateOptionDefaults(defaults: TemplateDefaults | undefined): Record<string, unknown> {
  if (!defaults) return {};
  const out: Record<string, unknown> = {};
  // A default of the wrong type is not applied: `Template` reports it, and no component trips over
  // it or reports it a second time under the repository's own option (`codeOwners[0]`).
  const refused = templateOptionsProblems(defaults).map((p) => p.option);
  const isRefused = (key: string) => refused.some((o) => o === OPTIONS_PATH + key || o.startsWith(`${OPTIONS_PATH}${key}.`) || o.startsWith(`${OPTIONS_PATH}${key}[`));
  const options = defaults.options;
  if (typeof options === 'object' && options !== null && !Array.isArray(options)) {
    for (const [key, value] of Object.entries(options)) {
      if (value !== undefined && !PER_RUNTIME.includes(key) && !OWN.includes(key) && !isRefused(key)) out[key] = value;
    }
  }
  for (const key of TYPED) {
    if (defaults[key] !== undefined) out[key] = defaults[key];
  }
  return out;
}

/**
 * Options with the template's defaults under them: an option written in `.projenrc.ts` (not
 * `undefined`) wins. Internal.
 */
export function withTemplateDefaults<T extends object>(options: T, defaults: TemplateDefaults | undefined): T {
  const merged: Record<string, unknown> = { ...templateOptionDefaults(defaults) };
  for (const key of Reflect.ownKeys(options)) {
    const value = (options as Record<string | symbol, unknown>)[key];
    if (value !== undefined || !(typeof key === 'string' && key in merged)) (merged as Record<string | symbol, unknown>)[key] = value;
  }
  return merged as T;
}

/**
 * The unknown keys and wrong types of a template's `options`, at every depth, under
 * `templateDefaults.options`. Internal: `GitOpsProject` shows them in place of a component that
 * trips over such a default while it is built.
 */
export function templateOptionsProblems(defaults: TemplateDefaults | undefined): Problem[] {
  const options = defaults?.options;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) return [];
  return someOptionsProblems('projen-gitops.GitOpsProjectOptions', options, 'GitOpsProject', OPTIONS_PATH.slice(0, -1));
}

// semver 2.0.0 (semver.org), without build metadata's full grammar subtleties.
const VERSION = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/**
 * The company template a project was made from, and its defaults: the README names it, the
 * seeded `.projenrc.ts` shows its defaults, the option checks report its mistakes under
 * `templateDefaults`.
 */
export class Template extends Component {
  /** The project's template, if it was made from one. */
  public static of(project: Project): Template | undefined {
    return project.components.find((c): c is Template => c instanceof Template);
  }

  /** The template's defaults as written by its author. */
  public readonly defaults: TemplateDefaults;

  constructor(project: Project, defaults: TemplateDefaults) {
    super(project);
    this.defaults = defaults;
    addValidation(project, () => this.validate());
  }

  /** The npm package name of the template. */
  public get name(): string {
    return this.defaults.template;
  }

  /** The template's version, if it says. */
  public get version(): string | undefined {
    return this.defaults.version;
  }

  /** The options the template sets, by name (a copy). */
  public get optionDefaults(): Record<string, unknown> {
    return templateOptionDefaults(this.defaults);
  }

  private validate(): Problem[] {
    const d = this.defaults;
    const problems: Problem[] = [];
    if (!isPackageName(d.template)) {
      problems.push({ option: 'templateDefaults.template', message: `must be the template's npm package name (lowercase, optionally '@scope/'), got ${show(d.template)}; try '@my-org/gitops-template'` });
    }
    if (d.version !== undefined && (typeof d.version !== 'string' || !VERSION.test(d.version))) {
      problems.push({ option: 'templateDefaults.version', message: `must be a semantic version (semver.org), got ${show(d.version)}; try '1.0.0'` });
    }
    // The ring is Upgrades' to check: its grammar and that it is one of ringWaitDays, in one message.
    if (d.options !== undefined && (typeof d.options !== 'object' || d.options === null || Array.isArray(d.options))) {
      problems.push({ option: 'templateDefaults.options', message: `must be an object of GitOpsProject options by name, got ${show(d.options)}; try { scanSeverity: 'HIGH' }` });
      return problems;
    }
    // A misspelt default would be ignored in every repository made from the template, and one of
    // the wrong type would change it in silence (`signImages: 'false'` turns signing on).
    problems.push(...templateOptionsProblems(d));
    for (const key of Object.keys(d.options ?? {})) {
      if (PER_RUNTIME.includes(key)) {
        problems.push({ option: `templateDefaults.options.${key}`, message: `cannot be a template default (one image for every runtime would give a Python service a Node.js base), got ${show(d.options![key])}; remove it and set templateDefaults.baseImageMirror: 'mirror.example.com/hub' instead` });
      } else if (OWN.includes(key)) {
        problems.push({ option: `templateDefaults.options.${key}`, message: `is each repository's own, not a template default, got ${show(d.options![key])}; remove it` });
      } else if ((TYPED as readonly string[]).includes(key)) {
        problems.push({ option: `templateDefaults.options.${key}`, message: `has a field of its own, got ${show(d.options![key])} under options; set templateDefaults.${key} instead` });
      }
    }
    return problems;
  }
}
