import { Component, IgnoreFile, Project } from 'projen';
import { Runtime, runtimeFacts, runtimeNames } from './runtime';
import {
  checkHealthPath,
  checkImageName,
  checkImageReference,
  checkNodeVersion,
  checkPort,
  checkRegistry,
  checkUid,
} from '../core/checks';
import { describeFile, FileOwner } from '../core/file-catalog';
import { seedFile } from '../core/sync';
import { TemplateFile } from '../core/template-file';
import { readTemplate } from '../core/templates';
import { Problem, addValidation } from '../core/validation';

/** Options for `ContainerImage`. */
export interface ContainerImageOptions {
  /**
   * The service's runtime: picks the Dockerfile preset and the CodeQL language.
   * @default Runtime.NODE
   */
  readonly runtime?: Runtime;

  /**
   * The TCP port the service listens on (`EXPOSE`, the `PORT` variable, the health check).
   * @default 8080
   */
  readonly port?: number;

  /**
   * The HTTP path that answers 2xx or 3xx while the service is healthy.
   * @default "/healthz"
   */
  readonly healthPath?: string;

  /**
   * The registry host images are pushed to.
   * @default "ghcr.io"
   */
  readonly registry?: string;

  /**
   * The image repository name inside the registry, without registry or tag
   * (e.g. `acme/orders`).
   * @default - the GitHub repository `<owner>/<repo>`, lowercased when the workflow runs
   */
  readonly imageName?: string;

  /**
   * The Node.js version, used as the tag of the default base image.
   * @default "22"
   */
  readonly nodeVersion?: string;

  /**
   * The base image of both stages, with a pinned tag or digest (never `latest`). Point it
   * at an internal mirror if Docker Hub is not reachable. It is the default of the
   * `BASE_IMAGE` build arg, so a single build can still override it.
   * @default - `docker.io/library/node:<nodeVersion>-bookworm-slim`
   */
  readonly baseImage?: string;

  /**
   * The numeric, non-root user id the container runs as.
   * @default 10001
   */
  readonly uid?: number;

  /**
   * The container's command, exec form.
   * @default ["node", "src/server.js"]
   */
  readonly command?: string[];

  /**
   * The `org.opencontainers.image.title` label.
   * @default - the project name
   */
  readonly title?: string;

  /**
   * The `org.opencontainers.image.description` label.
   * @default - "<title> service"
   */
  readonly description?: string;

  /**
   * Seed a minimal service that answers on the health path, so a new repository builds
   * into an image that runs. Seeded files are yours and are never overwritten.
   * @default true
   */
  readonly sampleCode?: boolean;
}

/**
 * The container image of the service at the repository root: a multi-stage Dockerfile and a
 * `.dockerignore` for the runtime, and the typed facts (port, health path, registry, image
 * name) that the build workflow and the docs read from it.
 */
export class ContainerImage extends Component {
  /** The project's container image, if it has one. */
  public static of(project: Project): ContainerImage | undefined {
    return project.components.find((c): c is ContainerImage => c instanceof ContainerImage);
  }

  /** The runtime preset. */
  public readonly runtime: Runtime;
  /** The port the service listens on. */
  public readonly port: number;
  /** The health check path. */
  public readonly healthPath: string;
  /** The registry host. */
  public readonly registry: string;
  /** The configured image repository name, or `undefined` for the GitHub repository's. */
  public readonly imageName?: string;
  /** The base image of both stages. */
  public readonly baseImage: string;
  /** The user id the container runs as. */
  public readonly uid: number;
  /** Path of the Dockerfile, relative to the project root. */
  public readonly dockerfilePath = 'Dockerfile';
  /** The build context, relative to the project root. */
  public readonly context = '.';
  /** The `.dockerignore` file (escape hatch: `exclude()`, `include()`). */
  public readonly dockerignore?: IgnoreFile;

  private readonly nodeVersion: string;
  private readonly command: string[];
  private readonly title: string;
  private readonly description: string;

  constructor(project: Project, options: ContainerImageOptions = {}) {
    super(project);
    this.runtime = options.runtime ?? Runtime.NODE;
    this.port = options.port ?? 8080;
    this.healthPath = options.healthPath ?? '/healthz';
    this.registry = options.registry ?? 'ghcr.io';
    this.imageName = options.imageName;
    this.nodeVersion = options.nodeVersion ?? '22';
    this.baseImage = options.baseImage ?? `docker.io/library/node:${this.nodeVersion}-bookworm-slim`;
    this.uid = options.uid ?? 10001;
    const facts = runtimeFacts(this.runtime);
    this.command = [...(options.command ?? facts?.defaultCommand ?? [])];
    this.title = options.title ?? project.name;
    this.description = options.description ?? `${this.title} service`;

    addValidation(project, () => this.validate(options));
    if (!facts) {
      return; // reported by validate(); nothing sensible to render
    }

    new TemplateFile(project, this.dockerfilePath, `${facts.templates}/Dockerfile.hbs`, () => this.renderContext());
    describeFile(project, {
      path: this.dockerfilePath,
      owner: FileOwner.MANAGED,
      purpose: `Multi-stage ${this.runtime} image: non-root user ${this.uid}, port ${this.port}, health check on ${this.healthPath}.`,
      change: 'Set the ContainerImage options (port, healthPath, nodeVersion, baseImage, uid, command) in .projenrc.ts.',
    });

    this.dockerignore = new IgnoreFile(project, '.dockerignore');
    for (const line of readTemplate(`${facts.templates}/.dockerignore`).split('\n')) {
      if (line.startsWith('!')) this.dockerignore.include(line.slice(1));
      else if (line.trim() && !line.startsWith('#')) this.dockerignore.exclude(line.trim());
    }
    describeFile(project, {
      path: '.dockerignore',
      owner: FileOwner.MANAGED,
      purpose: 'Keeps the build context small and free of secrets and tooling state.',
      change: 'In .projenrc.ts: `ContainerImage.of(project)?.dockerignore?.exclude(...)`.',
    });

    if (options.sampleCode ?? true) {
      seedFile(project, facts.sampleEntry, () => readTemplate(`${facts.templates}/${facts.sampleEntry}`),
        `A minimal HTTP service that answers on ${this.healthPath}, so the image runs from day one.`);
    }
  }

  /** The full image reference without tag, or `undefined` when derived from the GitHub repository at run time. */
  public get imageReference(): string | undefined {
    return this.imageName ? `${this.registry}/${this.imageName}` : undefined;
  }

  private renderContext() {
    return {
      baseImage: this.baseImage,
      port: this.port,
      healthPath: this.healthPath,
      uid: this.uid,
      command: this.command,
      title: this.title,
      description: this.description,
    };
  }

  private validate(options: ContainerImageOptions): Problem[] {
    const problems: Problem[] = [];
    const report = (option: string, message: string | undefined) => {
      if (message) problems.push({ option, message });
    };
    if (!runtimeFacts(this.runtime)) {
      report('runtime', `must be one of ${runtimeNames().map((r) => `'${r}'`).join(', ')}, got ${JSON.stringify(this.runtime)}; try Runtime.NODE`);
    }
    report('port', checkPort(this.port));
    report('healthPath', checkHealthPath(this.healthPath));
    report('registry', checkRegistry(this.registry));
    if (this.imageName !== undefined) report('imageName', checkImageName(this.imageName));
    if (options.nodeVersion !== undefined) report('nodeVersion', checkNodeVersion(options.nodeVersion));
    if (options.baseImage !== undefined || checkNodeVersion(this.nodeVersion) === undefined) {
      report('baseImage', checkImageReference(this.baseImage));
    }
    report('uid', checkUid(this.uid));
    if (this.command.length === 0 || this.command.some((part) => typeof part !== 'string' || part.length === 0)) {
      report('command', `must be a non-empty list of non-empty strings (exec form), got ${JSON.stringify(options.command)}; try ["node", "src/server.js"]`);
    }
    return problems;
  }
}
