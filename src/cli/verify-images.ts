/**
 * `projen-gitops verify-images`: the required check of every pull request. Each digest an
 * `images.yaml` of the pull request changes must verify, with the repository's signing mode,
 * for the expected identity (this repository's container workflow on the default branch),
 * whoever opened the pull request. The identity and images are read from the BASE commit's
 * `deploy/promotion.json`: a pull request cannot name its own signer.
 */
import { spawnSync } from 'child_process';
import { parseCommandLine, single } from './args';
import { gatesContext } from './gates';
import { githubApi } from './github-client';
import { parseFacts, parseImages, PROMOTION_FACTS, signingOf, verifySignature } from './promote';
import { IMAGES_FILE_LIMIT, parseImagesText } from '../model/images-file';
import { commandLine, verifyCommand } from '../model/signing';

export class VerifyImagesError extends Error {}

export const VERIFY_IMAGES_USAGE = `Usage: projen-gitops verify-images --base SHA [--head SHA] [--gates-status]

Verifies every image digest that a deploy/environments/*/images.yaml changes between --base
(the pull request's base commit) and --head (default HEAD), with the repository's signing mode
for its container workflow on the default branch (read from the base's deploy/promotion.json).
Exits 1 when one does not verify. With --gates-status, sets the "Promotion gates (<env>)" commit
status to success on --head for every environment with gates whose digests do not change
(GH_TOKEN or GITHUB_TOKEN with statuses: write; GITHUB_API_URL).`;

const COMMIT = /^[0-9a-f]{40,64}$/;

export interface VerifyImagesOptions {
  readonly base: string;
  readonly head?: string;
  readonly gatesStatus?: boolean;
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
}

export interface VerifyImagesResult {
  /** `<env>/<service>@<digest>` verified. */
  readonly verified: string[];
  /** `<env>/<service>@<digest>` that did not verify. */
  readonly failed: string[];
  /** Environments with gates whose digests this pull request does not change. */
  readonly untouched: string[];
  /**
   * Environments this pull request rolls back: it writes a hold (`promote --rollback`) and every
   * digest it changes is one the environment ran before. Their gates pass: a rollback must not
   * wait for a soak or a window.
   */
  readonly rolledBack: string[];
}

export function verifyImagesOptions(argv: string[], env: NodeJS.ProcessEnv): Omit<VerifyImagesOptions, 'cwd'> | 'help' {
  const fail = (message: string) => new VerifyImagesError(message);
  const { values, positionals } = parseCommandLine(argv, {
    'base': { type: 'string', multiple: true },
    'head': { type: 'string', multiple: true },
    'gates-status': { type: 'boolean' },
    'help': { type: 'boolean', short: 'h' },
  }, fail);
  if (values.help) return 'help';
  if (positionals.length > 0) throw fail(`unexpected argument ${JSON.stringify(positionals[0])} (see --help)`);
  const base = single(values, 'base', fail);
  const head = single(values, 'head', fail);
  if (!base || !COMMIT.test(base)) throw fail(`--base must be the pull request's base commit (40 hex digits), got ${JSON.stringify(base ?? '')}; try --base "$BASE_SHA" with BASE_SHA: \${{ github.event.pull_request.base.sha }}`);
  if (head !== undefined && !COMMIT.test(head)) throw fail(`--head must be a commit (40 hex digits), got ${JSON.stringify(head)}; try --head "$HEAD_SHA"`);
  return { base, head, gatesStatus: values['gates-status'] === true, env };
}

export async function verifyImages(options: VerifyImagesOptions): Promise<VerifyImagesResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const git = (...args: string[]) => {
    const r = spawnSync('git', args, { cwd: options.cwd, encoding: 'utf-8', env: options.env ?? process.env });
    return { ok: r.status === 0, out: r.stdout ?? '', err: (r.stderr ?? '').trim() };
  };
  const head = options.head ?? git('rev-parse', 'HEAD').out.trim();
  const factsText = git('show', `${options.base}:${PROMOTION_FACTS}`);
  if (!factsText.ok) throw new VerifyImagesError(`cannot read ${PROMOTION_FACTS} at the base ${options.base.slice(0, 12)} (${factsText.err.split('\n').pop()}); fetch the base commit (actions/checkout with fetch-depth: 0)`);
  const facts = parseFacts(factsText.out);
  const services = facts.services.map((s) => s.name);
  const read = (ref: string, env: string) => {
    const file = `deploy/environments/${env}/images.yaml`;
    const size = git('cat-file', '-s', `${ref}:${file}`);
    if (!size.ok) return {};
    if (!(Number(size.out.trim()) <= IMAGES_FILE_LIMIT)) throw new VerifyImagesError(`${file} at ${ref.slice(0, 12)} holds ${size.out.trim()} bytes, more than the ${IMAGES_FILE_LIMIT} an images.yaml may have`);
    return parseImages(git('show', `${ref}:${file}`).out, services, `${file} at ${ref.slice(0, 12)}`);
  };
  // Every environment's file, also one the base does not deploy (a pull request may add it).
  const changedFiles = git('diff', '--name-only', '--no-renames', options.base, head, '--', 'deploy/environments/').out.split('\n').filter((f) => /^deploy\/environments\/[^/]+\/images\.yaml$/.test(f));
  const envs = [...new Set([...facts.environments, ...changedFiles.map((f) => f.split('/')[2])])];
  const signing = signingOf(facts);
  const identity = signing.key ?? facts.certificateIdentity;
  log(`verifying with: ${commandLine(verifyCommand(signing, facts.repository, '<image>@<digest>'))}`);
  const verified: string[] = [];
  const failed: string[] = [];
  const untouched: string[] = [];
  const rolledBack: string[] = [];
  const holdAt = (ref: string, env: string) => {
    const shown = git('show', `${ref}:deploy/environments/${env}/images.yaml`);
    const parsed = shown.ok ? parseImagesText(shown.out) : undefined;
    return parsed && parsed.problem === undefined ? parsed.hold : undefined;
  };
  // The digests an environment ran before: every version of its images.yaml on the base (newest 200).
  const ranBefore = (env: string) => {
    const file = `deploy/environments/${env}/images.yaml`;
    const seen = new Set<string>();
    const commits = git('log', '--format=%H', '-n', '200', options.base, '--', file).out.split('\n').filter(Boolean);
    for (const commit of commits) {
      const shown = git('show', `${commit}:${file}`);
      const parsed = shown.ok ? parseImagesText(shown.out) : undefined;
      if (parsed && parsed.problem === undefined) for (const entry of Object.values(parsed.images)) if (entry.digest) seen.add(entry.digest);
    }
    return seen;
  };
  for (const env of envs) {
    const before = read(options.base, env);
    const after = read(head, env);
    const changed = Object.entries(after).filter(([s, e]) => e.digest && e.digest !== before[s]?.digest);
    if (changed.length === 0 && JSON.stringify(before) === JSON.stringify(after)) {
      untouched.push(env);
    } else if (facts.gates?.[env] && !holdAt(options.base, env) && holdAt(head, env)) {
      const earlier = ranBefore(env);
      if (changed.every(([, e]) => earlier.has(e.digest!))) rolledBack.push(env);
    }
    for (const [service, entry] of changed) {
      const image = facts.services.find((s) => s.name === service)!.image;
      const name = `${env}/${service}@${entry.digest}`;
      const result = verifySignature(facts, `${image}@${entry.digest}`, options.cwd, options.env);
      if (result.status === 0) {
        verified.push(name);
        log(`verified: ${env}/${service}: ${image}@${entry.digest} (signed by ${identity})`);
      } else {
        failed.push(name);
        log(`::error title=Signature not verified::${env}/${service}: ${image}@${entry.digest} has no signature of ${identity} (${(result.stderr || result.error?.message || '').trim().split('\n').pop()})`);
      }
    }
  }
  if (verified.length + failed.length === 0) log('no image digest changes in this pull request');
  const gated = Object.keys(facts.gates ?? {}).filter((e) => untouched.includes(e) || rolledBack.includes(e));
  if (options.gatesStatus && gated.length > 0) {
    const env = options.env ?? process.env;
    const token = env.GH_TOKEN || env.GITHUB_TOKEN;
    if (!token) throw new VerifyImagesError('--gates-status: no token; set GH_TOKEN to the workflow token (statuses: write)');
    const api = githubApi(env.GITHUB_API_URL || 'https://api.github.com', token, (m) => new VerifyImagesError(m), 'the workflow token needs "statuses: write"');
    for (const e of gated) {
      try {
        const why = rolledBack.includes(e) ? `a rollback: ${e} is held and gets digests it ran before` : `no digest of ${e} changes in this pull request`;
        await api('POST', `/repos/${facts.repository}/statuses/${head}`, { state: 'success', context: gatesContext(e), description: why });
        log(`${gatesContext(e)}: success (${why})`);
      } catch (error) {
        // A fork's pull request has a read-only token: its gates status stays missing (a person decides).
        log(`::warning title=Gates status not set::${(error as Error).message}`);
      }
    }
  }
  return { verified, failed, untouched, rolledBack };
}
