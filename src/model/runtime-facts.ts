import { Runtime } from './runtime';
import { checkNodeVersion } from '../core/checks';

/* Facts about each runtime that several components need: internal, not part of the API. */

/** A CodeQL language and how it is built for analysis. */
export interface CodeQlLanguage {
  readonly language: string;
  readonly buildMode: 'none' | 'autobuild';
}

/** The options that set a language version. */
export type VersionOption = 'nodeVersion' | 'pythonVersion' | 'goVersion' | 'javaVersion';

/** Facts about a runtime that several components need (internal). */
export interface RuntimeFacts {
  /** Folder under `templates/runtimes/` (none: the user's own Dockerfile). */
  readonly templates?: string;
  /** Flags the preset's templates branch on (e.g. the package manager). */
  readonly variant: Record<string, boolean>;
  /** CodeQL languages to analyze. */
  readonly codeql: CodeQlLanguage[];
  /** The container's command when none is given. */
  readonly defaultCommand: string[];
  /** Files seeded as the sample service (under the template folder; `.hbs` is rendered). */
  readonly samples: string[];
  /** Further samples for a service in a folder of its own (the root's package.json is the repository's tooling). */
  readonly folderSamples?: string[];
  /** Files rendered on every synth next to the Dockerfile (under the template folder, `.hbs`). */
  readonly managed?: string[];
  /** The Dependabot ecosystem of the service's dependencies (none: nothing to update). */
  readonly ecosystem?: string;
  /** The option that sets the language version, its default and its check. */
  readonly version?: { readonly option: VersionOption; readonly default: string; readonly check: (v: string) => string | undefined };
  /** The default image of the runtime stage. */
  readonly baseImage?: (version: string) => string;
  /** The default image of the build stage, for runtimes that compile. */
  readonly buildImage?: (version: string) => string;
  /** False when the runtime base image switches to a non-root user itself (root is needed to install packages). */
  readonly runtimeUserIsRoot?: boolean;
  /** The preset needs a folder of its own (not the repository root). */
  readonly needsFolder?: boolean;
  /**
   * The image build installs npm packages (or may, in the user's own Dockerfile): with a private
   * npm registry it gets the `.npmrc` and the token as BuildKit secrets (`NPMRC_BUILD_SECRET`).
   */
  readonly npmBuildSecrets?: boolean;
}

/**
 * The BuildKit Dockerfile frontend of the presets' `# syntax=` line, pinned to a release
 * (moby/buildkit tag `dockerfile/<version>`) instead of the moving `docker/dockerfile:1`, so a
 * build does not change under a fixed Dockerfile. A tag, not a digest: no registry is
 * reachable where the digest would have to be read. Renovate (renovate.json) proposes new
 * releases with their notes.
 */
// renovate: datasource=docker depName=docker.io/docker/dockerfile versioning=docker
export const DOCKERFILE_SYNTAX = 'docker/dockerfile:1.26.0';

// renovate: datasource=docker depName=docker.io/library/node versioning=docker
const NODE_VERSION = { option: 'nodeVersion', default: '22', check: checkNodeVersion } as const;
const PYTHON_VERSION = {
  option: 'pythonVersion',
  // renovate: datasource=docker depName=docker.io/library/python versioning=docker
  default: '3.12',
  check: (v: string) => (/^3\.\d{1,2}$/.test(v) && Number(v.split('.')[1]) >= 9 ? undefined : `must be a Python 3 minor version of 3.9 or later (the python image tag), got '${v}'; try '3.12'`),
} as const;
const JAVA_VERSION = {
  option: 'javaVersion',
  // renovate: datasource=docker depName=docker.io/library/eclipse-temurin versioning=docker
  default: '21',
  check: (v: string) => (/^\d{2}$/.test(v) && Number(v) >= 17 ? undefined : `must be a Java feature release of 17 or later (the eclipse-temurin image tag), got '${v}'; try '21'`),
} as const;

const node = (packageManager: 'npm' | 'pnpm' | 'yarn'): RuntimeFacts => ({
  templates: 'runtimes/node',
  variant: { npm: packageManager === 'npm', pnpm: packageManager === 'pnpm', yarn: packageManager === 'yarn' },
  codeql: [{ language: 'javascript-typescript', buildMode: 'none' }],
  defaultCommand: ['node', 'src/server.js'],
  samples: ['src/server.js'],
  folderSamples: ['package.json.hbs', { npm: 'package-lock.json.hbs', pnpm: 'pnpm-lock.yaml', yarn: 'yarn.lock' }[packageManager]],
  ecosystem: 'npm',
  version: packageManager === 'npm' ? NODE_VERSION : {
    ...NODE_VERSION,
    check: (v: string) => NODE_VERSION.check(v)
      ?? (parseInt(v, 10) >= 25 ? `must be 24 or earlier for ${packageManager} (Node.js 25 images no longer ship corepack), got '${v}'; try '24'` : undefined),
  },
  baseImage: (v) => `docker.io/library/node:${v}-trixie-slim`,
  needsFolder: packageManager !== 'npm',
  npmBuildSecrets: true,
});

const python = (pyproject: boolean): RuntimeFacts => ({
  templates: 'runtimes/python',
  variant: { pyproject },
  codeql: [{ language: 'python', buildMode: 'none' }],
  defaultCommand: ['python3', 'src/main.py'],
  samples: [pyproject ? 'pyproject.toml.hbs' : 'requirements.txt', 'src/main.py'],
  ecosystem: 'pip',
  version: pyproject
    ? { ...PYTHON_VERSION, check: (v: string) => PYTHON_VERSION.check(v) ?? (Number(v.split('.')[1]) < 11 ? `must be 3.11 or later for pyproject.toml (the image reads it with tomllib), got '${v}'; try '3.12'` : undefined) }
    : PYTHON_VERSION,
  baseImage: (v) => `docker.io/library/python:${v}-slim-trixie`,
});

const java = (tool: 'maven' | 'gradle'): RuntimeFacts => ({
  templates: 'runtimes/java',
  variant: { maven: tool === 'maven', gradle: tool === 'gradle' },
  codeql: [{ language: 'java-kotlin', buildMode: 'none' }],
  defaultCommand: ['java', '-jar', '/app/app.jar'],
  samples: tool === 'maven' ? ['pom.xml.hbs', 'src/main/java/app/Main.java'] : ['build.gradle', 'settings.gradle.hbs', 'src/main/java/app/Main.java'],
  ecosystem: tool,
  version: JAVA_VERSION,
  baseImage: (v) => `docker.io/library/eclipse-temurin:${v}-jre`,
  buildImage: tool === 'maven'
    // renovate: datasource=docker depName=docker.io/library/maven versioning=docker
    ? (v) => `docker.io/library/maven:3.9-eclipse-temurin-${v}`
    // renovate: datasource=docker depName=docker.io/library/gradle versioning=docker
    : (v) => `docker.io/library/gradle:9-jdk${v}`,
});

const FACTS: Record<Runtime, RuntimeFacts> = {
  [Runtime.NODE]: node('npm'),
  [Runtime.NODE_PNPM]: node('pnpm'),
  [Runtime.NODE_YARN]: node('yarn'),
  [Runtime.PYTHON]: python(false),
  [Runtime.PYTHON_PYPROJECT]: python(true),
  [Runtime.GO]: {
    templates: 'runtimes/go',
    variant: {},
    codeql: [{ language: 'go', buildMode: 'autobuild' }],
    defaultCommand: ['/app/server'],
    samples: ['go.mod.hbs', 'go.sum', 'main.go'],
    ecosystem: 'gomod',
    version: {
      option: 'goVersion',
      // renovate: datasource=docker depName=docker.io/library/golang versioning=docker
      default: '1.27',
      check: (v) => (/^1\.\d{2}(\.\d+)?$/.test(v) ? undefined : `must be a Go version like '1.27' (the golang image tag), got '${v}'; try '1.27'`),
    },
    baseImage: () => 'gcr.io/distroless/static-debian13:nonroot',
    buildImage: (v) => `docker.io/library/golang:${v}-trixie`,
  },
  [Runtime.JAVA_MAVEN]: java('maven'),
  [Runtime.JAVA_GRADLE]: java('gradle'),
  [Runtime.STATIC]: {
    templates: 'runtimes/static',
    variant: {},
    codeql: [],
    defaultCommand: ['nginx', '-g', 'daemon off;'],
    samples: ['public/index.html.hbs'],
    managed: ['nginx.conf.hbs'],
    // renovate: datasource=docker depName=docker.io/nginxinc/nginx-unprivileged versioning=docker
    baseImage: () => 'docker.io/nginxinc/nginx-unprivileged:1.30-alpine',
    runtimeUserIsRoot: false,
  },
  [Runtime.CUSTOM]: {
    variant: {},
    codeql: [],
    defaultCommand: [],
    samples: [],
    // The Dockerfile is the user's own, so Dependabot may update its base images.
    ecosystem: 'docker',
    npmBuildSecrets: true,
  },
};

/** Facts about a runtime, or `undefined` for a value that is not a `Runtime`. */
export function runtimeFacts(runtime: Runtime): RuntimeFacts | undefined {
  // Own properties only: `runtime: 'toString'` must not find Object.prototype's.
  return Object.prototype.hasOwnProperty.call(FACTS, runtime) ? FACTS[runtime] : undefined;
}

/** Every runtime's wire value, for error messages. */
export function runtimeNames(): string[] {
  return Object.values(Runtime);
}

/** The options that set a language version, for checks. */
export const VERSION_OPTIONS: VersionOption[] = ['nodeVersion', 'pythonVersion', 'goVersion', 'javaVersion'];
