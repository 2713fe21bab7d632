/** The Dockerfile preset of a service; it also picks the CodeQL language and the Dependabot ecosystem. */
export enum Runtime {
  /** Node.js with npm (`package.json` and `package-lock.json` at the build context). */
  NODE = 'node',
  /**
   * Node.js with pnpm (`pnpm-lock.yaml`, pnpm through corepack), for a service in a folder of
   * its own: the repository's root `package.json` is its tooling, installed with npm.
   */
  NODE_PNPM = 'node-pnpm',
  /** Node.js with Yarn 1 (`yarn.lock`, yarn through corepack), for a service in a folder of its own. */
  NODE_YARN = 'node-yarn',
  /** Python with pip (`requirements.txt`), in a virtualenv. */
  PYTHON = 'python',
  /** Python with the dependencies of `pyproject.toml` (`[project].dependencies`), in a virtualenv. */
  PYTHON_PYPROJECT = 'python-pyproject',
  /** Go modules (`go.mod`), a static binary on a distroless base. */
  GO = 'go',
  /** Java built with Maven (`pom.xml`, one jar in `target/`), run on a JRE. */
  JAVA_MAVEN = 'java-maven',
  /** Java built with Gradle (`build.gradle`, the jar `build/libs/app.jar`), run on a JRE. */
  JAVA_GRADLE = 'java-gradle',
  /** A static site (`public/`) served by unprivileged nginx. */
  STATIC = 'static',
  /**
   * Your own Dockerfile (the `dockerfile` option): everything around it is generated (build,
   * scan, sign, rulesets), the Dockerfile and `.dockerignore` are never written.
   */
  CUSTOM = 'custom',
}
