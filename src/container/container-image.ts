import * as path from 'path';
import { Component, IgnoreFile, Project } from 'projen';
import {
  appended,
  checkBuildArgs,
  checkStage,
  DockerfileStageOptions,
  globalArgLines,
  installerFor,
  stageSetupLines,
} from './dockerfile-stage';
import { Runtime } from './runtime';
import { DOCKERFILE_SYNTAX, runtimeFacts, runtimeNames, VERSION_OPTIONS } from './runtime-facts';
import {
  checkHealthPath,
  checkImageName,
  checkImageReference,
  checkPort,
  checkProjectName,
  checkRegistry,
  checkUid,
} from '../core/checks';
import { describeFile, FileOwner } from '../core/file-catalog';
import { seedFile } from '../core/sync';
import { TemplateFile } from '../core/template-file';
import { readTemplate, renderTemplate } from '../core/templates';
import { Problem, addValidation } from '../core/validation';

/** Options for `ContainerImage`. */
export interface ContainerImageOptions {
  /**
   * The service's runtime: picks the Dockerfile preset, the CodeQL language and the
   * Dependabot ecosystem. `Runtime.CUSTOM` keeps your own Dockerfile (see `dockerfile`).
   * @default Runtime.NODE
   * @featured
   */
  readonly runtime?: Runtime;

  /**
   * The Dockerfile of `Runtime.CUSTOM`, relative to the service's folder. It is yours: synth
   * never writes it (nor a `.dockerignore`), the build workflow builds it.
   * @default "Dockerfile"
   */
  readonly dockerfile?: string;

  /**
   * The TCP port the service listens on (`EXPOSE`, the `PORT` variable, the health check).
   * @default 8080
   * @featured
   */
  readonly port?: number;

  /**
   * The HTTP path that answers 2xx or 3xx while the service is healthy.
   * @default "/healthz"
   * @featured
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
   * The Node.js version (`Runtime.NODE`), used as the tag of the default base image.
   * @default "22"
   * @featured
   */
  readonly nodeVersion?: string;

  /**
   * The Python version (`Runtime.PYTHON`), used as the tag of the default base image.
   * @default "3.12"
   */
  readonly pythonVersion?: string;

  /**
   * The Go version (`Runtime.GO`), used as the tag of the default build image.
   * @default "1.27"
   */
  readonly goVersion?: string;

  /**
   * The Java feature release (`Runtime.JAVA_MAVEN`, `Runtime.JAVA_GRADLE`), used in the tags
   * of the default build and runtime images.
   * @default "21"
   */
  readonly javaVersion?: string;

  /**
   * The base image of the runtime stage (and of the dependency stage for Node.js and
   * Python), with a pinned tag or digest (never `latest`). Point it at an internal mirror
   * if Docker Hub is not reachable. It is the default of the `BASE_IMAGE` build arg, so a
   * single build can still override it.
   * @default - node: `docker.io/library/node:<nodeVersion>-trixie-slim`; python:
   * `docker.io/library/python:<pythonVersion>-slim-trixie`; go:
   * `gcr.io/distroless/static-debian13:nonroot`; java: `docker.io/library/eclipse-temurin:<javaVersion>-jre`;
   * static: `docker.io/nginxinc/nginx-unprivileged:1.30-alpine`
   */
  readonly baseImage?: string;

  /**
   * The image of the build stage of compiled runtimes (Go, Java), pinned like `baseImage`;
   * the default of the `BUILD_IMAGE` build arg.
   * @default - go: `docker.io/library/golang:<goVersion>-trixie`; java-maven:
   * `docker.io/library/maven:3.9-eclipse-temurin-<javaVersion>`; java-gradle:
   * `docker.io/library/gradle:9-jdk<javaVersion>`
   */
  readonly buildImage?: string;

  /**
   * Additions to the stage that installs dependencies or compiles (`deps` or `build`): OS
   * packages, environment and instructions, right after its `WORKDIR`, before anything is
   * installed or built.
   * @default - none
   */
  readonly buildStage?: DockerfileStageOptions;

  /**
   * Additions to the runtime stage: OS packages and environment early in the stage (so a code
   * change does not reinstall them), instructions after the code is copied in. Both run as
   * root, before `USER` switches to `uid`.
   * @default - none
   */
  readonly runtimeStage?: DockerfileStageOptions;

  /**
   * Build arguments with their defaults, declared before the first `FROM` and in every stage
   * (override one per build with `--build-arg NAME=value`). Not for secrets: build args are
   * kept in the image's history.
   * @default - none
   */
  readonly buildArgs?: { [name: string]: string };

  /**
   * The numeric, non-root user id the container runs as.
   * @default 10001
   */
  readonly uid?: number;

  /**
   * The container's command, exec form.
   * @default - node: `["node", "src/server.js"]`; python: `["python3", "src/main.py"]`;
   * go: `["/app/server"]`; java: `["java", "-jar", "/app/app.jar"]`; static:
   * `["nginx", "-g", "daemon off;"]`
   */
  readonly command?: string[];

  /**
   * The `org.opencontainers.image.title` label.
   * @default - the project name
   */
  readonly title?: string;

  /**
   * A sentence describing the service: the `org.opencontainers.image.description` label
   * (and, on a project, the README and package.json).
   * @default - "<title> service"
   */
  readonly description?: string;

  /**
   * Seed a minimal service that answers on the health path, so a new repository builds
   * into an image that runs. Seeded files are yours and are never overwritten.
   * @default true
   */
  readonly sampleCode?: boolean;

  /**
   * The service's name, for its image name, job names and the docs (lowercase).
   * @default - the project name
   */
  readonly serviceName?: string;

  /**
   * The service's folder, relative to the repository root: its build context, where its
   * Dockerfile, .dockerignore and sample live.
   * @default "."
   */
  readonly path?: string;
}

/**
 * The container image of the service at the repository root: a multi-stage Dockerfile and a
 * `.dockerignore` for the runtime, and the typed facts (port, health path, registry, image
 * name) that the build workflow and the docs read from it.
 */
export class ContainerImage extends Component {
  /** The project's first container image (the one at the root, usually), if it has one. */
  public static of(project: Project): ContainerImage | undefined {
    return project.components.find((c): c is ContainerImage => c instanceof ContainerImage);
  }

  /** Every container image of the project, in the order they were added. */
  public static all(project: Project): ContainerImage[] {
    return project.components.filter((c): c is ContainerImage => c instanceof ContainerImage);
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
  /** The base image of the runtime stage. */
  public readonly baseImage: string;
  /** The build stage image, for compiled runtimes. */
  public readonly buildImage?: string;
  /** The user id the container runs as. */
  public readonly uid: number;
  /** The service's name. */
  public readonly serviceName: string;
  /** The build context (the service's folder), relative to the project root. */
  public readonly context: string;
  /** Path of the Dockerfile, relative to the project root. */
  public readonly dockerfilePath: string;
  /** The `.dockerignore` file (escape hatch: `exclude()`, `include()`). */
  public readonly dockerignore?: IgnoreFile;

  private readonly command: string[];
  private readonly title: string;
  private readonly description: string;
  private readonly options: ContainerImageOptions;

  constructor(project: Project, options: ContainerImageOptions = {}) {
    super(project);
    this.options = options;
    this.runtime = options.runtime ?? Runtime.NODE;
    this.port = options.port ?? 8080;
    this.healthPath = options.healthPath ?? '/healthz';
    this.registry = options.registry ?? 'ghcr.io';
    this.imageName = options.imageName;
    this.uid = options.uid ?? 10001;
    this.serviceName = options.serviceName ?? project.name;
    this.context = (options.path ?? '.').replace(/\/+$/, '') || '.';
    const inContext = (file: string) => (this.context === '.' ? file : `${this.context}/${file}`);
    const custom = this.runtime === Runtime.CUSTOM;
    this.dockerfilePath = inContext(custom ? (options.dockerfile ?? 'Dockerfile').replace(/^\.\//, '') : 'Dockerfile');
    const facts = runtimeFacts(this.runtime);
    const version = (facts?.version && options[facts.version.option]) ?? facts?.version?.default ?? '';
    this.baseImage = options.baseImage ?? facts?.baseImage?.(version) ?? '';
    this.buildImage = facts?.buildImage ? options.buildImage ?? facts.buildImage(version) : undefined;
    this.command = [...(options.command ?? facts?.defaultCommand ?? [])];
    this.title = options.title ?? this.serviceName;
    this.description = options.description ?? `${this.title} service`;

    addValidation(project, () => this.validate(options));
    if (custom) {
      describeFile(project, {
        path: this.dockerfilePath,
        owner: FileOwner.YOURS,
        purpose: `Your Dockerfile for ${this.serviceName} (Runtime.CUSTOM): built, scanned, signed and pushed by the generated workflow.`,
        change: 'Edit it directly; synth never writes it (nor a .dockerignore next to it).',
      });
      return;
    }
    if (!facts?.templates) {
      return; // reported by validate(); nothing sensible to render
    }
    const templates = facts.templates;

    new TemplateFile(project, this.dockerfilePath, `${templates}/Dockerfile.hbs`, () => this.renderContext());
    describeFile(project, {
      path: this.dockerfilePath,
      owner: FileOwner.MANAGED,
      purpose: `Multi-stage ${this.runtime} image: non-root user ${this.uid}, port ${this.port}, health check on ${this.healthPath}.`,
      change: 'Set the ContainerImage options (port, healthPath, the runtime version, baseImage, uid, command, buildStage, runtimeStage, buildArgs) in .projenrc.ts.',
    });
    for (const managed of facts.managed ?? []) {
      const file = inContext(managed.replace(/\.hbs$/, ''));
      new TemplateFile(project, file, `${templates}/${managed}`, () => this.renderContext());
      describeFile(project, {
        path: file,
        owner: FileOwner.MANAGED,
        purpose: `Configuration the ${this.runtime} image is built with (port ${this.port}, health check on ${this.healthPath}).`,
        change: 'Set the ContainerImage options (port, healthPath) in .projenrc.ts, or hand the file over (`handOver`) to write it yourself.',
      });
    }

    this.dockerignore = new IgnoreFile(project, inContext('.dockerignore'));
    for (const line of readTemplate(`${templates}/.dockerignore`).split('\n')) {
      if (line.startsWith('!')) this.dockerignore.include(line.slice(1));
      else if (line.trim() && !line.startsWith('#')) this.dockerignore.exclude(line.trim());
    }
    describeFile(project, {
      path: inContext('.dockerignore'),
      owner: FileOwner.MANAGED,
      purpose: 'Keeps the build context small and free of secrets and tooling state.',
      change: `In .projenrc.ts: \`ContainerImage.all(project).find((i) => i.serviceName === ${JSON.stringify(this.serviceName)})?.dockerignore?.exclude(...)\`.`,
    });

    if (options.sampleCode ?? true) {
      // The root package.json is the repository's tooling; a Node.js service in a folder of
      // its own gets its own package files.
      const samples = this.context !== '.' ? [...facts.samples, ...(facts.folderSamples ?? [])] : facts.samples;
      for (const sample of samples) {
        const template = `${templates}/${sample}`;
        const contents = sample.endsWith('.hbs')
          ? () => renderTemplate(template, { ...facts.variant, module: this.serviceName, title: this.title, healthPath: this.healthPath })
          : () => readTemplate(template);
        seedFile(project, inContext(sample.replace(/\.hbs$/, '')), contents,
          `Part of a minimal ${this.runtime} service that answers on ${this.healthPath}, so the image runs from day one.`);
      }
    }
  }

  preSynthesize() {
    // A service at the root must not ship the services in folders of their own.
    if (this.context !== '.') return;
    for (const other of ContainerImage.all(this.project)) {
      if (other !== this && other.context !== '.') this.dockerignore?.exclude(other.context);
    }
  }

  /** The full image reference without tag, or `undefined` when derived from the GitHub repository at run time. */
  public get imageReference(): string | undefined {
    return this.imageName ? `${this.registry}/${this.imageName}` : undefined;
  }

  private renderContext() {
    const facts = runtimeFacts(this.runtime)!;
    const { buildStage, runtimeStage, buildArgs } = this.options;
    return {
      ...facts.variant,
      // Appended to a template line: empty, or a newline and the lines.
      globalArgs: appended(globalArgLines(buildArgs)),
      // Without a build image the first stage uses the base image, and its user; a base image
      // that switches to its own user (nginx) needs root back for packages and instructions.
      buildSetup: appended([
        ...stageSetupLines(buildStage, installerFor(this.buildImage ?? this.baseImage), buildArgs,
          !this.buildImage && facts.runtimeUserIsRoot === false),
        ...(buildStage?.instructions ?? []),
      ]),
      runtimeSetup: appended(stageSetupLines(runtimeStage, installerFor(this.baseImage), buildArgs, facts.runtimeUserIsRoot === false)),
      runtimeInstructions: appended(runtimeStage?.instructions ?? []),
      dockerfileSyntax: DOCKERFILE_SYNTAX,
      baseImage: this.baseImage,
      buildImage: this.buildImage,
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
    const facts = runtimeFacts(this.runtime);
    if (!facts) {
      report('runtime', `must be one of ${runtimeNames().map((r) => `'${r}'`).join(', ')}, got ${JSON.stringify(this.runtime)}; try Runtime.NODE`);
    }
    let versionOk = true;
    for (const name of VERSION_OPTIONS) {
      const value = options[name];
      if (value === undefined || !facts) continue;
      if (facts.version?.option !== name) {
        report(name, `applies to another runtime than '${this.runtime}', got ${JSON.stringify(value)}; remove it${facts.version ? `, or set ${facts.version.option} instead` : ''}`);
        continue;
      }
      const problem = facts.version.check(value);
      versionOk = !problem;
      report(name, problem);
    }
    if (options.buildImage !== undefined && facts && !facts.buildImage) {
      report('buildImage', `applies to compiled runtimes (go, java-maven, java-gradle) only, got ${JSON.stringify(options.buildImage)} for '${this.runtime}'; remove it`);
    } else if (this.buildImage !== undefined && (options.buildImage !== undefined || versionOk)) {
      report('buildImage', checkImageReference(this.buildImage));
    }
    if (this.runtime === Runtime.CUSTOM) {
      const presetOnly = (['baseImage', 'buildImage', 'command', 'buildStage', 'runtimeStage', 'buildArgs', 'uid'] as const).filter((o) => options[o] !== undefined);
      for (const option of presetOnly) {
        report(option, `shapes the Dockerfile of a preset; with Runtime.CUSTOM your own ${this.dockerfilePath} decides, got ${JSON.stringify(options[option])}; remove it`);
      }
      const file = options.dockerfile ?? 'Dockerfile';
      if (typeof file !== 'string' || !file || path.isAbsolute(file) || path.normalize(file).startsWith('..')) {
        report('dockerfile', `must be a path inside the service's folder, got ${JSON.stringify(options.dockerfile)}; try 'Dockerfile' or 'docker/Dockerfile'`);
      }
    } else if (options.dockerfile !== undefined) {
      report('dockerfile', `applies to Runtime.CUSTOM only (presets write their own Dockerfile), got ${JSON.stringify(options.dockerfile)}; remove it, or set runtime: Runtime.CUSTOM`);
    }
    if (facts?.needsFolder && this.context === '.') {
      report('runtime', `'${this.runtime}' needs the service in a folder of its own (the root package.json is the repository's tooling, installed with npm), got it at the root; use Runtime.NODE here and add the service with addService() or services`);
    }
    report('port', checkPort(this.port));
    report('healthPath', checkHealthPath(this.healthPath));
    report('registry', checkRegistry(this.registry));
    if (this.imageName !== undefined) report('imageName', checkImageName(this.imageName));
    if (facts?.baseImage && (options.baseImage !== undefined || versionOk)) {
      report('baseImage', checkImageReference(this.baseImage));
    }
    report('uid', checkUid(this.uid));
    problems.push(...checkBuildArgs(options.buildArgs));
    if (facts) {
      problems.push(...checkStage('buildStage', options.buildStage, installerFor(this.buildImage ?? this.baseImage), false));
      problems.push(...checkStage('runtimeStage', options.runtimeStage, installerFor(this.baseImage), true));
    }
    report('serviceName', checkProjectName(this.serviceName));
    if (this.context !== '.' && (path.isAbsolute(this.context) || path.normalize(this.context) !== this.context || this.context.startsWith('..'))) {
      report('path', `must be a folder inside the repository, relative and normalized, got ${JSON.stringify(options.path)}; try 'services/${this.serviceName}'`);
    }
    // The second of two services with one name or folder reports it.
    const all = ContainerImage.all(this.project);
    const index = all.indexOf(this);
    if (all.findIndex((o) => o.serviceName === this.serviceName) < index) {
      report('serviceName', `must be unique, got '${this.serviceName}' twice; give each service its own name`);
    }
    if (all.findIndex((o) => o.context === this.context) < index) {
      report('path', `must be unique, got '${this.context}' twice; give each service its own folder`);
    }
    if (facts && this.runtime !== Runtime.CUSTOM && (this.command.length === 0 || this.command.some((part) => typeof part !== 'string' || part.length === 0))) {
      report('command', `must be a non-empty list of non-empty strings (exec form), got ${JSON.stringify(options.command)}; try ["node", "src/server.js"]`);
    }
    return problems;
  }
}
