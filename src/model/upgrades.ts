import * as fs from 'fs';
import * as path from 'path';
import { Component, JsonFile, Project } from 'projen';
import { Environments } from './environments';
import { RING } from './names';
import { Template } from './template-defaults';
import { optionPath, show } from '../core/checks';
import { describedFiles, describeFile, FileOwner } from '../core/file-catalog';
import { atSynthStart } from '../core/projen-adapter';
import { addValidation, Problem } from '../core/validation';

/** The managed metadata file the upgrade command and the fleet report read. */
export const METADATA_FILE = '.projen-gitops.json';

/** The fleet report's ETag cache file (`projen-gitops fleet --cache`), kept between runs by fleet-report.yml. */
export const FLEET_CACHE_FILE = '.projen-gitops-fleet-cache.json';

/** The branch the upgrade pull request is opened from. */
export const UPGRADE_BRANCH = 'projen-gitops/upgrade';

/** The rings and their waiting days after a template release, unless the template sets its own. */
export const DEFAULT_RING_WAIT_DAYS: { readonly [ring: string]: number } = { canary: 0, early: 2, default: 5, late: 10 };

/** The ring of a repository whose template sets none. */
export const DEFAULT_RING = 'default';

/** This package's own version (the package root is two folders above lib/model/ and src/model/). */
export function ownVersion(): string {
  try {
    return JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf-8')).version;
  } catch {
    return '0.0.0';
  }
}

/** The template a repository was made from. */
export interface UpgradeTemplate {
  /** Its npm package name. */
  readonly name: string;
  /** Its version, if it says. */
  readonly version?: string;
}

/** What the upgrade workflow, the upgrade command and the fleet report know of a repository. */
export interface UpgradeFacts {
  /** The npm package the upgrade bumps: the template, or projen-gitops used directly. */
  readonly package: string;
  /** The repository's ring. */
  readonly ring: string;
  /** Days a release of `package` must be published before this repository takes it. */
  readonly waitDays: number;
  /** Every ring with its waiting days (the template's table). */
  readonly rings: { readonly [ring: string]: number };
  /** The template (name and version), when the repository was made from one. */
  readonly template?: UpgradeTemplate;
  /** The projen-gitops version that wrote the files. */
  readonly projenGitops: string;
  /**
   * The template's defaults (`TemplateDefaults` but its name and version; `options.X` for its
   * options by name): the upgrade names the ones a release changed.
   */
  readonly defaults?: { readonly [name: string]: any };
}

/** A template's defaults by name, `options.X` for each of its options (plain JSON values). */
export function flatDefaults(defaults: { readonly [name: string]: any }): { [name: string]: any } {
  const out: { [name: string]: any } = {};
  for (const [key, value] of Object.entries(defaults)) {
    if (key === 'template' || key === 'version' || value === undefined) continue;
    if (key === 'options' && value && typeof value === 'object') {
      for (const [option, v] of Object.entries(value)) if (v !== undefined) out[`options.${option}`] = JSON.parse(JSON.stringify(v));
    } else {
      out[key] = JSON.parse(JSON.stringify(value));
    }
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** Options for `Upgrades`. */
export interface UpgradesOptions {
  /**
   * The repository's ring.
   * @default - the template's `ring`, else "default"
   */
  readonly ring?: string;
}

/**
 * The one home of a repository's upgrade facts: which package is upgraded, its ring and the
 * ring's waiting time. Written into `.projen-gitops.json` (managed) with the purpose of every
 * file, where the upgrade command and the fleet report read them. The company template's
 * defaults (`Template`) are read when asked, so it may be added before or after this component.
 */
export class Upgrades extends Component {
  /** The project's upgrade facts component, if any. */
  public static of(project: Project): Upgrades | undefined {
    return project.components.find((c): c is Upgrades => c instanceof Upgrades);
  }

  private readonly options: UpgradesOptions;

  constructor(project: Project, options: UpgradesOptions = {}) {
    super(project);
    this.options = options;
    addValidation(project, () => this.validate(options.ring !== undefined));
    new JsonFile(project, METADATA_FILE, {
      obj: () => ({
        about: 'Written by projen-gitops synth: the upgrade workflow (projen-gitops upgrade) and the fleet report read it. Change the ring in .projenrc.ts.',
        ...this.facts,
        // Where the fleet report finds each environment's deployed digests (their last commit).
        environments: (Environments.of(project)?.deployed ?? []).map((e) => e.name),
        files: Object.fromEntries(describedFiles(project)
          .map((f) => [f.path, { owner: f.owner, purpose: f.purpose }])
          .sort(([a], [b]) => String(a).localeCompare(String(b)))),
      }),
      newline: true,
    });
    atSynthStart(project, () => describeFile(project, {
      path: METADATA_FILE,
      owner: FileOwner.MANAGED,
      purpose: `The repository's template, versions and upgrade ring (${this.facts.ring}: releases wait ${this.facts.waitDays} days), read by the upgrade workflow and the fleet report.`,
      change: 'Set `ring` in .projenrc.ts (the template sets the default and the waiting days).',
    }));
  }

  /** The facts, from the options and the project's company template (read now). */
  public get facts(): UpgradeFacts {
    const template = Template.of(this.project);
    const rings = { ...(template?.defaults.ringWaitDays ?? DEFAULT_RING_WAIT_DAYS) };
    const ring = this.options.ring ?? template?.defaults.ring ?? DEFAULT_RING;
    return {
      package: template?.name ?? 'projen-gitops',
      ring,
      waitDays: rings[ring] ?? 0,
      rings,
      ...(template ? { template: { name: template.name, ...(template.version ? { version: template.version } : {}) } } : {}),
      projenGitops: ownVersion(),
      ...(template ? { defaults: flatDefaults(template.defaults) } : {}),
    };
  }

  private validate(fromOptions: boolean): Problem[] {
    const problems: Problem[] = [];
    const { ring, rings } = this.facts;
    const where = fromOptions ? 'ring' : 'templateDefaults.ring';
    for (const [name, days] of Object.entries(rings)) {
      if (!RING.test(name)) problems.push({ option: optionPath('templateDefaults.ringWaitDays', name), message: `must be named like a ring (a lowercase letter, then letters, digits or '-', at most 31), got ${show(name)}; try 'canary'` });
      if (!Number.isInteger(days) || days < 0 || days > 90) problems.push({ option: optionPath('templateDefaults.ringWaitDays', name), message: `must be a whole number of days from 0 to 90, got ${show(days)}; try ${DEFAULT_RING_WAIT_DAYS[name] ?? 5}` });
    }
    if (typeof ring !== 'string' || !RING.test(ring) || !(ring in rings)) {
      problems.push({ option: where, message: `must be one of the template's rings (${Object.keys(rings).map((r) => `'${r}'`).join(', ')}), got ${show(ring)}; try '${Object.keys(rings).includes(DEFAULT_RING) ? DEFAULT_RING : Object.keys(rings)[0]}'` });
    }
    return problems;
  }
}
