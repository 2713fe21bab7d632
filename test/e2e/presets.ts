/**
 * The runtime presets as the image end-to-end test and the image benchmark build them: each
 * in a repository made with `projen new --from` the packed module, given one real dependency
 * from its own registry the way a user adds one, and built from its generated Dockerfile.
 *
 * Base images stand in for the official ones (no public container registry is reachable):
 * Debian packages on a debootstrap root file system, trusting the certificate authorities the
 * machine trusts (a TLS-inspecting egress proxy's, here), as a company's mirror image would.
 *
 * Not built: java-gradle. Gradle's own distribution is on none of the reachable registries
 * (Gradle publishes it itself, not on Maven Central), and Debian's `gradle` package
 * is Gradle 4.4.1: tried on bookworm with OpenJDK 17, it starts, then fails on the preset's
 * build.gradle at line 8 ("No signature of method ... configureEach()", Gradle 4.9+; further on
 * `options.release` needs 6.6 and `archiveFileName` 5.1). Its Dockerfile is linted in the unit
 * tests instead.
 */
import * as fs from 'fs';
import * as path from 'path';
import { OciLab } from './oci';
import { bootstrap, packedModuleSpec, run } from '../../scripts/bootstrap';

/** The stand-in base images; `Preset.buildArgs` refers to them. */
export const BASES = {
  debian: 'localhost/debian:bookworm-slim',
  node: 'localhost/node-test:bookworm',
  python: 'localhost/python-test:bookworm',
  go: 'localhost/go-test:bookworm',
  maven: 'localhost/maven-test:bookworm',
  jre: 'localhost/jre-test:bookworm',
  nginx: 'localhost/nginx-test:bookworm',
};

/** The corepack that installs pnpm and Yarn, in the base image and for locking on this machine. */
const COREPACK = 'corepack@0.36.0';

const aptBase = (packages: string) => [
  `FROM ${BASES.debian}`,
  'RUN apt-get update \\',
  ` && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${packages} \\`,
  ' && apt-get clean && rm -rf /var/lib/apt/lists/*',
].join('\n');

/**
 * Makes (or loads from the cache) the Debian base and every stand-in base image (or only those
 * named in `only`). Returns the seconds each took, by name.
 */
export function makeBases(lab: OciLab, only?: Array<keyof typeof BASES>): Record<string, number> {
  const times: Record<string, number> = {};
  const timed = (name: string, fn: () => void) => {
    if (name !== 'debian' && only && !only.includes(name as keyof typeof BASES)) return;
    const started = Date.now();
    fn();
    times[name] = (Date.now() - started) / 1000;
  };
  timed('debian', () => lab.makeDebianBase());
  // The machine's CA bundle (PEM) and Java trust store replace Debian's in each base, so
  // pip, Go, npm and Maven inside a build trust what the machine trusts.
  const pem = [process.env.SSL_CERT_FILE, process.env.NODE_EXTRA_CA_CERTS, '/etc/ssl/certs/ca-certificates.crt'].find((f) => f && fs.existsSync(f));
  const jks = fs.existsSync('/etc/ssl/certs/java/cacerts') ? '/etc/ssl/certs/java/cacerts' : undefined;
  const trust = pem ? 'COPY host-ca.crt /etc/ssl/certs/ca-certificates.crt\n' : '';
  const javaTrust = jks ? 'COPY host-cacerts /etc/ssl/certs/java/cacerts\n' : '';
  const files = { ...(pem ? { 'host-ca.crt': pem } : {}), ...(jks ? { 'host-cacerts': jks } : {}) };
  // Debian's Node.js has no corepack; the pnpm and Yarn presets get theirs (and through it pnpm
  // and Yarn) from the npm registry, as node's official images bundle it.
  timed('node', () => lab.buildFromText(BASES.node, `${aptBase('nodejs npm ca-certificates')}\n${trust}`
    + `${pem ? 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt\n' : ''}RUN npm install -g --no-audit --no-fund ${COREPACK}`, files));
  timed('python', () => lab.buildFromText(BASES.python, `${aptBase('python3 python3-venv ca-certificates')}\n${trust}`, files));
  // GOPATH=/go as in the official golang images (the Dockerfile's cache mounts point there).
  timed('go', () => lab.buildFromText(BASES.go, `${aptBase('golang-go ca-certificates')}\n${trust}ENV GOPATH=/go PATH=/go/bin:$PATH`, files));
  timed('maven', () => lab.buildFromText(BASES.maven, `${aptBase('openjdk-17-jdk-headless maven ca-certificates-java')}\n${trust}${javaTrust}`, files));
  // eclipse-temurin's JRE images ship curl, which the Java health check uses.
  timed('jre', () => lab.buildFromText(BASES.jre, aptBase('openjdk-17-jre-headless curl')));
  // Debian's nginx stands in for nginx-unprivileged; wget for the health check, as busybox's.
  timed('nginx', () => lab.buildFromText(BASES.nginx, aptBase('nginx-light wget')));
  return times;
}

export interface Preset {
  readonly runtime: string;
  /** A service in `services/<name>/` of a repository whose root is an npm service. */
  readonly folder?: boolean;
  /** Where the image keeps the service (default /app). */
  readonly appDir?: string;
  /** Build args that stand in for the official images. */
  readonly buildArgs: Record<string, string>;
  /** The image its runtime stage starts from, for the size comparison. */
  readonly runtimeBase: string;
  /** What the runtime stage holds in the app folder (tooling and secrets stay out). */
  readonly appFiles: string[];
  readonly codeFile: string;
  readonly cmd: string[];
  /** Adds one real dependency to the service, as a user would (undefined: the preset has none). */
  readonly addDependency?: (service: string, repo: string) => void;
  /** The Dockerfile step that installs the dependencies (a source-only change must reuse it). */
  readonly dependencyStep?: RegExp;
  /**
   * A command that proves, in the running container as its user, that the dependency is
   * there and loads (`go` is checked on the binary instead), and what it prints.
   */
  readonly dependencyCheck?: { command: string[]; prints: string };
  /** A file, relative to the service folder, that a source-only change touches. */
  readonly sourceFile: string;
}

/** Runs a command in `cwd`; throws with its output when it fails. */
/**
 * A developer's synth after editing .projenrc.ts: projen installs changed dependencies with
 * `npm install` there, but with `npm ci` under CI (which refuses a lock file the edit made stale).
 */
export const DEVELOPER_ENV = { CI: '' };

function sh(cwd: string, command: string, ...args: string[]): void {
  const result = run(command, args, cwd, DEVELOPER_ENV);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
}

/** Adds `ms` (the npm registry) to a pnpm or Yarn service's package.json and locks it with that tool. */
const npmDependencyIn = (tool: 'pnpm' | 'yarn') => (service: string) => {
  const file = path.join(service, 'package.json');
  const pkg = JSON.parse(fs.readFileSync(file, 'utf-8'));
  pkg.dependencies = { ...pkg.dependencies, ms: '2.1.3' };
  fs.writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
  // corepack (the base image's version) runs the tool at the version and sha512 `packageManager` names.
  const env = { COREPACK_ENABLE_DOWNLOAD_PROMPT: '0' };
  const corepack = ['exec', '--yes', `--package=${COREPACK}`, '--', 'corepack', tool];
  const result = tool === 'pnpm'
    ? run('npm', [...corepack, 'install', '--lockfile-only', '--ignore-scripts'], service, env)
    : run('npm', [...corepack, 'install', '--ignore-scripts', '--non-interactive', '--no-progress'], service, env);
  if (result.status !== 0) throw new Error(`${tool} install failed:\n${result.stdout}\n${result.stderr}`);
  fs.rmSync(path.join(service, 'node_modules'), { recursive: true, force: true });
};

const NODE_CHECK = { command: ['node', '-p', 'require("ms")("2h")'], prints: '7200000' };

export const PRESETS: Preset[] = [
  {
    runtime: 'node',
    buildArgs: { BASE_IMAGE: BASES.node },
    runtimeBase: BASES.node,
    appFiles: ['node_modules', 'package-lock.json', 'package.json', 'src'],
    codeFile: '/app/src/server.js',
    sourceFile: 'src/server.js',
    cmd: ['node', 'src/server.js'],
    // The root service's package.json is projen's: the dependency goes in .projenrc.ts.
    addDependency: (_service, repo) => {
      const rc = path.join(repo, '.projenrc.ts');
      fs.writeFileSync(rc, fs.readFileSync(rc, 'utf-8').replace('new GitOpsProject({', 'new GitOpsProject({\n  deps: ["ms@2.1.3"],'));
      sh(repo, 'npx', 'projen');
    },
    dependencyStep: /npm ci --omit=dev/,
    dependencyCheck: NODE_CHECK,
  },
  {
    runtime: 'node-pnpm',
    folder: true,
    buildArgs: { BASE_IMAGE: BASES.node },
    runtimeBase: BASES.node,
    appFiles: ['node_modules', 'package.json', 'pnpm-lock.yaml', 'src'],
    codeFile: '/app/src/server.js',
    sourceFile: 'src/server.js',
    cmd: ['node', 'src/server.js'],
    addDependency: npmDependencyIn('pnpm'),
    dependencyStep: /pnpm install --frozen-lockfile/,
    dependencyCheck: NODE_CHECK,
  },
  {
    runtime: 'node-yarn',
    folder: true,
    buildArgs: { BASE_IMAGE: BASES.node },
    runtimeBase: BASES.node,
    appFiles: ['node_modules', 'package.json', 'src', 'yarn.lock'],
    codeFile: '/app/src/server.js',
    sourceFile: 'src/server.js',
    cmd: ['node', 'src/server.js'],
    addDependency: npmDependencyIn('yarn'),
    dependencyStep: /yarn install --frozen-lockfile/,
    dependencyCheck: NODE_CHECK,
  },
  {
    runtime: 'python',
    buildArgs: { BASE_IMAGE: BASES.python },
    runtimeBase: BASES.python,
    appFiles: ['requirements.txt', 'src'],
    codeFile: '/app/src/main.py',
    sourceFile: 'src/main.py',
    cmd: ['python3', 'src/main.py'],
    // Hash-pinned: with a --hash, pip installs only a file of that digest (hash-checking mode).
    addDependency: (service) => fs.appendFileSync(path.join(service, 'requirements.txt'),
      'six==1.17.0 --hash=sha256:4721f391ed90541fddacab5acf947aa0d3dc7d27b2e1e8eda2be8970586c3274\n'),
    dependencyStep: /pip install --require-hashes -r requirements\.txt/,
    dependencyCheck: { command: ['python3', '-c', 'import six; print(six.__version__)'], prints: '1.17.0' },
  },
  {
    runtime: 'python-pyproject',
    buildArgs: { BASE_IMAGE: BASES.python },
    runtimeBase: BASES.python,
    appFiles: ['pyproject.toml', 'src'],
    codeFile: '/app/src/main.py',
    sourceFile: 'src/main.py',
    cmd: ['python3', 'src/main.py'],
    // pyproject.toml's dependencies are PEP 508 specifiers, which carry no hashes: pinned by version.
    addDependency: (service) => {
      const file = path.join(service, 'pyproject.toml');
      fs.writeFileSync(file, fs.readFileSync(file, 'utf-8').replace('dependencies = []', 'dependencies = ["packaging==24.2"]'));
    },
    dependencyStep: /pip install -r \/tmp\/requirements\.txt/,
    dependencyCheck: { command: ['python3', '-c', 'import packaging; print(packaging.__version__)'], prints: '24.2' },
  },
  {
    runtime: 'go',
    buildArgs: { BUILD_IMAGE: BASES.go, BASE_IMAGE: BASES.debian },
    runtimeBase: BASES.debian,
    appFiles: ['server'],
    codeFile: '/app/server',
    sourceFile: 'main.go',
    cmd: ['/app/server'],
    // A module through the Go module proxy, checked against go.sum (the hashes below are the
    // module's; `go mod download` fails on any other). The binary uses it at start-up.
    addDependency: (service) => {
      fs.appendFileSync(path.join(service, 'go.mod'), '\nrequire github.com/google/uuid v1.6.0\n');
      fs.appendFileSync(path.join(service, 'go.sum'), [
        'github.com/google/uuid v1.6.0 h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0=',
        'github.com/google/uuid v1.6.0/go.mod h1:TIyPZe4MgqvfeYDBFedMoGGpEw/LqOeaOT+nhxU+yHo=',
        '',
      ].join('\n'));
      fs.writeFileSync(path.join(service, 'instance.go'), 'package main\n\nimport "github.com/google/uuid"\n\n// instanceID names this process in logs.\nvar instanceID = uuid.NewString()\n\nfunc init() { _ = instanceID }\n');
    },
    dependencyStep: /go mod download/,
  },
  {
    runtime: 'java-maven',
    buildArgs: { BUILD_IMAGE: BASES.maven, BASE_IMAGE: BASES.jre },
    runtimeBase: BASES.jre,
    appFiles: ['app.jar', 'lib'],
    codeFile: '/app/app.jar',
    sourceFile: 'src/main/java/app/Main.java',
    cmd: ['java', '-jar', '/app/app.jar'],
    // Gson from Maven Central (it brings error_prone_annotations); a class of the service uses it,
    // found through app.jar's manifest Class-Path in lib/.
    addDependency: (service) => {
      const pom = path.join(service, 'pom.xml');
      fs.writeFileSync(pom, fs.readFileSync(pom, 'utf-8').replace('<dependencies>\n', '<dependencies>\n    <dependency>\n      <groupId>com.google.code.gson</groupId>\n      <artifactId>gson</artifactId>\n      <version>2.11.0</version>\n    </dependency>\n'));
      fs.writeFileSync(path.join(service, 'src/main/java/app/Status.java'), [
        'package app;',
        '',
        'import java.util.Map;',
        '',
        '/** Prints the health answer, written by Gson. */',
        'public final class Status {',
        '  private Status() {}',
        '',
        '  public static void main(String[] args) {',
        '    System.out.println(new com.google.gson.Gson().toJson(Map.of("status", "ok")));',
        '  }',
        '}',
        '',
      ].join('\n'));
    },
    dependencyStep: /dependency:go-offline/,
    dependencyCheck: { command: ['java', '-cp', '/app/app.jar', 'app.Status'], prints: '{"status":"ok"}' },
  },
  {
    runtime: 'static',
    buildArgs: { BASE_IMAGE: BASES.nginx },
    runtimeBase: BASES.nginx,
    appDir: '/srv/site',
    appFiles: ['index.html'],
    codeFile: '/srv/site/index.html',
    sourceFile: 'public/index.html',
    cmd: ['nginx', '-g', 'daemon off;'],
  },
];

/** Presets the tests cannot build here, with the reason (see the top of this file). */
export const NOT_BUILT: Record<string, string> = {
  'java-gradle': 'Gradle is on none of the reachable registries (its distribution is not on Maven Central), and Debian\'s gradle 4.4.1 fails on the preset\'s build.gradle (configureEach needs Gradle 4.9+)',
};

/**
 * A repository for the preset (`projen new --from` the packed module; a pnpm or Yarn service
 * goes in `services/app/` beside the root npm service), with its real dependency added.
 * Returns the service's folder, the build context.
 */
export async function makeRepository(preset: Preset, repo: string): Promise<string> {
  const args = preset.folder ? [] : ['--runtime', preset.runtime, '--port', '8081', '--health-path', '/ready'];
  const created = await bootstrap(repo, packedModuleSpec(), args);
  if (created.status !== 0) throw new Error(`projen new failed:\n${created.output}`);
  let service = repo;
  if (preset.folder) {
    const rc = path.join(repo, '.projenrc.ts');
    fs.writeFileSync(rc, fs.readFileSync(rc, 'utf-8')
      .replace('import { GitOpsProject } from "projen-gitops";', 'import { GitOpsProject, Runtime } from "projen-gitops";')
      .replace('new GitOpsProject({', `new GitOpsProject({\n  services: [{ name: "app", runtime: "${preset.runtime}" as Runtime, port: 8081, healthPath: "/ready" }],`));
    sh(repo, 'npx', 'projen');
    service = path.join(repo, 'services', 'app');
  }
  preset.addDependency?.(service, repo);
  return service;
}

/** A source-only change: a comment at the end of the service's code. */
export function changeSource(preset: Preset, service: string): void {
  const file = path.join(service, preset.sourceFile);
  const comment = preset.sourceFile.endsWith('.py') ? '# a change' : preset.sourceFile.endsWith('.html') ? '<!-- a change -->' : '// a change';
  fs.appendFileSync(file, `\n${comment} ${Date.now()}\n`);
}
