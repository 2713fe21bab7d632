import { show } from '../core/checks';
import { Problem } from '../core/validation';

/** Additions to one stage of a preset's Dockerfile. */
export interface DockerfileStageOptions {
  /**
   * OS packages to install, with an optional pinned version (`curl`, `libpq5=15.8-0+deb12u1`).
   * Installed with the base image's package manager (apt on the Debian-based images, apk on
   * Alpine), early in the stage so a code change does not reinstall them. Pin versions to
   * keep builds repeatable (dockerlinter's ER0012 flags unpinned apt packages).
   * @default - none
   */
  readonly osPackages?: string[];

  /**
   * Environment variables set in the stage (`ENV`). Not for secrets: they end up in the
   * image's history.
   * @default - none
   */
  readonly env?: { [name: string]: string };

  /**
   * Further Dockerfile instructions, one per entry (`RUN mkdir -p /data`,
   * `COPY config/ /etc/app/`): a keyword followed by whitespace, no control or line-separator
   * character except a line break right after `\` (a continued line keeps its trailing `\`). `FROM` is not
   * allowed, nor, in the runtime stage, `USER`, `CMD`, `ENTRYPOINT`, `HEALTHCHECK` and
   * `EXPOSE`: options own those (uid, command, healthPath, port).
   * @default - none
   */
  readonly instructions?: string[];
}

/** How a base image installs OS packages (internal). */
export type PackageInstaller = 'apt' | 'apk';

/**
 * How an image installs OS packages, judged by its reference: none (and no shell) for
 * distroless and scratch images, apk for Alpine, apt for the rest (the Debian and Ubuntu
 * based official images).
 */
export function installerFor(image: string | undefined): PackageInstaller | undefined {
  if (!image || /distroless|(^|\/)scratch(:|@|$)|chainguard|\/static:/.test(image)) return undefined;
  return /alpine/.test(image) ? 'apk' : 'apt';
}

const KEYWORDS = ['ADD', 'ARG', 'COPY', 'ENV', 'LABEL', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'VOLUME', 'WORKDIR'];
const OWNED: Record<string, string> = {
  USER: 'uid',
  CMD: 'command',
  ENTRYPOINT: 'command',
  HEALTHCHECK: 'healthPath',
  EXPOSE: 'port',
};
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PACKAGE = /^[a-z0-9][a-z0-9+._-]*(=[A-Za-z0-9.+~:_-]+)?$/;

/** Checks one stage's additions; `option` names it in messages (`runtimeStage`). */
export function checkStage(
  option: string,
  stage: DockerfileStageOptions | undefined,
  installer: PackageInstaller | undefined,
  runtime: boolean,
): Problem[] {
  if (!stage) return [];
  const problems: Problem[] = [];
  const report = (field: string, message: string) => problems.push({ option: `${option}.${field}`, message });
  const packages = stage.osPackages ?? [];
  if (packages.length > 0 && !installer) {
    report('osPackages', `the image of this stage has no package manager (distroless), got ${show(packages)}; install them in buildStage and COPY what you need, or set an image with apt or apk (baseImage)`);
  }
  for (const name of packages) {
    if (!PACKAGE.test(name)) report('osPackages', `must be package names with an optional '=version', got ${show(name)}; try 'curl' or 'curl=7.88.1-10+deb12u8'`);
  }
  for (const [name, value] of Object.entries(stage.env ?? {})) {
    if (!ENV_NAME.test(name)) report('env', `names must be letters, digits and '_', not starting with a digit, got ${show(name)}; try '${name.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(\d)/, '_$1')}'`);
    if (!singleLine(value)) report('env', `values must be one line without control characters, got ${show(value)} for ${name}; put multi-line content in a file and COPY it`);
  }
  const allowed = runtime ? KEYWORDS : [...KEYWORDS, 'USER'];
  for (const instruction of stage.instructions ?? []) {
    // The keyword ends at whitespace: `RUN'x` is not a RUN instruction.
    const keyword = /^\s*([A-Za-z]+)(?:\s|$)/.exec(String(instruction))?.[1]?.toUpperCase();
    if (keyword === 'FROM') {
      report('instructions', `cannot start a stage, got ${show(instruction)}; the preset owns the stages (use Runtime.CUSTOM with your own Dockerfile for other layouts)`);
    } else if (keyword === 'RUN' && !installer && !/^\s*RUN\s+(--\S+\s+)*\[/i.test(instruction)) {
      report('instructions', `the image of this stage has no shell (distroless), got ${show(instruction)}; do it in buildStage and COPY the result, or use the exec form RUN ["..."]`);
    } else if (runtime && keyword && OWNED[keyword]) {
      report('instructions', `${keyword} is set by the '${OWNED[keyword]}' option, got ${show(instruction)}; set ${OWNED[keyword]} instead`);
    } else if (!keyword || !allowed.includes(keyword)) {
      report('instructions', `must each be one Dockerfile instruction (${allowed.join(', ')}), got ${show(instruction)}; e.g. 'RUN mkdir -p /data'`);
    } else if (/[\p{Cc}\p{Zl}\p{Zp}]/u.test(instruction.replace(/\\\n/g, '').replace(/\t/g, ' '))) {
      report('instructions', `must be one instruction per entry (a line break only after '\\', no other control or line-separator character), got ${show(instruction)}; split it into entries`);
    } else if (/\\\s*$/.test(instruction) || /\\\n\s*(\n|$)/.test(instruction)) {
      // A dangling continuation would swallow the preset's next line (USER, in the runtime stage).
      report('instructions', `must not end with a line continuation ('\\'), got ${show(instruction)}; remove the trailing '\\'`);
    }
  }
  return problems;
}

/** The build args every preset declares itself: the images, their digests, the OCI labels' values. */
const PRESET_ARGS = ['BASE_IMAGE', 'BASE_IMAGE_SHA256', 'BUILD_IMAGE', 'BUILD_IMAGE_SHA256', 'OCI_SOURCE', 'OCI_REVISION'];

/** How a Dockerfile takes one of its images from a build arg (`BASE_IMAGE`, `BUILD_IMAGE`). */
export interface ImageArg {
  /** The reference without its digest: the arg's default. */
  readonly ref: string;
  /** Appended to the arg's line: empty, or a newline and `ARG <NAME>_SHA256="<64 hex>"`. */
  readonly digestArg: string;
  /** What `FROM` names: `${NAME}`, or `${NAME}@sha256:${NAME_SHA256}` once pinned. */
  readonly from: string;
}

const PINNED = /^(.+)@sha256:([0-9a-f]{64})$/;

/**
 * The build arg `name` of an image `reference` (`tag`, or `tag@sha256:<digest>` once pinned).
 * A pinned image gets its digest in an arg of its own, written into the FROM line itself as
 * `FROM ${NAME}@sha256:${NAME_SHA256}`: OpenSSF Scorecard's Pinned-Dependencies does not resolve
 * ARG values, and takes a FROM as pinned only when its name matches `.*@sha256:([a-f\d]{64}|\${.*})`
 * (ossf/scorecard v5.2.1, checks/raw/pinned_dependencies.go). Both args stay overridable
 * (`--build-arg`), so a mirror serving the same digest, or another image with its own digest, still builds.
 */
export function imageArg(name: string, reference: string): ImageArg {
  const pinned = PINNED.exec(reference);
  if (!pinned) return { ref: reference, digestArg: '', from: `\${${name}}` };
  return { ref: pinned[1], digestArg: `\nARG ${name}_SHA256=${quote(pinned[2])}`, from: `\${${name}}@sha256:\${${name}_SHA256}` };
}

/** Checks build argument names; values may be any single-line string. */
export function checkBuildArgs(args: { [name: string]: string } | undefined): Problem[] {
  return Object.entries(args ?? {}).flatMap(([name, value]) => {
    if (!ENV_NAME.test(name)) {
      return [{ option: 'buildArgs', message: `names must be letters, digits and '_', not starting with a digit, got ${show(name)}; try '${name.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(\d)/, '_$1')}'` }];
    }
    if (PRESET_ARGS.includes(name)) return [{ option: 'buildArgs', message: `${name} is set by the preset, got it in buildArgs; use the baseImage or buildImage option` }];
    if (!singleLine(value)) {
      return [{ option: 'buildArgs', message: `values must be one line without control characters, got ${show(value)} for ${name}; put multi-line content in a file and COPY it` }];
    }
    return [];
  });
}

/** One line of text: no control or line-separator characters (a Dockerfile line stays one line). */
const singleLine = (value: unknown) => typeof value === 'string' && !/[\p{Cc}\p{Zl}\p{Zp}]/u.test(value);

/**
 * A Dockerfile double-quoted value: `"` and `\` escaped; `$NAME` is left for the Dockerfile
 * to expand (a documented feature of env and build arg values). Values are single lines.
 */
const quote = (value: string) => JSON.stringify(value);

/** `ARG NAME="default"` lines before the first `FROM`. */
export function globalArgLines(args: { [name: string]: string } | undefined): string[] {
  return Object.entries(args ?? {}).map(([name, value]) => `ARG ${name}=${quote(value)}`);
}

/**
 * The start of a stage: build args brought into scope, OS packages, environment. `asRoot`
 * switches to root first when there are packages or instructions, for base images that
 * default to another user.
 */
export function stageSetupLines(
  stage: DockerfileStageOptions | undefined,
  installer: PackageInstaller | undefined,
  args: { [name: string]: string } | undefined,
  asRoot = false,
): string[] {
  const lines = Object.keys(args ?? {}).map((name) => `ARG ${name}`);
  const packages = stage?.osPackages ?? [];
  // Packages and instructions run as root (the stage's USER comes after them).
  if (asRoot && (packages.length > 0 || (stage?.instructions ?? []).length > 0)) lines.push('USER root');
  if (packages.length > 0) {
    lines.push(installer === 'apk'
      ? `RUN apk add --no-cache ${packages.join(' ')}`
      : [
        'RUN apt-get update \\',
        ` && apt-get install -y --no-install-recommends ${packages.join(' ')} \\`,
        ' && rm -rf /var/lib/apt/lists/*',
      ].join('\n'));
  }
  const env = Object.entries(stage?.env ?? {});
  if (env.length > 0) lines.push(`ENV ${env.map(([name, value]) => `${name}=${quote(value)}`).join(' \\\n    ')}`);
  return lines;
}

/** Lines appended to a template line: empty, or a newline and the lines. */
export function appended(lines: string[]): string {
  return lines.length > 0 ? `\n${lines.join('\n')}` : '';
}
