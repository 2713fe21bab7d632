/**
 * Writes docs/runtimes/<runtime>.md: what each preset's Dockerfile does and why, with the
 * Dockerfile itself as the preset renders it by default (`npx projen docgen`). A unit test
 * fails when a committed page differs from what this renders.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'projen';
import { GitOpsProject, Runtime } from '../src';
import { DOCKERFILE_SYNTAX } from '../src/model/runtime-facts';

const ROOT = path.resolve(__dirname, '..');

interface Page {
  readonly title: string;
  readonly intro: string;
  readonly files: string;
  readonly notes: string[];
  readonly options: string[];
  /** The preset needs a folder of its own: the page shows a service added with `services`. */
  readonly inFolder?: boolean;
}

const STAGE_OPTIONS = ['buildStage', 'runtimeStage', 'buildArgs'];
const COMMON = ['baseImage', 'command', 'port', 'healthPath', 'uid', ...STAGE_OPTIONS];
const NODE_NOTES = [
  'The package manager\'s cache is a BuildKit cache mount, so rebuilds do not download again and the cache never lands in a layer.',
  'The health check uses `node` itself (the slim image has no curl).',
  'The code is copied as root and the process runs as a numeric non-root user: it cannot rewrite itself.',
];

const PAGES: Record<Runtime, Page> = {
  [Runtime.NODE]: {
    title: 'Node.js (npm)',
    intro: 'A Node.js service with npm. The repository\'s `package.json` holds both the tooling (devDependencies: projen, projen-gitops, esbuild, typescript) and the service\'s runtime dependencies (`deps` in `.projenrc.ts`); the image installs only the latter.',
    files: '`src/server.js` (seeded sample), `package.json` and `package-lock.json` (projen and npm). A service in a folder of its own gets its own `package.json` and `package-lock.json`.',
    notes: [
      '`npm pkg delete devDependencies` runs before `npm ci --omit=dev`: the tooling never reaches the image, and a `file:` path to a local projen-gitops tarball cannot break the build.',
      ...NODE_NOTES,
    ],
    options: ['nodeVersion', ...COMMON],
  },
  [Runtime.NODE_PNPM]: {
    title: 'Node.js (pnpm)',
    intro: 'A Node.js service with pnpm, in a folder of its own (the repository\'s root `package.json` is its tooling, installed with npm). pnpm comes through corepack at the version the service\'s `package.json` pins in `packageManager`, with its sha512, so corepack checks the download against it.',
    files: '`services/<name>/package.json` (with `packageManager`), an empty `pnpm-lock.yaml` and `src/server.js` (seeded; yours).',
    notes: [
      '`pnpm install --frozen-lockfile --prod`: the lockfile must be committed and current, and devDependencies stay out of the image.',
      '`nodeVersion` must be 24 or earlier: Node.js 25 images no longer ship corepack (synth says so).',
      ...NODE_NOTES,
    ],
    options: ['nodeVersion', ...COMMON],
    inFolder: true,
  },
  [Runtime.NODE_YARN]: {
    title: 'Node.js (Yarn 1)',
    intro: 'A Node.js service with Yarn 1 (classic), in a folder of its own (the repository\'s root `package.json` is its tooling, installed with npm). Yarn comes through corepack at the version the service\'s `package.json` pins in `packageManager`, with its sha512, so corepack checks the download against it.',
    files: '`services/<name>/package.json` (with `packageManager`), an empty `yarn.lock` and `src/server.js` (seeded; yours).',
    notes: [
      '`yarn install --frozen-lockfile --production`: the lockfile must be committed and current, and devDependencies stay out of the image.',
      'Yarn 2 and later (Berry) are not covered: their production install (`yarn workspaces focus --production`) needs a plugin; hand the Dockerfile over (`handOver`) or use `Runtime.CUSTOM`.',
      '`nodeVersion` must be 24 or earlier: Node.js 25 images no longer ship corepack (synth says so).',
      ...NODE_NOTES,
    ],
    options: ['nodeVersion', ...COMMON],
    inFolder: true,
  },
  [Runtime.PYTHON]: {
    title: 'Python (requirements.txt)',
    intro: 'A Python service with pip: dependencies from `requirements.txt` go into a virtualenv in their own stage, which the runtime stage copies.',
    files: '`requirements.txt` and `src/main.py` (seeded samples; yours to change).',
    notes: [
      '`pip install --require-hashes`: every requirement, transitive ones included, must be pinned with `==` and carry its `--hash`; pip refuses any other, and installs only files of those digests (OpenSSF Scorecard\'s Pinned-Dependencies counts the install as pinned). Keep the direct dependencies in `requirements.in` and generate the file: `pip-compile --generate-hashes requirements.in` (pip-tools) or `uv pip compile --generate-hashes requirements.in -o requirements.txt`.',
      'pip\'s cache is a BuildKit cache mount; the virtualenv is the only thing copied from the dependency stage.',
      '`PYTHONDONTWRITEBYTECODE` and `PYTHONUNBUFFERED` keep the code directory read-only and the logs immediate.',
      'The health check uses `python3` and `urllib` (the slim image has no curl).',
    ],
    options: ['pythonVersion', ...COMMON],
  },
  [Runtime.PYTHON_PYPROJECT]: {
    title: 'Python (pyproject.toml)',
    intro: 'A Python service whose dependencies are listed in `pyproject.toml` (`[project].dependencies`, as Poetry 2, uv, Hatch and PDM write them). They go into a virtualenv in their own stage; the code runs from `src/`.',
    files: '`pyproject.toml` and `src/main.py` (seeded samples; yours to change).',
    notes: [
      'Only the dependency list is read (with `tomllib`, so Python 3.11 or later): no build backend runs, and a code change reuses the dependency layer.',
      'Lockfiles (`uv.lock`, `poetry.lock`) are not read: versions come from the ranges in `pyproject.toml`. Pin exact versions there, or export a `requirements.txt` with hashes (`uv export --format requirements-txt`, `poetry export`) and use `Runtime.PYTHON`.',
      'Installed by version, not by hash (`pyproject.toml` carries no hashes): OpenSSF Scorecard\'s Pinned-Dependencies reports the `pip install`, an accepted finding the generated README names. `Runtime.PYTHON` installs with `--require-hashes`.',
      'pip\'s cache is a BuildKit cache mount; the health check uses `python3` and `urllib`.',
    ],
    options: ['pythonVersion', ...COMMON],
  },
  [Runtime.GO]: {
    title: 'Go',
    intro: 'A Go service built into a static binary (`CGO_ENABLED=0`) in a `golang` build stage, and run on a distroless base that has no shell and no package manager.',
    files: '`go.mod`, `go.sum` and `main.go` (seeded samples; the module is named after the project).',
    notes: [
      'The module and build caches are BuildKit cache mounts; `go mod download` runs before the sources are copied, so dependency layers survive code changes.',
      'The runtime image has no shell or curl, so the binary checks its own health: `/app/server -healthcheck` requests the health path and exits 0 or 1. Keep that flag when you replace `main.go`, or change `command` and the health check together.',
      'The build stage image is its own build arg (`BUILD_IMAGE`), next to `BASE_IMAGE`. `runtimeStage.osPackages` is rejected: distroless has no package manager.',
    ],
    options: ['goVersion', 'buildImage', ...COMMON],
  },
  [Runtime.JAVA_MAVEN]: {
    title: 'Java (Maven)',
    intro: 'A Java service built with Maven in a `maven` build stage and run on an Eclipse Temurin JRE.',
    files: '`pom.xml` (its `finalName` is `app`) and `src/main/java/app/Main.java` (seeded samples; yours).',
    notes: [
      '`mvn dependency:go-offline` runs before the sources are copied, so dependency layers survive code changes; `~/.m2` is a BuildKit cache mount.',
      'The build must leave exactly one jar in `target/` (the copy to `/out/app.jar` fails otherwise). `dependency:copy-dependencies` puts the runtime dependencies in `lib/` next to it, which the jar\'s manifest lists (the sample\'s `addClasspath`), so `java -jar` finds them.',
      '`JAVA_TOOL_OPTIONS=-XX:MaxRAMPercentage=75` sizes the heap from the container\'s memory limit.',
      'The health check uses `curl`, which the eclipse-temurin images ship.',
      'Not built in this project\'s tests: Maven Central is not reachable there. The Dockerfile is linted (dockerfile-utils, dockerlinter).',
    ],
    options: ['javaVersion', 'buildImage', ...COMMON],
  },
  [Runtime.JAVA_GRADLE]: {
    title: 'Java (Gradle)',
    intro: 'A Java service built with Gradle in a `gradle` build stage and run on an Eclipse Temurin JRE.',
    files: '`build.gradle` (the jar is `build/libs/app.jar`), `settings.gradle` and `src/main/java/app/Main.java` (seeded samples; yours).',
    notes: [
      'Gradle\'s user home is a BuildKit cache mount; the build runs without the daemon and without tests (`-x test`: tests belong in CI before the image).',
      'The build must produce `build/libs/app.jar` (the sample sets `archiveFileName`) and the runtime dependencies in `build/libs/lib/`, which the jar\'s manifest lists (the sample\'s `runtimeLibs` task and `Class-Path`), so `java -jar` finds them.',
      '`JAVA_TOOL_OPTIONS=-XX:MaxRAMPercentage=75` sizes the heap from the container\'s memory limit; the health check uses `curl`, which the eclipse-temurin images ship.',
      'Not built in this project\'s tests: the Gradle plugin portal and Maven Central are not reachable there. The Dockerfile is linted (dockerfile-utils, dockerlinter).',
    ],
    options: ['javaVersion', 'buildImage', ...COMMON],
  },
  [Runtime.STATIC]: {
    title: 'Static site',
    intro: 'The files in `public/` served by nginx (`nginxinc/nginx-unprivileged`) as a numeric non-root user, with a generated `nginx.conf`.',
    files: '`public/index.html` (seeded; yours). `nginx.conf` is generated from the port and health path (hand it over with `handOver: ["nginx.conf"]` to write your own).',
    notes: [
      'The first stage runs `nginx -t` on the configuration, so a broken `nginx.conf` fails the build, not the first request.',
      'The pid file and temporary files live in `/tmp`, logs go to stdout and stderr: nothing needs root. The site is served from `/srv/site`, owned by root and read-only to nginx.',
      'The health path answers `{"status":"ok"}` from nginx itself; the health check uses `wget` (busybox in the Alpine image).',
      'To build the site first (a bundler), build it in CI and commit or copy the output to `public/`, or add a stage with `Runtime.CUSTOM`.',
    ],
    options: COMMON,
  },
  [Runtime.CUSTOM]: {
    title: 'Custom Dockerfile',
    intro: 'Your own Dockerfile: projen-gitops generates everything around it (the build, scan, sign and push workflow, CodeQL, rulesets, docs) and never writes the Dockerfile or a `.dockerignore`.',
    files: 'none. The `dockerfile` option names your Dockerfile (default `Dockerfile` in the service\'s folder).',
    notes: [
      'The workflow builds it with `OCI_SOURCE` and `OCI_REVISION` build args: declare `ARG OCI_SOURCE` and `ARG OCI_REVISION` and use them in your `LABEL`s to get the same labels as the presets.',
      'Dependabot updates its base images (`docker` ecosystem), since the file is yours.',
      'Options that shape a preset\'s Dockerfile (`baseImage`, `buildImage`, `command`, `uid`, the stage options) are rejected.',
    ],
    options: ['dockerfile', 'port', 'healthPath'],
  },
};

const enumName = (runtime: Runtime) => Object.entries(Runtime).find(([, v]) => v === runtime)![0];

export function renderRuntimeDoc(runtime: Runtime): string {
  const page = PAGES[runtime];
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-docs-'));
  const example = page.inFolder
    ? `new GitOpsProject({ name: "orders", services: [{ name: "web", runtime: Runtime.${enumName(runtime)} }] });`
    : `new GitOpsProject({ name: "orders", runtime: Runtime.${enumName(runtime)} });`;
  const out = Testing.synth(page.inFolder
    ? new GitOpsProject({ name: 'orders', outdir, services: [{ name: 'web', runtime }] })
    : new GitOpsProject({ name: 'orders', outdir, runtime }));
  fs.rmSync(outdir, { recursive: true, force: true });
  const dir = page.inFolder ? 'services/web/' : '';
  const generated = runtime === Runtime.CUSTOM ? [] : [
    '## What the Dockerfile does, and why',
    '',
    '- Multi-stage: build tools and caches stay out of the runtime image.',
    `- \`# syntax=${DOCKERFILE_SYNTAX}\` (a pinned frontend release, not the moving \`docker/dockerfile:1\`), base images as build args with pinned defaults (never \`latest\`): an internal mirror or a digest is one option (\`baseImage\`) or one \`--build-arg\` away.`,
    '- A numeric non-root `USER`, `EXPOSE` of the port, a `HEALTHCHECK` on the health path, an exec-form `CMD`, and OCI labels (title, description, source and revision from the build).',
    '- `buildStage` and `runtimeStage` add OS packages, environment and instructions to a stage, `buildArgs` adds build args (see [options.md](../options.md#dockerfilestageoptions)).',
    ...page.notes.map((n) => `- ${n}`),
  ];
  const files = runtime === Runtime.CUSTOM ? [] : [
    '## The Dockerfile, as generated with the defaults',
    '',
    '```dockerfile',
    out[`${dir}Dockerfile`].trimEnd(),
    '```',
    '',
    ...(out[`${dir}nginx.conf`] ? ['## nginx.conf', '', '```nginx', out[`${dir}nginx.conf`].trimEnd(), '```', ''] : []),
    '## .dockerignore',
    '',
    '```',
    out[`${dir}.dockerignore`].trimEnd(),
    '```',
    '',
  ];
  return [
    `# ${page.title} preset (\`Runtime.${enumName(runtime)}\`)`,
    '',
    '<!-- Generated by scripts/runtime-docs.ts (`npx projen docgen`). Do not edit. -->',
    '',
    page.intro,
    '',
    '```ts',
    example,
    '```',
    '',
    `Seeded files: ${page.files}`,
    '',
    ...(runtime === Runtime.CUSTOM ? ['## How it works', '', ...page.notes.map((n) => `- ${n}`)] : generated),
    '',
    '## Options',
    '',
    'Set on `GitOpsProject` (or `ContainerImage`); see [options.md](../options.md) for defaults.',
    '',
    ...page.options.map((o) => `- \`${o}\``),
    '',
    ...files,
  ].join('\n');
}

if (require.main === module) {
  for (const runtime of Object.values(Runtime)) {
    const target = path.join(ROOT, 'docs', 'runtimes', `${runtime}.md`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, renderRuntimeDoc(runtime));
    console.log(`wrote ${path.relative(process.cwd(), target)}`);
  }
}
