/** The language runtime of a service; it picks the Dockerfile preset and the CodeQL language. */
export enum Runtime {
  /** Node.js with npm (`package.json` and `package-lock.json` at the build context). */
  NODE = 'node',
  /** Python with pip (`requirements.txt`), in a virtualenv. */
  PYTHON = 'python',
  /** Go modules (`go.mod`), a static binary on a distroless base. */
  GO = 'go',
}
