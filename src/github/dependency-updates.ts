import * as path from 'path';
import { Component, Project, YamlFile } from 'projen';
import { show } from '../core/checks';
import { describeFile, FileOwner } from '../core/file-catalog';
import { addValidation, Problem } from '../core/validation';
import { Repository } from '../model/repository';
import { runtimeFacts } from '../model/runtime-facts';
import { servicesOf } from '../model/service';
import { Upgrades } from '../model/upgrades';

/** The name of the private npm registry in `dependabot.yml`'s `registries:`. */
const NPM_REGISTRY_KEY = 'npm-private';

/**
 * How often Dependabot looks for updates (`schedule.interval` of `dependabot.yml`). A member
 * equals its plain string (`UpdateInterval.DAILY === 'daily'`), so `interval: 'daily'` stays valid.
 */
export enum UpdateInterval {
  /** Every weekday. */
  DAILY = 'daily',
  /** Once a week, on Monday. */
  WEEKLY = 'weekly',
  /** On the first day of each month. */
  MONTHLY = 'monthly',
}

/** Options for `DependencyUpdates`. */
export interface DependencyUpdatesOptions {
  /**
   * How often Dependabot looks for updates: an `UpdateInterval` (`DAILY`, `WEEKLY` or
   * `MONTHLY`), or its plain string ("daily").
   * @default "weekly"
   */
  readonly interval?: string;

  /**
   * Days a new release must age before Dependabot proposes it (a brand-new release is where
   * a hijacked package shows up first).
   * @default 7
   */
  readonly cooldownDays?: number;

  /**
   * Open version-update pull requests per ecosystem at most.
   * @default 5
   */
  readonly openPullRequestsLimit?: number;
}

const INTERVALS: string[] = Object.values(UpdateInterval);

/**
 * `.github/dependabot.yml` for the dependencies people own, found at synth: npm
 * (`package.json`: the tooling and a Node.js service's packages; projen-gitops and the
 * template are ignored, the upgrade workflow bumps them and re-synthesizes)
 * and the service's own ecosystem (pip, gomod). Minor and patch updates are grouped into one
 * pull request per ecosystem, and every update waits out a cooldown.
 */
export class DependencyUpdates extends Component {
  /** The project's DependencyUpdates, if it has one. */
  public static of(project: Project): DependencyUpdates | undefined {
    return project.components.find((c): c is DependencyUpdates => c instanceof DependencyUpdates);
  }

  private readonly interval: string;
  private readonly cooldownDays: number;
  private readonly limit: number;

  constructor(project: Project, options: DependencyUpdatesOptions = {}) {
    super(project);
    this.interval = options.interval ?? UpdateInterval.WEEKLY;
    this.cooldownDays = options.cooldownDays ?? 7;
    this.limit = options.openPullRequestsLimit ?? 5;

    addValidation(project, () => this.validate());
    new YamlFile(project, '.github/dependabot.yml', { obj: () => this.render() });
    describeFile(project, {
      path: '.github/dependabot.yml',
      owner: FileOwner.MANAGED,
      purpose: `Dependabot updates for the packages you own (not projen-gitops or the template: the upgrade workflow), grouped, after a ${this.cooldownDays}-day cooldown.`,
      change: 'Set the DependencyUpdates options in .projenrc.ts (interval, cooldownDays).',
    });
  }

  /**
   * The ecosystems found in the project. Not github-actions, and docker only for a custom
   * Dockerfile (`Runtime.CUSTOM`): generated Dockerfiles and workflows would take Dependabot's
   * edits as hand edits that synth stops on; their base images and action pins come up to
   * date with projen-gitops itself, which the upgrade workflow updates.
   */
  public get ecosystems(): string[] {
    return [...this.directories().keys()];
  }

  /** Each ecosystem with the folders it is found in. */
  private directories(): Map<string, string[]> {
    const found = new Map<string, string[]>();
    const add = (ecosystem: string, dir: string) => {
      const dirs = found.get(ecosystem) ?? [];
      if (!dirs.includes(dir)) dirs.push(dir);
      found.set(ecosystem, dirs);
    };
    if (this.project.tryFindObjectFile('package.json')) add('npm', '/');
    for (const image of servicesOf(this.project)) {
      const ecosystem = runtimeFacts(image.runtime)?.ecosystem;
      // docker looks in the Dockerfile's own folder; the others in the service's.
      const dir = ecosystem === 'docker' ? path.posix.dirname(image.dockerfilePath) : image.context;
      if (ecosystem) add(ecosystem, dir === '.' ? '/' : `/${dir}`);
    }
    return found;
  }

  private render() {
    // Dependabot reads the token from a Dependabot secret of the same name: never from the file.
    const npm = Repository.factsOf(this.project).npmRegistry;
    const upgrades = Upgrades.of(this.project)?.facts;
    const upgraded = upgrades ? [...new Set([upgrades.package, 'projen-gitops'])] : [];
    return {
      version: 2,
      ...(npm ? { registries: { [NPM_REGISTRY_KEY]: { type: 'npm-registry', url: npm.url, token: `\${{secrets.${npm.tokenSecret}}}` } } } : {}),
      updates: [...this.directories()].map(([ecosystem, dirs]) => ({
        'package-ecosystem': ecosystem,
        ...(npm && ecosystem === 'npm' ? { registries: [NPM_REGISTRY_KEY] } : {}),
        ...(dirs.length === 1 ? { directory: dirs[0] } : { directories: dirs }),
        'schedule': { interval: this.interval },
        'open-pull-requests-limit': this.limit,
        'cooldown': { 'default-days': this.cooldownDays },
        // A bump of package.json alone would fail the drift check: the upgrade workflow bumps these and re-synthesizes.
        ...(ecosystem === 'npm' && upgraded.length > 0 ? { ignore: upgraded.map((name) => ({ 'dependency-name': name })) } : {}),
        'groups': { [ecosystem]: { 'patterns': ['*'], 'update-types': ['minor', 'patch'] } },
        'commit-message': { prefix: 'deps' },
      })),
    };
  }

  private validate(): Problem[] {
    const problems: Problem[] = [];
    if (!INTERVALS.includes(this.interval)) {
      problems.push({ option: 'interval', message: `must be one of ${INTERVALS.map((i) => `'${i}'`).join(', ')} (UpdateInterval), got ${JSON.stringify(this.interval)}; try UpdateInterval.WEEKLY` });
    }
    if (!Number.isInteger(this.cooldownDays) || this.cooldownDays < 0 || this.cooldownDays > 90) {
      problems.push({ option: 'cooldownDays', message: `must be a whole number of days from 0 to 90, got ${show(this.cooldownDays)}; try 7` });
    }
    if (!Number.isInteger(this.limit) || this.limit < 0) {
      problems.push({ option: 'openPullRequestsLimit', message: `must be a whole number, got ${show(this.limit)}; try 5` });
    }
    return problems;
  }
}
