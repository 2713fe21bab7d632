import { IgnoreFile, Project } from 'projen';
import {
  appended,
  checkBuildArgs,
  checkStage,
  DockerfileStageOptions,
  globalArgLines,
  imageArg,
  installerFor,
  stageSetupLines,
} from './dockerfile-stage';
import {
  checkHealthPath,
  checkImageName,
  checkOciRepositoryPath,
  checkImageReference,
  checkPort,
  checkProjectName,
  checkRegistry,
  checkServiceName,
  checkServicePath,
  checkText,
  checkUid,
  show,
} from '../core/checks';
import { describeFile, FileOwner } from '../core/file-catalog';
import { seedFile } from '../core/sync';
import { TemplateFile } from '../core/template-file';
import { readTemplate, renderTemplate } from '../core/templates';
import { Problem, addValidation } from '../core/validation';
import { BaseImageLock } from '../model/base-images';
import { githubContainerRegistryOf } from '../model/registry';
import { checkRepository as checkRepositoryGrammar, derivedImagePath, mirrored, NPMRC_BUILD_SECRET, Repository } from '../model/repository';
import { Runtime } from '../model/runtime';
import { DOCKERFILE_SYNTAX, runtimeFacts, runtimeNames, VERSION_OPTIONS } from '../model/runtime-facts';
import { imagePathService, Service, servicesOf } from '../model/service';
import { serviceManifestsOf } from '../model/service-manifests';
import { OPTION_DEFAULTS } from '../model/template-defaults';

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
   * The Dockerfile of `Runtime.CUSTOM`, relative to the service's folder (the grammar of
   * `path`). It is yours: synth never writes it (nor a `.dockerignore`), the build workflow builds it.
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
   * The HTTP path that answers 2xx or 3xx while the service is healthy: `/` then letters,
   * digits and `. _ ~ % + , = : @ / -` (RFC 3986 path characters without those a shell,
   * nginx or a Dockerfile reads specially); no query or fragment.
   * @default "/healthz"
   * @featured
   */
  readonly healthPath?: string;

  /**
   * The registry host images are pushed to: a DNS name, IPv4 address or `[IPv6]` address with
   * an optional port from 1 to 65535 (the domain of a distribution reference); no scheme, no path.
   * @default - GitHub's Container registry of the repository's server (`githubUrl`): `ghcr.io` on github.com, `containers.<sub>.ghe.com` on ghe.com, `containers.<host>` on GitHub Enterprise Server (which needs subdomain isolation for it)
   */
  readonly registry?: string;

  /**
   * The image repository name inside the registry, without registry or tag
   * (e.g. `acme/orders`): lowercase path components (`[a-z0-9]+` joined by `.`, `_`, `__` or
   * dashes) separated by `/`, at most 255 characters (the distribution reference grammar).
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
   * single build can still override it. Grammar: a full distribution reference
   * (`[host[:port]/]name[:tag][@sha256:digest]`, github.com/distribution/reference; port 1 to
   * 65535) with a tag other than `latest` or a digest.
   * @default - node: `docker.io/library/node:<nodeVersion>-trixie-slim`; python:
   * `docker.io/library/python:<pythonVersion>-slim-trixie`; go:
   * `gcr.io/distroless/static-debian13:nonroot`; java: `docker.io/library/eclipse-temurin:<javaVersion>-jre`;
   * static: `docker.io/nginxinc/nginx-unprivileged:1.30-alpine`
   */
  readonly baseImage?: string;

  /**
   * The image of the build stage of compiled runtimes (Go, Java), a pinned distribution
   * reference like `baseImage`; the default of the `BUILD_IMAGE` build arg.
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
   * (override one per build with `--build-arg NAME=value`). Names are `[A-Za-z_][A-Za-z0-9_]*`;
   * values are one line without control characters, written double-quoted (the Dockerfile
   * expands `$NAME` in them). Not for secrets: build args are kept in the image's history.
   * @default - none
   */
  readonly buildArgs?: { [name: string]: string };

  /**
   * The numeric, non-root user id the container runs as.
   * @default 10001
   */
  readonly uid?: number;

  /**
   * The container's command, exec form (written as a JSON array): non-empty strings without
   * control or line-separator characters.
   * @default - node: `["node", "src/server.js"]`; python: `["python3", "src/main.py"]`;
   * go: `["/app/server"]`; java: `["java", "-jar", "/app/app.jar"]`; static:
   * `["nginx", "-g", "daemon off;"]`
   */
  readonly command?: string[];

  /**
   * The `org.opencontainers.image.title` label (and the static sample's page title): one line
   * of at most 128 printable characters without `<`, `>`, `` ` `` or `$`.
   * @default - the service name
   */
  readonly title?: string;

  /**
   * A sentence describing the service: the `org.opencontainers.image.description` label
   * (and, on a project, the README and package.json). One line of at most 512 printable
   * characters without `<`, `>`, `` ` `` or `$`.
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
   * The service's name, for its image name, job ids and the docs: what a GitHub Actions job id
   * and a DNS label (RFC 1123) both accept, `^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`.
   * @default - the project name
   */
  readonly serviceName?: string;

  /**
   * The service's folder, relative to the repository root: its build context, where its
   * Dockerfile, .dockerignore and sample live. Parts of `[A-Za-z0-9][A-Za-z0-9._-]*` separated
   * by `/` (no `..`, quotes, `$`, spaces or newlines), or `.`; not inside another service's folder.
   * @default "."
   */
  readonly path?: string;
}

/** A service name no other service has, from `name`. */
function uniqueName(name: string, all: ContainerImage[]): string {
  const base = checkServiceName(name) ? 'my-service' : name.slice(0, 59).replace(/-+$/, '');
  for (let i = 2; ; i++) {
    const candidate = `${base}-${i}`;
    if (!all.some((o) => o.serviceName === candidate)) return candidate;
  }
}

/** A folder no other service uses, nor contains, nor is inside of, from `folder`. */
function uniquePath(folder: string, all: ContainerImage[]): string {
  const base = checkServicePath(folder) ? 'services/my-service' : folder.slice(0, 190);
  const free = (f: string) => !all.some((o) => o.context !== '.' && (o.context === f || f.startsWith(`${o.context}/`) || o.context.startsWith(`${f}/`)));
  if (free(base)) return base;
  for (let i = 2; ; i++) {
    if (free(`${base}-${i}`)) return `${base}-${i}`;
  }
}

/**
 * The container image of the service at the repository root: a multi-stage Dockerfile and a
 * `.dockerignore` for the runtime, and the typed facts (port, health path, registry, image
 * name) that the build workflow and the docs read from it.
 */
export class ContainerImage extends Service {
  /** The project's main container image: the one at the root, else the first added, if any. */
  public static of(project: Project): ContainerImage | undefined {
    return ContainerImage.all(project)[0];
  }

  /**
   * Every container image of the project: the one at the root first (whenever it was added),
   * then the services in the order they were added.
   */
  public static all(project: Project): ContainerImage[] {
    return servicesOf(project).filter((s): s is ContainerImage => s instanceof ContainerImage);
  }

  /** The runtime preset. */
  public readonly runtime: Runtime;
  /** The port the service listens on. */
  public readonly port: number;
  /** The health check path. */
  public readonly healthPath: string;
  /** The configured image repository name, or `undefined` for the GitHub repository's. */
  public readonly imageName?: string;
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
  /** Another service this one collides with (then it writes no file: the problem is reported). */
  private readonly collision?: string;
  private readonly description: string;
  private readonly options: ContainerImageOptions;
  private readonly version: string;

  /**
   * The registry host: `registry`, or GitHub's Container registry of the repository's server
   * (read late: the `Repository` may be added after this image). Empty on a GitHub Enterprise
   * Server without one (an IP address), where `registry` is asked for.
   */
  public get registry(): string {
    return this.options.registry ?? githubContainerRegistryOf(Repository.factsOf(this.project).githubUrl) ?? '';
  }

  /**
   * The base image of the runtime stage: `baseImage`, or the runtime's default through the
   * repository's `baseImageMirror`.
   */
  public get baseImage(): string {
    const preset = runtimeFacts(this.runtime)?.baseImage?.(this.version);
    return this.options.baseImage ?? (preset === undefined ? '' : mirrored(preset, Repository.factsOf(this.project).baseImageMirror));
  }

  /** The build stage image, for compiled runtimes (through the mirror like `baseImage`). */
  public get buildImage(): string | undefined {
    const preset = runtimeFacts(this.runtime)?.buildImage?.(this.version);
    if (preset === undefined) return undefined;
    return this.options.buildImage ?? mirrored(preset, Repository.factsOf(this.project).baseImageMirror);
  }

  constructor(project: Project, options: ContainerImageOptions = {}) {
    super(project);
    this.options = options;
    this.runtime = options.runtime ?? Runtime.NODE;
    this.port = options.port ?? OPTION_DEFAULTS.port;
    this.healthPath = options.healthPath ?? OPTION_DEFAULTS.healthPath;
    this.imageName = options.imageName;
    this.uid = options.uid ?? OPTION_DEFAULTS.uid;
    this.serviceName = options.serviceName ?? project.name;
    this.context = (options.path ?? '.').replace(/\/+$/, '') || '.';
    const inContext = (file: string) => (this.context === '.' ? file : `${this.context}/${file}`);
    const custom = this.runtime === Runtime.CUSTOM;
    this.dockerfilePath = inContext(custom ? (options.dockerfile ?? 'Dockerfile').replace(/^\.\//, '') : 'Dockerfile');
    const facts = runtimeFacts(this.runtime);
    const version = (facts?.version && options[facts.version.option]) ?? facts?.version?.default ?? '';
    this.version = version;
    this.command = [...(options.command ?? facts?.defaultCommand ?? [])];
    this.title = options.title ?? this.serviceName;
    this.description = options.description ?? `${this.title} service`;

    addValidation(project, () => this.validate(options));
    // Two services writing one file would stop synth in projen with a raw error: report it as
    // an option problem instead, and write nothing for the second one.
    const earlier = ContainerImage.all(project).filter((o) => o !== this);
    const sameFolder = earlier.find((o) => o.context === this.context);
    const sameFile = !custom && project.tryFindFile(this.dockerfilePath) !== undefined;
    if (sameFolder) {
      this.collision = `the folder of service '${sameFolder.serviceName}'`;
    } else if (sameFile) {
      this.collision = `a file written by another component (${this.dockerfilePath})`;
    }
    if (this.collision) return;
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
    // The lock lists every tag the Dockerfiles build from (written before any Dockerfile renders).
    const lock = BaseImageLock.of(this.project);
    for (const ref of [this.baseImage, this.buildImage]) if (ref) lock?.use(ref);
    // The build gets the private registry's .npmrc as a secret: the file itself stays out of the image.
    if (Repository.factsOf(this.project).npmRegistry && runtimeFacts(this.runtime)?.npmBuildSecrets) this.dockerignore?.exclude('.npmrc');
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

  /** The reference pinned by the base image lock (registered so the lock lists it). */
  private lockedRef(ref: string): string {
    const lock = BaseImageLock.of(this.project);
    if (!lock) return ref;
    lock.use(ref);
    return lock.pinned(ref);
  }

  private renderContext() {
    const facts = runtimeFacts(this.runtime)!;
    const { buildStage, runtimeStage, buildArgs } = this.options;
    // From the lock of the automation tier: tag@digest once it has the digest, the tag until then.
    const base = imageArg('BASE_IMAGE', this.lockedRef(this.baseImage));
    const build = this.buildImage === undefined ? undefined : imageArg('BUILD_IMAGE', this.lockedRef(this.buildImage));
    const pinned = [base, build].some((arg) => arg?.digestArg);
    const npm = Repository.factsOf(this.project).npmRegistry;
    return {
      ...facts.variant,
      // The install step mounts the private registry's .npmrc and token (BuildKit secrets).
      npmSecrets: npm && facts.npmBuildSecrets ? { npmrc: NPMRC_BUILD_SECRET, token: npm.tokenVariable } : undefined,
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
      // Appended to the header: how an override works once the images are pinned.
      pinNote: pinned ? '\n# Each FROM pulls its image by the digest in the _SHA256 arg next to it: override both to build from another image.' : '',
      baseImage: base.ref,
      baseDigestArg: base.digestArg,
      baseFrom: base.from,
      buildImage: build?.ref,
      buildDigestArg: build?.digestArg ?? '',
      buildFrom: build?.from,
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
      report('runtime', `must be one of ${runtimeNames().map((r) => `'${r}'`).join(', ')}, got ${show(this.runtime)}; try Runtime.NODE`);
    }
    let versionOk = true;
    for (const name of VERSION_OPTIONS) {
      const value = options[name];
      if (value === undefined || !facts) continue;
      if (facts.version?.option !== name) {
        report(name, `applies to another runtime than '${this.runtime}', got ${show(value)}; remove it${facts.version ? `, or set ${facts.version.option} instead` : ''}`);
        continue;
      }
      const problem = facts.version.check(value);
      versionOk = !problem;
      report(name, problem);
    }
    if (options.buildImage !== undefined && facts && !facts.buildImage) {
      report('buildImage', `applies to compiled runtimes (go, java-maven, java-gradle) only, got ${show(options.buildImage)} for '${this.runtime}'; remove it`);
    } else if (this.buildImage !== undefined && (options.buildImage !== undefined || versionOk)) {
      report('buildImage', checkImageReference(this.buildImage, facts?.buildImage?.(facts.version?.default ?? '')));
    }
    if (this.runtime === Runtime.CUSTOM) {
      const presetOnly = (['baseImage', 'buildImage', 'command', 'buildStage', 'runtimeStage', 'buildArgs', 'uid'] as const).filter((o) => options[o] !== undefined);
      for (const option of presetOnly) {
        report(option, `shapes the Dockerfile of a preset; with Runtime.CUSTOM your own ${this.dockerfilePath} decides, got ${show(options[option])}; remove it`);
      }
      const file = options.dockerfile ?? 'Dockerfile';
      if (typeof file !== 'string' || file === '.' || checkServicePath(file.replace(/^\.\//, ''))) {
        report('dockerfile', `must be a file inside the service's folder (parts of letters, digits, '.', '_', '-' separated by '/'), got ${show(options.dockerfile)}; try 'Dockerfile'`);
      }
    } else if (options.dockerfile !== undefined) {
      report('dockerfile', `applies to Runtime.CUSTOM only (presets write their own Dockerfile), got ${show(options.dockerfile)}; remove it, or set runtime: Runtime.CUSTOM`);
    }
    if (facts?.needsFolder && this.context === '.') {
      report('runtime', `'${this.runtime}' needs the service in a folder of its own (the root package.json is the repository's tooling, installed with npm), got it at the root; use Runtime.NODE here and add the service with addService() or services`);
    }
    report('port', checkPort(this.port));
    report('healthPath', checkHealthPath(this.healthPath));
    if (options.registry === undefined && this.registry === '') {
      const { githubUrl } = Repository.factsOf(this.project);
      report('registry', `is needed: the repository's server ${show(githubUrl)} (githubUrl) has no Container registry (GitHub Enterprise Server has one only with subdomain isolation, which needs a host name, not an IP address), got none; set githubUrl to the server's host name, or registry: 'registry.example.com' (a registry the workflow logs in to with the secrets REGISTRY_USERNAME and REGISTRY_PASSWORD)`);
    } else {
      report('registry', checkRegistry(this.registry));
    }
    if (this.imageName !== undefined) report('imageName', checkImageName(this.imageName));
    const repository = Repository.factsOf(this.project).repository;
    if (this.imageName === undefined && repository !== undefined && !checkRepositoryGrammar(repository)) {
      // Without imageName the image is named after the repository: `acme/.github` names an image no registry accepts.
      const derived = derivedImagePath(repository, imagePathService(this));
      const problem = checkOciRepositoryPath(derived);
      if (problem) {
        const fix = problem.replace(/^.*; try '(.*)'$/, '$1');
        report('imageName', `is needed: the image name derived from repository ${show(repository)} is ${show(derived)}, which is not an OCI repository path (lowercase letters and digits joined by '.', '_', '__' or '-', in parts separated by '/'); set imageName; try '${fix}'`);
      }
    }
    if (facts?.baseImage && (options.baseImage !== undefined || versionOk)) {
      report('baseImage', checkImageReference(this.baseImage, facts.baseImage(facts.version?.default ?? '')));
    }
    report('uid', checkUid(this.uid));
    problems.push(...checkBuildArgs(options.buildArgs));
    if (facts) {
      problems.push(...checkStage('buildStage', options.buildStage, installerFor(this.buildImage ?? this.baseImage), false));
      problems.push(...checkStage('runtimeStage', options.runtimeStage, installerFor(this.baseImage), true));
    }
    // Unset, they follow the service name, checked below.
    if (options.title !== undefined) report('title', checkText(this.title, 128));
    if (options.description !== undefined) report('description', checkText(this.description, 512));
    const all = ContainerImage.all(this.project);
    // Unset, it is the project name, whose grammar is wider: it matters once it names jobs, or
    // the Kubernetes objects of a chart (the one place the name's grammar is checked).
    const deployed = serviceManifestsOf(this.project).some((m) => m.image === this);
    // Unset, and the project name is refused by its own grammar: that is the one problem (\`name\`).
    const derivedFromBadName = options.serviceName === undefined && checkProjectName(this.project.name) !== undefined;
    if (!derivedFromBadName && (options.serviceName !== undefined || all.length > 1 || deployed)) {
      const problem = checkServiceName(this.serviceName);
      if (problem && options.serviceName === undefined && all.length > 1) {
        report('serviceName', problem.replace(/, got .*?; try /, `, got ${show(this.serviceName)} (its default, the project name, names jobs in a repository of several services: set serviceName); try `));
      } else {
        // The only service, named after the project: the project's `name` is what to change.
        report(options.serviceName === undefined ? 'name' : 'serviceName', problem);
      }
    }
    const pathProblem = checkServicePath(this.context);
    if (pathProblem) {
      report('path', pathProblem.replace(/, got .*?;/, `, got ${show(options.path)};`));
    }
    const index = all.indexOf(this);
    const sameName = all.find((o, i) => i < index && o.serviceName === this.serviceName);
    if (sameName) {
      report('serviceName', `must be unique, got ${show(this.serviceName)} twice; try '${uniqueName(this.serviceName, all)}'`);
    }
    // The folder named after a name another service has is that name's problem (its fix moves the folder too).
    const namesake = sameName !== undefined && sameName.context === this.context && this.context === `services/${this.serviceName}`;
    if (this.collision && !namesake) {
      const root = this.context === '.' ? " ('.' is the repository root, the top-level service's folder)" : '';
      report('path', `must be a folder no other service uses, got ${show(this.context)}, ${this.collision}${root}; try '${uniquePath(`services/${this.serviceName}`, all)}'`);
    } else if (!pathProblem && this.context !== '.') {
      // An image ships its whole folder: a service inside another one would ship in both.
      const outer = all.find((o) => o !== this && o.context !== '.' && this.context.startsWith(`${o.context}/`));
      if (outer) {
        report('path', `must not be inside the folder of service '${outer.serviceName}' ('${outer.context}'), whose image would ship this service's source, got ${show(this.context)}; try '${uniquePath(this.context.replace(/\//g, '-'), all)}'`);
      }
    }
    if (facts && this.runtime !== Runtime.CUSTOM && (this.command.length === 0 || this.command.some((part) => typeof part !== 'string' || part.length === 0 || /[\p{Cc}\p{Zl}\p{Zp}]/u.test(part)))) {
      report('command', `must be a non-empty list of non-empty strings without control or line-separator characters (exec form), got ${show(options.command)}; try ${JSON.stringify(facts.defaultCommand)}`);
    }
    // An option taken from the top level (an inherited registry) is reported there, by the service that set it.
    return problems.filter((p) => !this._inherited.includes(p.option)).map((p) => ({ ...p, option: this._optionName(p.option) }));
  }
}
