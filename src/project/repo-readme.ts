import { Component, Project } from 'projen';
import { ContainerImage } from '../container/container-image';
import { describedFiles, describeFile, FileEntry, FileOwner } from '../core/file-catalog';
import { TemplateFile } from '../core/template-file';
import { BranchProtection } from '../github/branch-protection';
import { CodeQlWorkflow } from '../github/codeql-workflow';
import { ContainerBuildWorkflow } from '../github/container-build-workflow';
import { DependencyReviewWorkflow } from '../github/dependency-review-workflow';
import { DependencyUpdates } from '../github/dependency-updates';
import { DriftCheckWorkflow } from '../github/drift-check-workflow';
import { UpgradeWorkflow } from '../github/upgrade-workflow';
import { HelmChart } from '../helm/helm-chart';
import { BASE_IMAGES_LOCK, BaseImageLock } from '../model/base-images';
import { Environments } from '../model/environments';
import { Repository } from '../model/repository';
import { Runtime } from '../model/runtime';
import { derivedImagePattern, serviceFacts } from '../model/service';
import { signingFacts, signingPhrase } from '../model/signing';
import { Template } from '../model/template-defaults';
import { Upgrades, UPGRADE_BRANCH } from '../model/upgrades';

/** Options for `RepoReadme`. */
export interface RepoReadmeOptions {
  /**
   * The paragraph under the title.
   * @default - a sentence naming the service
   */
  readonly description?: string;
}

/**
 * The generated repository's `README.md` (managed): what the repository holds, how to change
 * it, and every generated file with its owner, read from the project at synth time.
 */
export class RepoReadme extends Component {
  /** The project's RepoReadme, if it has one. */
  public static of(project: Project): RepoReadme | undefined {
    return project.components.find((c): c is RepoReadme => c instanceof RepoReadme);
  }

  private readonly description: string;

  constructor(project: Project, options: RepoReadmeOptions = {}) {
    super(project);
    this.description = options.description ?? `The ${project.name} service and everything that builds, checks and ships it.`;
    new TemplateFile(project, 'README.md', 'README.md.hbs', () => this.renderContext());
    describeFile(project, {
      path: 'README.md',
      owner: FileOwner.MANAGED,
      purpose: 'This page.',
      change: 'Set `readme: false` in .projenrc.ts to take it over, or set `description`.',
    });
    describeFile(project, {
      path: '.projenrc.ts',
      owner: FileOwner.SEEDED,
      purpose: 'The definition of this repository: every option lives here. Written by `projen new`.',
      change: 'Edit it, then run `npx projen`.',
    });
  }

  private renderContext() {
    const image = ContainerImage.of(this.project);
    const protection = BranchProtection.of(this.project);
    const build = ContainerBuildWorkflow.of(this.project);
    const has = (type: Function) => this.project.components.some((c) => c instanceof type);
    return {
      build: build && {
        scans: build.failsOn !== 'NONE',
        failsOn: build.failsOn.toLowerCase(),
        signs: build.signs,
        signing: signingPhrase(signingFacts(this.project)),
        unpinned: BaseImageLock.of(this.project)?.unpinned ?? [],
        lock: BASE_IMAGES_LOCK,
        // The Python services whose pip install is pinned by hash, and those pinned by version only.
        pipHashes: this.servicesOf(Runtime.PYTHON),
        pipVersions: this.servicesOf(Runtime.PYTHON_PYPROJECT),
      },
      codeql: has(CodeQlWorkflow),
      dependencyReview: has(DependencyReviewWorkflow),
      drift: has(DriftCheckWorkflow),
      dependabot: has(DependencyUpdates),
      template: this.templateContext(),
      upgrade: this.upgradeContext(has(UpgradeWorkflow)),
      npmRegistry: Repository.factsOf(this.project).npmRegistry,
      name: this.project.name,
      description: this.description,
      branch: protection?.branch ?? Repository.factsOf(this.project).defaultBranch,
      checks: protection?.requiredChecks ?? [],
      image: image && {
        reference: image.imageReference ?? `${image.registry}/${derivedImagePattern(image)}`,
        runtime: image.runtime,
        port: image.port,
        healthPath: image.healthPath,
        uid: image.uid,
      },
      services: ContainerImage.all(this.project).filter((i) => i !== image).map((i) => ({
        name: i.serviceName,
        path: i.context,
        reference: i.imageReference ?? `${i.registry}/${derivedImagePattern(i)}`,
        runtime: i.runtime,
        port: i.port,
        healthPath: i.healthPath,
      })),
      deploy: this.deployContext(),
      files: this.files(),
    };
  }

  /** The names of the services of a runtime. */
  private servicesOf(runtime: Runtime): string[] {
    return ContainerImage.all(this.project).filter((i) => i.runtime === runtime).map((i) => i.serviceName);
  }

  /** The company template and its defaults, when the project was made from one. */
  private templateContext() {
    const template = Template.of(this.project);
    if (!template) return undefined;
    return {
      name: template.name,
      version: template.version,
      defaults: Object.entries(template.optionDefaults).map(([key, value]) => ({ key, value: JSON.stringify(value) })),
    };
  }

  /** The upgrade facts (ring, package), from their one home. */
  private upgradeContext(workflow: boolean) {
    const upgrades = Upgrades.of(this.project);
    return upgrades && { ...upgrades.facts, workflow, branch: UPGRADE_BRANCH };
  }

  /** The build -> environments flow, when the project deploys. */
  private deployContext() {
    const charts = HelmChart.all(this.project);
    const environments = Environments.of(this.project)?.deployed ?? [];
    if (charts.length === 0 || environments.length === 0) return undefined;
    return {
      services: charts.map((c) => c.image.serviceName),
      tag: serviceFacts(this.project, charts[0].image).fallbackTag,
      // Mermaid ids of their own: an environment may be named like a keyword ('end').
      environments: environments.map((env, i) => ({ ...env, id: `env${i}`, from: i === 0 ? 'image' : `env${i - 1}` })),
    };
  }

  /** Described files first, then every other file projen writes, sorted by path. */
  private files(): FileEntry[] {
    const described = new Map(describedFiles(this.project).map((f) => [f.path, f]));
    // A described folder (`deploy/charts/orders/`) stands for the files in it.
    const folders = [...described.keys()].filter((p) => p.endsWith('/'));
    for (const file of this.project.files) {
      if (!described.has(file.path) && !folders.some((folder) => file.path.startsWith(folder))) {
        described.set(file.path, {
          path: file.path,
          owner: FileOwner.MANAGED,
          purpose: 'Tooling written by projen.',
          change: 'Change the project options in .projenrc.ts.',
        });
      }
    }
    return [...described.values()].sort((a, b) => a.path.localeCompare(b.path));
  }
}
