/** The language runtime of a service; it picks the Dockerfile preset and the CodeQL language. */
export enum Runtime {
  /** Node.js with npm (`package.json` and `package-lock.json` at the build context). */
  NODE = 'node',
}

/** Facts about a runtime that several components need (internal). */
export interface RuntimeFacts {
  /** Folder under `templates/runtimes/`. */
  readonly templates: string;
  /** CodeQL language identifiers to analyze. */
  readonly codeqlLanguages: string[];
  /** The container's command when none is given. */
  readonly defaultCommand: string[];
  /** The sample service's entry file, relative to the build context. */
  readonly sampleEntry: string;
}

const FACTS: Record<Runtime, RuntimeFacts> = {
  [Runtime.NODE]: {
    templates: 'runtimes/node',
    codeqlLanguages: ['javascript-typescript'],
    defaultCommand: ['node', 'src/server.js'],
    sampleEntry: 'src/server.js',
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
