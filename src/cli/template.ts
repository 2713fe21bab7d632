/**
 * `projen-gitops template [dir] --name @acme/gitops-template`: starts a platform team's company
 * template package (a jsii package whose project class extends `GitOpsProject`), as
 * `projen new` would, from `GitOpsTemplateProject`.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseCommandLine } from './args';
import { FolderGuard, projenVersion, signalExitCode } from './create';
import { githubServerOf, REPOSITORY_DEFAULTS } from '../model/repository';
import { templatePackageProblems } from '../model/template-package';

export const TEMPLATE_USAGE = `Usage: projen-gitops template [dir] --name <package> [options]

Starts a company template package in dir (default: the package name without its scope): a
jsii package whose project class extends GitOpsProject with the company's defaults and a
team option, with a test, a README and a release workflow publishing to the internal npm
registry. Build it with \`npx projen build\`; service teams then run
\`npx projen new --from <package>\`. See docs/platform-template.md.

Options:
  --name <package>            the template's npm package name, e.g. @acme/gitops-template
  --npm-registry-url <url>    the internal npm registry it is published to and installs from
                              (default https://npm.example.com/)
  --npm-token-secret <name>   the secret holding the registry token (default NPM_TOKEN)
  --all-packages-from-registry
                              repositories install every package from that registry (one
                              that proxies npmjs), not only the template's scope
  --github-url <url>          the company's GitHub server (GitHub Enterprise), a default of
                              the template (default https://github.com)
  --image-registry <host>     the company's image registry (default: GitHub's Container
                              registry of that server: ghcr.io, containers.<sub>.ghe.com,
                              containers.<host> on GitHub Enterprise Server)
  --base-image-mirror <pfx>   the company's base-image mirror (default: none)
  --repository-url <url>      the template's git repository (default
                              <github-url>/<scope>/<name>.git)
  --from <spec>               the projen-gitops package to build on (default: this version)
  -h, --help                  show this help`;

/**
 * A failure for people: printed without a stack. Exit code 2 (usage, a step that failed), or
 * 128 plus the signal's number when Ctrl-C (130) or SIGTERM (143) stopped it.
 */
export class TemplateError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
  }
}

export interface TemplateIo {
  readonly log: (line: string) => void;
  readonly error: (line: string) => void;
}

/** The flag of each option of GitOpsTemplateProject the command sets. */
const FLAGS: Record<string, string> = {
  name: 'name',
  npmRegistryUrl: 'npm-registry-url',
  npmTokenSecret: 'npm-token-secret',
  imageRegistry: 'image-registry',
  baseImageMirror: 'base-image-mirror',
  repositoryUrl: 'repository-url',
  githubUrl: 'github-url',
};

/** An install spec of projen-gitops itself: a version, range or dist-tag, or a tarball. */
const OWN_SPEC = /^projen-gitops(@\S+)?$/;

/** Runs the command; returns the exit code. */
export function runTemplate(argv: string[], io: TemplateIo, defaultSpec: () => string): number {
  const { values, positionals } = parseCommandLine(argv, {
    'name': { type: 'string' },
    'npm-registry-url': { type: 'string' },
    'npm-token-secret': { type: 'string' },
    'image-registry': { type: 'string' },
    'all-packages-from-registry': { type: 'boolean' },
    'base-image-mirror': { type: 'string' },
    'repository-url': { type: 'string' },
    'github-url': { type: 'string' },
    'from': { type: 'string' },
    'help': { type: 'boolean', short: 'h' },
  }, (message) => new TemplateError(message));
  if (values.help) {
    io.log(TEMPLATE_USAGE);
    return 0;
  }
  const name = values.name as string | undefined;
  // Every flag, with the grammars GitOpsTemplateProject checks its options with: before anything is
  // made (a bad --image-registry failed at synth, after npm install, leaving the folder behind).
  const problems = templatePackageProblems({
    name: name!,
    npmRegistryUrl: values['npm-registry-url'] as string | undefined,
    npmTokenSecret: values['npm-token-secret'] as string | undefined,
    imageRegistry: values['image-registry'] as string | undefined,
    baseImageMirror: values['base-image-mirror'] as string | undefined,
    repositoryUrl: values['repository-url'] as string | undefined,
    githubUrl: values['github-url'] as string | undefined,
  }).map((p) => (FLAGS[p.option]
    ? `--${FLAGS[p.option]} ${p.message}`
    // The class and organization names are made from --name.
    : `--name ${JSON.stringify(name)} makes ${p.option} that ${p.message.replace(/; try .*$/, "; try a shorter --name, e.g. '@my-org/gitops-template'")}`));
  const from = values.from as string | undefined;
  if (from !== undefined && !OWN_SPEC.test(from)) {
    problems.push(`--from must name projen-gitops, the package the template builds on (projen-gitops, projen-gitops@<version> or projen-gitops@file:<tarball>), got ${JSON.stringify(from)}; try 'projen-gitops@latest'`);
  }
  if (problems.length > 0) throw new TemplateError(problems.join('\n'));
  const dir = path.resolve(positionals[0] ?? name!.replace(/^@[^/]+\//, ''));
  const there = fs.statSync(dir, { throwIfNoEntry: false });
  if (there && !there.isDirectory()) throw new TemplateError(`${dir} exists and is not a folder; choose another folder`);
  if (there && fs.readdirSync(dir).length > 0) throw new TemplateError(`${dir} exists and is not empty; choose another folder`);
  const spec = from ?? defaultSpec();

  // Whatever fails from here (npm, the synth, git, Ctrl-C) takes back what was made: the folder
  // and the parents it made, or, in an empty folder that was there, everything in it.
  // The steps run synchronously, so a signal listener here would never run before the command
  // ends (and would drop a signal sent to this process alone): Ctrl-C reaches the step's process
  // group, and the step's end by that signal is what ends the command, after the cleanup.
  const guard = FolderGuard.at(dir);
  try {
    return makeTemplate(dir, name!, spec, values, io);
  } catch (error) {
    guard.undo();
    if (error instanceof TemplateError) throw new TemplateError(`${error.message}; nothing was left behind in ${dir}`, error.exitCode);
    throw error;
  }
}

/** The signal that ended a step: killed by it, or exited as a shell reports it (130 for SIGINT, 143 for SIGTERM). */
function stepSignal(result: { signal: NodeJS.Signals | null; status: number | null }): NodeJS.Signals | undefined {
  if (result.signal) return result.signal;
  return result.status === signalExitCode('SIGINT') ? 'SIGINT' : result.status === signalExitCode('SIGTERM') ? 'SIGTERM' : undefined;
}

/** The steps of `runTemplate` once the folder is known; a TemplateError when one fails or is interrupted. */
function makeTemplate(dir: string, name: string, spec: string, values: Record<string, unknown>, io: TemplateIo): number {
  const started = Date.now();
  const step = (what: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}) => {
    const result = spawnSync(command, args, { cwd: dir, encoding: 'utf-8', env: { ...process.env, CI: '', ...env } });
    const signal = stepSignal(result);
    if (signal) throw new TemplateError(`interrupted (${signal}) before it ${what}`, signalExitCode(signal));
    if (result.status !== 0) {
      io.error(`${result.stdout ?? ''}\n${result.stderr ?? ''}${result.error ? `\n${result.error.message}` : ''}`.trim().split('\n').slice(-30).join('\n'));
      throw new TemplateError(`${what} failed (exit ${result.status ?? result.error?.message})`);
    }
    io.log(`  ✓ ${what} (${Math.round((Date.now() - started) / 1000)} s)`);
  };
  io.log(`Creating the template ${name} in ${dir} on ${spec}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name, version: '0.0.0', private: true }, null, 2)}\n`);
  step('installed projen and projen-gitops', 'npm', ['install', '--save-dev', '--no-audit', '--no-fund',
    `projen@${projenVersion()}`, 'constructs@^10.5.0', 'esbuild', spec]);
  const git = (key: string) => spawnSync('git', ['config', key], { cwd: dir, encoding: 'utf-8' }).stdout?.trim();
  const githubUrl = values['github-url'] as string | undefined;
  const options: Record<string, string | string[] | boolean> = {
    name: name,
    author: git('user.name') || 'Platform team',
    authorAddress: git('user.email') || 'platform@example.com',
    // On the company's server (an https one: a loopback test server is no clone URL), else github.com.
    repositoryUrl: (values['repository-url'] as string | undefined)
      ?? `${githubUrl?.startsWith('https://') ? githubServerOf(githubUrl).url : REPOSITORY_DEFAULTS.githubUrl}/${/^@([^/]+)\//.exec(name)?.[1] ?? 'my-org'}/${name.replace(/^@[^/]+\//, '')}.git`,
    ...(githubUrl !== undefined ? { githubUrl } : {}),
    defaultReleaseBranch: 'main',
    ...(values['npm-registry-url'] !== undefined ? { npmRegistryUrl: values['npm-registry-url'] as string } : {}),
    ...(values['npm-token-secret'] !== undefined ? { npmTokenSecret: values['npm-token-secret'] as string } : {}),
    ...(values['all-packages-from-registry'] ? { npmRegistryScoped: false } : {}),
    ...(values['image-registry'] !== undefined ? { imageRegistry: values['image-registry'] as string } : {}),
    ...(values['base-image-mirror'] !== undefined ? { baseImageMirror: values['base-image-mirror'] as string } : {}),
    devDeps: [spec],
  };
  fs.writeFileSync(path.join(dir, '.projenrc.ts'), [
    'import { GitOpsTemplateProject } from "projen-gitops/lib/template";',
    '',
    'const project = new GitOpsTemplateProject({',
    ...Object.entries(options).map(([key, value]) => `  ${key}: ${JSON.stringify(value)},`),
    '  // The company defaults themselves live in src/index.ts (DEFAULTS); see its README.',
    '});',
    'project.synth();',
    '',
  ].join('\n'));
  // The first synth runs through projen-gitops-rc (esbuild); later ones through the project's own task.
  step('synthesized the template package and installed its tools', process.execPath, [path.join(dir, 'node_modules', 'projen-gitops', 'lib', 'cli', 'projenrc.js'), '.projenrc.ts']);
  if (!fs.existsSync(path.join(dir, '.git'))) {
    const identity = git('user.email') ? {} : { GIT_AUTHOR_NAME: 'projen-gitops', GIT_AUTHOR_EMAIL: 'projen-gitops@users.noreply.invalid', GIT_COMMITTER_NAME: 'projen-gitops', GIT_COMMITTER_EMAIL: 'projen-gitops@users.noreply.invalid' };
    step('made the first commit', 'sh', ['-c', 'git init -q -b main && git add -A && git commit -qm "chore: project created with projen-gitops template"'], identity);
  }
  io.log([
    '',
    `Done: ${dir}`,
    '',
    'Next steps:',
    `  cd ${path.relative(process.cwd(), dir) || '.'}`,
    '  $EDITOR src/index.ts        # the company defaults (DEFAULTS) and options',
    '  npx projen build            # jsii compile, tests, package into dist/js/',
    '  git push                    # the release workflow publishes to the internal registry',
  ].join('\n'));
  return 0;
}
