import { PackageInstaller } from './dockerfile-stage';
import { Runtime } from './runtime';
import { checkNodeVersion } from '../core/checks';

/* Facts about each runtime that several components need: internal, not part of the API. */

/** A CodeQL language and how it is built for analysis. */
export interface CodeQlLanguage {
  readonly language: string;
  readonly buildMode: 'none' | 'autobuild';
}

/** Facts about a runtime that several components need (internal). */
export interface RuntimeFacts {
  /** Folder under `templates/runtimes/`. */
  readonly templates: string;
  /** CodeQL languages to analyze. */
  readonly codeql: CodeQlLanguage[];
  /** The container's command when none is given. */
  readonly defaultCommand: string[];
  /** Files seeded as the sample service (under the template folder; `.hbs` is rendered). */
  readonly samples: string[];
  /** The Dependabot ecosystem of the service's dependencies. */
  readonly ecosystem: string;
  /** The option that sets the language version, its default and its check. */
  readonly version: { readonly option: 'nodeVersion' | 'pythonVersion' | 'goVersion'; readonly default: string; readonly check: (v: string) => string | undefined };
  /** The default image of the runtime stage. */
  readonly baseImage: (version: string) => string;
  /** The default image of the build stage, for runtimes that compile. */
  readonly buildImage?: (version: string) => string;
  /** How the default images of the build and runtime stages install OS packages (none: distroless). */
  readonly installer: { readonly build?: PackageInstaller; readonly runtime?: PackageInstaller };
  /** False when the runtime base image switches to a non-root user itself (root is needed to install packages). */
  readonly runtimeUserIsRoot?: boolean;
}

const FACTS: Record<Runtime, RuntimeFacts> = {
  [Runtime.NODE]: {
    templates: 'runtimes/node',
    codeql: [{ language: 'javascript-typescript', buildMode: 'none' }],
    defaultCommand: ['node', 'src/server.js'],
    samples: ['src/server.js'],
    ecosystem: 'npm',
    version: { option: 'nodeVersion', default: '22', check: checkNodeVersion },
    baseImage: (v) => `docker.io/library/node:${v}-bookworm-slim`,
    installer: { build: 'apt', runtime: 'apt' },
  },
  [Runtime.PYTHON]: {
    templates: 'runtimes/python',
    codeql: [{ language: 'python', buildMode: 'none' }],
    defaultCommand: ['python3', 'src/main.py'],
    samples: ['requirements.txt', 'src/main.py'],
    ecosystem: 'pip',
    version: {
      option: 'pythonVersion',
      default: '3.12',
      check: (v) => (/^3\.\d{1,2}$/.test(v) && Number(v.split('.')[1]) >= 9 ? undefined : `must be a Python 3 minor version of 3.9 or later (the python image tag), got '${v}'; try '3.12'`),
    },
    baseImage: (v) => `docker.io/library/python:${v}-slim-bookworm`,
    installer: { build: 'apt', runtime: 'apt' },
  },
  [Runtime.GO]: {
    templates: 'runtimes/go',
    codeql: [{ language: 'go', buildMode: 'autobuild' }],
    defaultCommand: ['/app/server'],
    samples: ['go.mod.hbs', 'go.sum', 'main.go'],
    ecosystem: 'gomod',
    version: {
      option: 'goVersion',
      default: '1.23',
      check: (v) => (/^1\.\d{2}(\.\d+)?$/.test(v) ? undefined : `must be a Go version like '1.23' (the golang image tag), got '${v}'; try '1.23'`),
    },
    baseImage: () => 'gcr.io/distroless/static-debian12:nonroot',
    buildImage: (v) => `docker.io/library/golang:${v}-bookworm`,
    installer: { build: 'apt' },
  },
};

/** Facts about a runtime, or `undefined` for a value that is not a `Runtime`. */
export function runtimeFacts(runtime: Runtime): RuntimeFacts | undefined {
  return FACTS[runtime];
}

/** Every runtime's wire value, for error messages. */
export function runtimeNames(): string[] {
  return Object.values(Runtime);
}
