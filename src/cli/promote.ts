/**
 * `projen-gitops promote`: opens or updates the one pull request that moves image digests into
 * an environment (`deploy/environments/<env>/images.yaml`), re-rendered, for every service
 * whose digest changes, after `cosign verify` accepted each image's signature.
 */
import { spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseDocument, stringify } from 'yaml';
import { compareManifests } from '../helm/manifests';
import { commandLine, SigningFacts, SigningMode, verifyCommand } from '../model/signing';

/** `deploy/promotion.json`: what synth knows and the promotion needs (managed). */
export interface PromotionFacts {
  readonly repository: string;
  readonly defaultBranch: string;
  /** The deployed environments, in promotion order. */
  readonly environments: string[];
  readonly services: Array<{ readonly name: string; readonly image: string; readonly path: string }>;
  /** The certificate identity (workflow) a signature must have. */
  readonly certificateIdentity: string;
  readonly certificateOidcIssuer: string;
  /** How images are signed: promotion verifies with the same mode (`verifyCommand`). */
  readonly signing: SigningFacts;
}

export const PROMOTION_FACTS = 'deploy/promotion.json';
export const PROMOTION_BRANCH_PREFIX = 'promote/';
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const COMMIT = /^[0-9a-f]{40}$/;

export interface PromoteOptions {
  /** The environment the digests move into. */
  readonly to: string;
  /** The environment they come from; without it, `digests` (a build of the default branch) go into the first environment. */
  readonly from?: string;
  /** Service name to digest, from the build (with `commit`). */
  readonly digests?: Record<string, string>;
  /** The commit the build's images were built from. */
  readonly commit?: string;
  /** A checkout of the repository with an `origin` remote. */
  readonly cwd: string;
  /** Re-renders the manifests in `cwd` (the CLI runs `npx projen`). */
  readonly render: () => void;
  readonly apiUrl: string;
  readonly token: string;
  /** The environment for child processes (`cosign`, `git`). */
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
}

/** A failure with a message for people; the CLI prints it and exits 1. */
export class PromoteError extends Error {}

interface Entry { digest: string; commit?: string }

export interface PromoteResult {
  /** The pull request's number, if one was opened or updated. */
  readonly pullRequest?: number;
  readonly created: boolean;
  readonly promoted: string[];
  /** Services whose signature did not verify (left out). */
  readonly refused: string[];
}

export async function promote(options: PromoteOptions): Promise<PromoteResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const facts = readFacts(options.cwd);
  const git = (...args: string[]) => run('git', args, options).stdout;
  const envs = facts.environments;
  const toIndex = envs.indexOf(options.to);
  if (toIndex < 0) throw new PromoteError(`--to: '${options.to}' is no deployed environment; try one of ${envs.join(', ')}`);
  if (options.from === undefined) {
    if (toIndex !== 0) throw new PromoteError(`--to: a build goes into the first environment, '${envs[0]}', got '${options.to}'; use --from ${envs[toIndex - 1]} to promote into ${options.to}`);
    if (!options.commit || !COMMIT.test(options.commit)) throw new PromoteError(`--commit: must be the build's 40-hex commit, got ${JSON.stringify(options.commit)}`);
  } else if (envs.indexOf(options.from) !== toIndex - 1) {
    throw new PromoteError(`--from: '${options.to}' is promoted from '${envs[toIndex - 1] ?? '(none: it is the first)'}', got '${options.from}'`);
  }
  const isAncestor = (a: string, b: string) => run('git', ['merge-base', '--is-ancestor', a, b], options, true).status === 0;
  const branch = `${PROMOTION_BRANCH_PREFIX}${options.to}`;
  const base = facts.defaultBranch;
  git('fetch', '--quiet', 'origin', base);
  const hasBranch = run('git', ['ls-remote', '--exit-code', '--heads', 'origin', branch], options, true).status === 0;
  if (hasBranch) git('fetch', '--quiet', 'origin', `+refs/heads/${branch}:refs/remotes/origin/${branch}`);
  const imagesPath = (env: string) => `deploy/environments/${env}/images.yaml`;
  const at = (ref: string, env: string) => readImagesAt(git, ref, imagesPath(env));

  // What the environment runs, what the open pull request already moves, and what this run brings.
  const current = at(`origin/${base}`, options.to);
  const pending: Record<string, Entry> = {};
  if (hasBranch) {
    for (const [s, e] of Object.entries(at(`origin/${branch}`, options.to))) if (e.digest && e.digest !== current[s]?.digest) pending[s] = e;
  }
  const wanted: Record<string, Entry> = { ...pending };
  const incoming: Record<string, Entry> = options.from === undefined
    ? Object.fromEntries(Object.entries(options.digests ?? {}).filter(([, d]) => d).map(([s, d]) => [s, { digest: d, commit: options.commit }]))
    : at(`origin/${base}`, options.from);
  const known = new Set(facts.services.map((s) => s.name));
  for (const [service, entry] of Object.entries(incoming)) {
    if (!known.has(service)) throw new PromoteError(`${service}: is no service of ${facts.repository} (${[...known].join(', ')})`);
    if (!entry.digest) continue;
    if (!DIGEST.test(entry.digest)) throw new PromoteError(`${service}: the digest must be sha256:<64 hex digits>, got ${JSON.stringify(entry.digest)}`);
    if (entry.digest === current[service]?.digest) continue;
    // A build that finishes after a newer one's never moves an environment back.
    const built = entry.commit;
    const newer = built && [wanted[service]?.commit, current[service]?.commit].find((c) => c && c !== built && isAncestor(built, c));
    if (newer) {
      log(`${service}: ${entry.commit} is older than ${newer}, already on its way; left out`);
      continue;
    }
    wanted[service] = entry;
  }

  // Only signatures (or attestations) of this repository's build workflow are promoted, checked
  // with the command of the repository's signing mode.
  // A promotion.json from before the signing modes: keyless, the identity it names.
  const legacy = {
    mode: SigningMode.KEYLESS, certificateIdentity: facts.certificateIdentity, certificateOidcIssuer: facts.certificateOidcIssuer,
  } as SigningFacts;
  const signing: SigningFacts = facts.signing ?? legacy;
  const signer = signing.key ?? facts.certificateIdentity;
  const check = (imageAtDigest: string) => {
    const [command, ...args] = verifyCommand(signing, facts.repository, imageAtDigest);
    // gh reads the attestations with a token that may read them (the job's own token).
    const env = command === 'gh' && options.env?.ATTESTATIONS_TOKEN ? { ...options.env, GH_TOKEN: options.env.ATTESTATIONS_TOKEN } : options.env;
    return run(command, args, { ...options, env }, true);
  };
  const refused: string[] = [];
  for (const service of Object.keys(wanted).sort()) {
    const image = facts.services.find((s) => s.name === service)!.image;
    const verify = check(`${image}@${wanted[service].digest}`);
    if (verify.status !== 0) {
      log(`::error title=Signature not verified::${service}: ${image}@${wanted[service].digest} has no signature of ${signer}; it is not promoted (${(verify.stderr || verify.error?.message || '').trim().split('\n').pop()})`);
      refused.push(service);
      // The open pull request keeps what it already moved for the service (if that verifies, below).
      if (pending[service] && pending[service].digest !== wanted[service].digest) {
        wanted[service] = pending[service];
        const again = check(`${image}@${pending[service].digest}`);
        if (again.status === 0) continue;
      }
      delete wanted[service];
    }
  }
  const promoted = Object.keys(wanted).sort();
  if (promoted.length === 0) {
    log(`nothing to promote into ${options.to}${refused.length ? ` (refused: ${refused.join(', ')})` : ''}`);
    return { created: false, promoted, refused };
  }

  // The pull request's branch: the default branch plus the new digests, re-rendered; the
  // checkout is back where it was afterwards.
  const original = run('git', ['symbolic-ref', '--quiet', '--short', 'HEAD'], options, true).stdout.trim() || git('rev-parse', 'HEAD').trim();
  try {
    return await openPullRequest();
  } finally {
    run('git', ['checkout', '--quiet', '--force', original], options, true);
  }

  async function openPullRequest(): Promise<PromoteResult> {
    git('checkout', '--quiet', '-B', branch, `origin/${base}`);
    const oldRendered = Object.fromEntries(promoted.map((s) => [s, readOr(path.join(options.cwd, `deploy/rendered/${options.to}/${s}.yaml`))]));
    const none = Object.fromEntries(facts.services.map((s) => [s.name, { digest: '' }]));
    writeImages(path.join(options.cwd, imagesPath(options.to)), options.to, { ...none, ...current, ...wanted });
    options.render();
    // Everything synth wrote: the rendered files and the sync record (.projen/gitops-state.json).
    git('add', '--all');
    const subject = `Promote ${promoted.join(', ')} to ${options.to}`;
    run('git', ['-c', 'user.name=projen-gitops promotion', '-c', 'user.email=projen-gitops@users.noreply.github.com', 'commit', '--quiet', '--no-verify', '-m', subject], options);
    const token = options.token;
    const push = ['push', '--quiet', '--force', 'origin', `HEAD:refs/heads/${branch}`];
    // Over https the token authenticates the push (the checkout keeps no credentials).
    run('git', /^https:/.test(git('remote', 'get-url', 'origin').trim()) ? ['-c', `http.extraheader=AUTHORIZATION: basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`, ...push] : push, options);

    const lines = promoted.map((service) => {
      const before = current[service];
      const after = wanted[service];
      const servicePath = facts.services.find((s) => s.name === service)!.path;
      const commits = before?.commit && after.commit ? commitsBetween(git, before.commit, after.commit, servicePath) : undefined;
      const changes = compareManifests(oldRendered[service], readOr(path.join(options.cwd, `deploy/rendered/${options.to}/${service}.yaml`)));
      return [
        `### ${service}`,
        '',
        '| | digest | commit |',
        '|---|---|---|',
        `| before | \`${before?.digest || '(none: the fallback tag)'}\` | ${before?.commit ? `\`${before.commit.slice(0, 12)}\`` : '?'} |`,
        `| after | \`${after.digest}\` | ${after.commit ? `\`${after.commit.slice(0, 12)}\`` : '?'} |`,
        '',
        commits === undefined ? 'Commits between: unknown (no commit recorded for the old digest).' : `Commits between (\`${servicePath}\`): ${commits.length === 0 ? 'none' : ''}`,
        ...(commits ?? []).map((c) => `- ${c}`),
        '',
        `Rendered diff of \`deploy/rendered/${options.to}/${service}.yaml\` (${changes.length} field${changes.length === 1 ? '' : 's'}):`,
        ...changes.slice(0, 20).map((c) => `- \`${c.replace(/`/g, "'")}\``),
        ...(changes.length > 20 ? [`- ... and ${changes.length - 20} more (see Files changed)`] : []),
        '',
      ].join('\n');
    });
    const body = [
      `Moves the image digests below into **${options.to}**${options.from ? ` from **${options.from}**` : ` from the build of \`${options.commit}\``}, and re-renders \`deploy/rendered/${options.to}/\`.`,
      '',
      `Signatures verified: \`${commandLine(verifyCommand(signing, facts.repository, '<image>@<digest>'))}\` accepted every digest here.`,
      ...(refused.length ? ['', `**Refused** (no signature of that identity; not promoted): ${refused.join(', ')}.`] : []),
      '',
      ...lines,
      'Merging deploys it (Argo CD syncs the environment). To roll back, revert this pull request.',
      '',
      '<!-- projen-gitops promotion -->',
    ].join('\n');

    const api = githubApi(options.apiUrl, token);
    const [owner] = facts.repository.split('/');
    const open = await api('GET', `/repos/${facts.repository}/pulls?state=open&head=${encodeURIComponent(`${owner}:${branch}`)}&base=${encodeURIComponent(base)}`);
    let number: number;
    let created = false;
    if (Array.isArray(open) && open.length > 0) {
      number = open[0].number;
      await api('PATCH', `/repos/${facts.repository}/pulls/${number}`, { title: subject, body });
      log(`updated pull request #${number}: ${subject}`);
    } else {
      number = (await api('POST', `/repos/${facts.repository}/pulls`, { title: subject, head: branch, base, body, maintainer_can_modify: true })).number;
      created = true;
      log(`opened pull request #${number}: ${subject}`);
    }
    return { pullRequest: number, created, promoted, refused };
  }
}

function readFacts(cwd: string): PromotionFacts {
  const file = path.join(cwd, PROMOTION_FACTS);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf-8'));
  } catch (e) {
    throw new PromoteError(`cannot read ${PROMOTION_FACTS} (${(e as Error).message.split('\n')[0]}); run \`npx projen\` with promotion on first`);
  }
}

function run(command: string, args: string[], options: PromoteOptions, mayFail = false): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd: options.cwd, env: options.env ?? process.env, encoding: 'utf-8' });
  if (!mayFail && result.status !== 0) {
    throw new PromoteError(`${command} ${args[0] === '-c' ? args.find((a) => !a.startsWith('-') && !a.includes('=')) : args[0]} failed: ${(result.stderr || result.error?.message || '').trim()}`);
  }
  return result;
}

/** Each service's digest, and the commit it was built from (the `# commit` comment), in a file at a git ref. */
function readImagesAt(git: (...args: string[]) => string, ref: string, file: string): Record<string, Entry> {
  let text: string;
  try {
    text = git('show', `${ref}:${file}`);
  } catch {
    return {};
  }
  return parseImages(text);
}

export function parseImages(text: string): Record<string, Entry> {
  const doc = parseDocument(text);
  const images: any = doc.get('images', true);
  const out: Record<string, Entry> = {};
  for (const item of images?.items ?? []) {
    const entry: any = item.value;
    const digest = entry?.get?.('digest', true);
    const comment = String(digest?.comment ?? '');
    const commit = /commit ([0-9a-f]{40})/.exec(comment)?.[1];
    out[String(item.key.value ?? item.key)] = { digest: String(digest?.value ?? ''), ...(commit ? { commit } : {}) };
  }
  return out;
}

/** The images.yaml of an environment: each digest with the commit it was built from as a comment. */
function writeImages(file: string, env: string, images: Record<string, Entry>): void {
  const names = Object.keys(images).sort();
  const body = stringify({ images: Object.fromEntries(names.map((s) => [s, { digest: images[s].digest }])) }, { lineWidth: 0 }).split('\n');
  // Comments go on the digest lines, in service order (stringify writes them in that order).
  let i = 0;
  const lines = body.map((line) => {
    if (!/^ {4}digest: /.test(line)) return line;
    const entry = images[names[i++]];
    return entry.commit ? `${line} # commit ${entry.commit}` : line;
  });
  fs.writeFileSync(file, [
    `# The image digest each service runs in ${env}: written by automation (promotion pull requests).`,
    '# synth reads this file and never overwrites it; an empty digest runs the fallback tag.',
    lines.join('\n'),
  ].join('\n'));
}

function readOr(file: string): string {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf-8') : '';
}

/** `<short sha> <subject>` of the commits between two builds that touch the service's folder (at most 30). */
function commitsBetween(git: (...args: string[]) => string, from: string, to: string, servicePath: string): string[] | undefined {
  try {
    const out = git('log', '--max-count=30', '--format=%h %s', `${from}..${to}`, '--', servicePath);
    // Subjects are untrusted text: shown as code, so no mention, link or markup takes effect.
    return out.split('\n').filter(Boolean).map((l) => `\`${l.slice(0, 120).replace(/`/g, "'")}\``);
  } catch {
    return undefined;
  }
}

function githubApi(apiUrl: string, token: string) {
  const root = apiUrl.replace(/\/+$/, '');
  return async (method: string, route: string, body?: object): Promise<any> => {
    const response = await fetch(`${root}${route}`, {
      method,
      headers: {
        'accept': 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        'user-agent': 'projen-gitops',
        'authorization': `Bearer ${token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(30_000),
    }).catch((error: Error) => {
      throw new PromoteError(`cannot reach ${root} (${error.message}); check GITHUB_API_URL`);
    });
    const text = await response.text();
    if (!response.ok) {
      const hint = response.status === 403 || response.status === 401
        ? '; the token needs "Contents: write" and "Pull requests: write" on the repository (the GitHub App, or the workflow token with "Allow GitHub Actions to create and approve pull requests")'
        : '';
      throw new PromoteError(`${method} ${route.split('?')[0]} answered ${response.status} (${text.slice(0, 300)})${hint}`);
    }
    return text ? JSON.parse(text) : undefined;
  };
}
