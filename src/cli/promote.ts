/**
 * `projen-gitops promote`: opens or updates the one pull request that moves image digests into
 * an environment (`deploy/environments/<env>/images.yaml`), re-rendered, for every service
 * whose digest changes, after `cosign verify` accepted each image's signature.
 */
import { spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { apiUrlOf, oneLine, parseCommandLine, single } from './args';
import { evaluateGates, gatesContext, gatesStatus, gateTable, GateResult, hasGates, readApprovals, readDeploymentRecords, when } from './gates';
import { githubApi, openPullRequests, pushAndOpenPullRequest } from './github-client';
import { heldMessage, holdAt } from './holds';
import { compareManifests } from '../helm/manifests';
import { DeployEngine } from '../model/deploy-engine';
import { Hold } from '../model/hold';
import { IMAGES_FILE_LIMIT, parseImagesText } from '../model/images-file';
import { imagesFile, renderedDir, renderedFile } from '../model/layout';
import { PROMOTION_BRANCH_PREFIX, PROMOTION_FACTS, PromotionFacts } from '../model/promotion';
import { checkRepository } from '../model/repository';
import { commandLine, SigningFacts, SigningMode, verifyCommand } from '../model/signing';

export { PROMOTION_BRANCH_PREFIX, PROMOTION_FACTS } from '../model/promotion';
export type { PromotionFacts } from '../model/promotion';
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
  /** Re-renders the manifests in a checkout of the promotion branch, `dir` (the CLI runs `npx projen` there). */
  readonly render: (dir: string) => void;
  readonly apiUrl: string;
  readonly token: string;
  /** The environment for child processes (`cosign`, `git`). */
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
  /** The clock the gates are evaluated at (epoch ms; `--now`, for tests and dry runs). @default - the time now */
  readonly now?: number;
  /** Only re-evaluate the open pull request into `to` (its gates and evidence); bring in nothing new. */
  readonly recheck?: boolean;
  /** Where the full evidence (the body before it is cut to GitHub's limit) is written. */
  readonly evidenceFile?: string;
  /**
   * The token the gates' commit status is set with (`STATUS_TOKEN`): the workflow's own, so the
   * status comes from GitHub Actions, the source the rulesets accept.
   * @default - `token`
   */
  readonly statusToken?: string;
}

/** A failure with a message for people; the CLI prints it and exits 1. */
export class PromoteError extends Error {}

/** GitHub refuses a pull request title longer than this ("title is too long (maximum is 256 characters)"). */
export const TITLE_LIMIT = 256;
/** GitHub refuses a pull request body longer than this (characters). */
export const BODY_LIMIT = 65536;
/** A service name as the model checks it (a DNS label): what `--digest SERVICE=` takes. */
const SERVICE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The `promote` command's options from its arguments and environment, or `'help'`. */
export function parsePromoteArgs(argv: string[], env: NodeJS.ProcessEnv): Omit<PromoteOptions, 'cwd' | 'render'> | 'help' {
  const fail = (message: string) => new PromoteError(message);
  const { values, positionals } = parseCommandLine(argv, {
    to: { type: 'string', multiple: true },
    from: { type: 'string', multiple: true },
    commit: { type: 'string', multiple: true },
    digest: { type: 'string', multiple: true },
    now: { type: 'string', multiple: true },
    evidence: { type: 'string', multiple: true },
    recheck: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  }, fail);
  if (values.help) return 'help';
  if (positionals.length > 0) throw fail(`unexpected argument ${JSON.stringify(positionals[0])} (see --help)`);
  const to = single(values, 'to', fail);
  const from = single(values, 'from', fail);
  const commit = single(values, 'commit', fail);
  const digests: Record<string, string> = {};
  for (const given of (values.digest as unknown as string[] | undefined) ?? []) {
    // An empty digest after '=' is a service the build did not publish (its job was skipped).
    const m = /^([^=]*)=(.*)$/s.exec(given);
    if (!m || !SERVICE.test(m[1])) throw fail(`--digest must be SERVICE=sha256:<64 hex digits> (or SERVICE= for a service the build did not publish), got ${JSON.stringify(given)}; try --digest orders=sha256:${'0'.repeat(64)}`);
    if (m[1] in digests) throw fail(`--digest: '${m[1]}' is given twice; give each service once`);
    digests[m[1]] = m[2];
  }
  if (!to) throw fail('--to ENV is needed (see --help)');
  const recheck = values.recheck === true;
  if (from !== undefined && (commit !== undefined || Object.keys(digests).length > 0)) throw fail('--from promotes what an environment runs; --commit and --digest are for a build: give one or the other');
  if (recheck && (commit !== undefined || Object.keys(digests).length > 0)) throw fail('--recheck re-evaluates the open pull request and brings in nothing new; leave out --commit and --digest');
  if (!recheck && from === undefined && commit === undefined) throw fail('give --from ENV, or --commit SHA with a --digest per service (see --help)');
  const nowText = single(values, 'now', fail) ?? env.PROJEN_GITOPS_NOW;
  const now = nowText === undefined || nowText === '' ? undefined : Date.parse(nowText);
  if (now !== undefined && (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(nowText!) || !Number.isFinite(now))) {
    throw fail(`--now must be an ISO 8601 time with its zone, got ${JSON.stringify(nowText)}; try --now 2026-12-24T09:00:00Z`);
  }
  const evidenceFile = single(values, 'evidence', fail);
  const token = env.GH_TOKEN || env.GITHUB_TOKEN;
  if (!token) throw fail('no token: set GH_TOKEN (the GitHub App token, or the workflow token) to one with "Contents: write" and "Pull requests: write"');
  return { to, from, commit, digests, token, apiUrl: apiUrlOf(env, fail), recheck, now, evidenceFile, statusToken: env.STATUS_TOKEN || undefined };
}


interface Entry { digest: string; commit?: string }

export interface PromoteResult {
  /** The pull request's number, if one was opened or updated. */
  readonly pullRequest?: number;
  readonly created: boolean;
  readonly promoted: string[];
  /** Services whose signature did not verify (left out). */
  readonly refused: string[];
  /** The gates evaluated on the pull request (none when the environment has no gates). */
  readonly gates?: GateResult[];
  /** The pull request's body as sent. */
  readonly body?: string;
  /** The hold that stopped the promotion (the environment is held: nothing was opened). */
  readonly held?: Hold;
}

export async function promote(options: PromoteOptions): Promise<PromoteResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const git = (...args: string[]) => run('git', args, options).stdout;
  const top = run('git', ['rev-parse', '--show-toplevel'], options, true).stdout.trim() || options.cwd;
  const facts = readFacts(top);
  // The repository goes into the API's URL paths: only an owner/name passes.
  const badRepository = checkRepository(facts.repository);
  if (badRepository) throw new PromoteError(`${PROMOTION_FACTS}: repository ${badRepository}; set repository in .projenrc.ts and run \`npx projen\``);
  const envs = facts.environments;
  const toIndex = envs.indexOf(options.to);
  if (toIndex < 0) throw new PromoteError(`--to: '${options.to}' is no deployed environment; try one of ${envs.join(', ')}`);
  if (options.from === undefined && options.recheck) {
    if (toIndex !== 0) throw new PromoteError(`--recheck: give --from ${envs[toIndex - 1]} with --to ${options.to}`);
  } else if (options.from === undefined) {
    if (toIndex !== 0) throw new PromoteError(`--to: a build goes into the first environment, '${envs[0]}', got '${options.to}'; use --from ${envs[toIndex - 1]} to promote into ${options.to}`);
    if (!options.commit || !COMMIT.test(options.commit)) throw new PromoteError(`--commit: must be the build's 40-hex commit, got ${JSON.stringify(options.commit)}`);
  } else if (envs.indexOf(options.from) !== toIndex - 1) {
    throw new PromoteError(`--from: '${options.to}' is promoted from '${envs[toIndex - 1] ?? '(none: it is the first)'}', got '${options.from}'`);
  }
  const isAncestor = (a: string, b: string) => run('git', ['merge-base', '--is-ancestor', a, b], options, true).status === 0;
  const branch = `${PROMOTION_BRANCH_PREFIX}${options.to}`;
  const base = facts.defaultBranch;
  // Over https the token authenticates fetch and push (the checkout keeps no credentials).
  const auth = /^https:/.test(git('remote', 'get-url', 'origin').trim()) ? ['-c', `http.extraheader=AUTHORIZATION: basic ${Buffer.from(`x-access-token:${options.token}`).toString('base64')}`] : [];
  git(...auth, 'fetch', '--quiet', 'origin', base);
  // The branch's commit on the remote, if it exists (what a failed promotion puts back).
  const remoteBranch = /^([0-9a-f]{40,64})\t/.exec(git(...auth, 'ls-remote', '--heads', 'origin', `refs/heads/${branch}`))?.[1];
  const hasBranch = remoteBranch !== undefined;
  if (hasBranch) git(...auth, 'fetch', '--quiet', 'origin', `+refs/heads/${branch}:refs/remotes/origin/${branch}`);
  const imagesPath = imagesFile;
  const at = (ref: string, env: string) => readImagesAt(git, ref, imagesPath(env), facts.services.map((s) => s.name));

  // What the environment runs, what the open pull request already moves, and what this run brings.
  const current = at(`origin/${base}`, options.to);
  // A held environment (a rollback's `hold:` in its images.yaml) takes no promotion until the hold is lifted.
  const held = holdAt(git, `origin/${base}`, imagesPath(options.to), (message) => new PromoteError(message));
  if (held) {
    log(heldMessage(options.to, held));
    return { created: false, promoted: [], refused: [], held };
  }
  const pending: Record<string, Entry> = {};
  if (hasBranch) {
    for (const [s, e] of Object.entries(at(`origin/${branch}`, options.to))) if (e.digest && e.digest !== current[s]?.digest) pending[s] = e;
  }
  const wanted: Record<string, Entry> = { ...pending };
  if (options.recheck && !hasBranch) {
    log(`no promotion branch ${branch}: nothing to re-evaluate`);
    return { created: false, promoted: [], refused: [] };
  }
  const incoming: Record<string, Entry> = options.recheck ? {} : options.from === undefined
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
  const signing = signingOf(facts);
  const signer = signing.key ?? facts.certificateIdentity;
  const check = (imageAtDigest: string) => verifySignature(facts, imageAtDigest, options.cwd, options.env);
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

  // The pull request's branch is built in a temporary worktree of the default branch: the
  // user's checkout (its HEAD, branch, index and files, committed or not) is never touched.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'projen-gitops-promote-'));
  const dir = path.join(scratch, 'tree');
  try {
    // No hooks of the checkout run in the scratch tree (they are the user's, for their work).
    git('-c', 'core.hooksPath=/dev/null', 'worktree', 'add', '--quiet', '--detach', dir, `origin/${base}`);
    return await openPullRequest();
  } finally {
    run('git', ['worktree', 'remove', '--force', dir], options, true);
    fs.rmSync(scratch, { recursive: true, force: true });
  }

  async function openPullRequest(): Promise<PromoteResult> {
    const inTree = (...args: string[]) => run('git', args, { ...options, cwd: dir }).stdout;
    const oldRendered = Object.fromEntries(promoted.map((s) => [s, readOr(path.join(dir, renderedFile(options.to, s)))]));
    const none = Object.fromEntries(facts.services.map((s) => [s.name, { digest: '' }]));
    writeImages(path.join(dir, imagesPath(options.to)), options.to, { ...none, ...current, ...wanted });
    renderWithTools(top, dir, options.render);
    // The scratch tree started clean at the default branch: every change in it is the
    // promotion's (images.yaml, the rendered files, the sync record .projen/gitops-state.json).
    inTree('add', '--all');
    const subject = pullRequestTitle(promoted, options.to);
    run('git', ['-c', 'user.name=projen-gitops promotion', '-c', 'user.email=projen-gitops@users.noreply.github.com', 'commit', '--quiet', '--no-verify', '-m', subject], { ...options, cwd: dir });
    let commit = inTree('rev-parse', 'HEAD').trim();
    // The same tree on the same base as the open pull request's head: nothing is pushed, so its
    // approvals (of that commit) stay, and a re-evaluation changes only the body and the status.
    const unchanged = remoteBranch !== undefined
      && git('rev-parse', `${remoteBranch}^{tree}`).trim() === inTree('rev-parse', 'HEAD^{tree}').trim()
      && run('git', ['rev-parse', `${remoteBranch}^`], options, true).stdout.trim() === git('rev-parse', `origin/${base}`).trim();
    if (unchanged) commit = remoteBranch!;
    const token = options.token;
    const push = (lease: string, refspec: string, mayFail = false) => run('git', [...auth, 'push', '--quiet', `--force-with-lease=refs/heads/${branch}:${lease}`, 'origin', refspec], options, mayFail);
    const identity = signing.mode === SigningMode.KMS_KEY ? `the KMS key \`${signing.key}\`` : `\`${facts.certificateIdentity}\` (issuer \`${facts.certificateOidcIssuer}\`)`;
    const sections = (full: boolean) => promoted.map((service) => {
      const before = current[service];
      const after = wanted[service];
      const servicePath = facts.services.find((s) => s.name === service)!.path;
      const commits = before?.commit && after.commit ? commitsBetween(git, before.commit, after.commit, servicePath, full ? 1000 : 30) : undefined;
      const changes = compareManifests(oldRendered[service], readOr(path.join(dir, renderedFile(options.to, service))));
      const shown = full ? changes : changes.slice(0, 20);
      return [
        `### ${service}`,
        '',
        '| | digest | commit |',
        '|---|---|---|',
        `| before | \`${before?.digest || '(none: the fallback tag)'}\` | ${before?.commit ? `\`${before.commit.slice(0, 12)}\`` : '?'} |`,
        `| after | \`${after.digest}\` | ${after.commit ? `\`${after.commit.slice(0, 12)}\`` : '?'} |`,
        '',
        `Signature: verified for ${identity} (${signing.mode}).`,
        '',
        // The published scan's results go to code scanning by category, not per digest: no count
        // for a digest can be read back honestly.
        'Vulnerabilities (before / after): not available (the published scan reports to code scanning per branch, not per digest; see the Security tab).',
        '',
        commits === undefined ? 'Commits between: unknown (no commit recorded for the old digest).' : `Commits between (\`${servicePath}\`): ${commits.length === 0 ? 'none' : ''}`,
        ...(commits ?? []).map((c) => `- ${c}`),
        '',
        `Rendered diff of \`${renderedFile(options.to, service)}\` (${changes.length} field${changes.length === 1 ? '' : 's'}):`,
        ...shown.map((c) => `- \`${c.replace(/`/g, "'")}\``),
        ...(changes.length > shown.length ? [`- ... and ${changes.length - shown.length} more (see Files changed, and the full evidence)`] : []),
        '',
      ].join('\n');
    });

    const api = githubApi(options.apiUrl, token, (message) => new PromoteError(message),
      'the token needs "Contents: write" and "Pull requests: write" on the repository (the GitHub App, or the workflow token with "Allow GitHub Actions to create and approve pull requests")');
    // The API answers before anything is pushed: a token that cannot read the pull requests
    // (or a wrong repository) stops here, with no branch pushed.
    const open = await openPullRequests(api, facts.repository, branch, base, (message) => new PromoteError(message));
    if (options.recheck && open.length === 0) {
      log(`no open promotion pull request into ${options.to}: nothing to re-evaluate`);
      return { created: false, promoted: [], refused };
    }

    // The gates, evaluated before the pull request is opened or updated.
    const gateFacts = facts.gates?.[options.to];
    const now = options.now ?? Date.now();
    let gates: GateResult[] | undefined;
    let table = '';
    if (gateFacts && hasGates(gateFacts)) {
      const previous = toIndex > 0 ? envs[toIndex - 1] : undefined;
      let mergedAt: number | undefined;
      let records;
      if (previous) {
        // The digests reached the previous environment with the last change of its images.yaml.
        const [mergeCommit, time] = git('log', '-1', '--format=%H %ct', `origin/${base}`, '--', imagesPath(previous)).trim().split(' ');
        mergedAt = mergeCommit ? Number(time) * 1000 : undefined;
        if (gateFacts.soakMinutes > 0 || gateFacts.requireHealthy) {
          records = await readDeploymentRecords(api, facts.repository, previous, (sha) => !!mergeCommit && isAncestor(mergeCommit, sha));
        }
      }
      const pull = open[0];
      const labels: string[] = Array.isArray(pull?.labels) ? pull.labels.map((l: any) => String(l?.name)) : [];
      const approvedBy = pull && gateFacts.approvals > 0 && Number.isSafeInteger(pull.number)
        ? await readApprovals(api, facts.repository, pull.number, commit)
        : [];
      const approvers = facts.approvers?.[options.to] ?? [];
      gates = evaluateGates({ now, gates: gateFacts, previous, mergedAt, records, labels, approvedBy, approvers });
      table = gateTable(options.to, gates, now);
      for (const g of gates) log(`gate ${g.gate}: ${g.state}: ${g.detail}`);
    }
    const hotfix = gates?.some((g) => g.gate === 'window' && g.detail.startsWith('HOTFIX'));
    const head = [
      `Moves the image digests below into **${options.to}**${options.from ? ` from **${options.from}**` : options.commit ? ` from the build of \`${options.commit}\`` : ''}, and re-renders \`${renderedDir(options.to)}/\`.`,
      '',
      ...(hotfix ? [`**Hotfix**: this promotion passed a deny window with the \`${gateFacts!.hotfixLabel}\` label (evaluated at ${when(now)}).`, ''] : []),
      ...(table ? [table] : []),
      `Signatures verified: \`${commandLine(verifyCommand(signing, facts.repository, '<image>@<digest>'))}\` accepted every digest here.`,
      ...(refused.length ? ['', `**Refused** (no signature of that identity; not promoted): ${refused.join(', ')}.`] : []),
      '',
    ].join('\n');
    const foot = [
      `Merging deploys it (${facts.deployEngine === DeployEngine.FLUX ? 'Flux applies the environment, unless it is suspended: then `flux resume`' : 'Argo CD syncs the environment'}). To roll back, revert this pull request.`,
      '',
      '<!-- projen-gitops promotion -->',
    ].join('\n');
    const fullEvidence = [head, ...sections(true), foot].join('\n');
    if (options.evidenceFile) {
      fs.mkdirSync(path.dirname(options.evidenceFile), { recursive: true });
      fs.writeFileSync(options.evidenceFile, fullEvidence);
    }
    const evidenceNote = options.evidenceFile ? 'The full evidence (every commit and field) is the workflow run\'s artifact `promotion-evidence`.\n' : '';
    const body = pullRequestBody(head, sections(false), `${evidenceNote}${foot}`);

    const fail = (message: string) => new PromoteError(message);
    const target = { repository: facts.repository, branch, base, commit, remoteBranch, push: !unchanged, gitPush: push };
    const { number, created } = await pushAndOpenPullRequest(api, target, open, subject, body, fail, log);
    if (gates) {
      // The required check: set with the workflow's own token (GitHub Actions is the source the rulesets accept).
      const statusApi = options.statusToken ? githubApi(options.apiUrl, options.statusToken, (message) => new PromoteError(message), 'the workflow token needs "Commit statuses: write" (statuses: write)') : api;
      const status = gatesStatus(gates);
      await statusApi('POST', `/repos/${facts.repository}/statuses/${commit}`, { state: status.state, context: gatesContext(options.to), description: status.description });
      log(`${gatesContext(options.to)}: ${status.state} (${status.description})`);
    }
    return { pullRequest: number, created, promoted, refused, gates, body };
  }
}

/**
 * The pull request's title: every service while it fits GitHub's limit, else the first ones
 * and how many more (the body lists them all, or says it was cut).
 */
export function pullRequestTitle(services: string[], to: string): string {
  const all = `Promote ${services.join(', ')} to ${to}`;
  if (all.length <= TITLE_LIMIT) return all;
  for (let n = services.length - 1; n >= 0; n--) {
    const title = `Promote ${services.slice(0, n).join(', ')}${n ? ' and ' : ''}${services.length - n} more service${services.length - n === 1 ? '' : 's'} to ${to}`;
    if (title.length <= TITLE_LIMIT) return title;
  }
  return `Promote ${services.length} services to ${to}`.slice(0, TITLE_LIMIT);
}

/**
 * The pull request's body: head, one section per service and foot, under GitHub's limit. When
 * the sections do not all fit, the last ones are left out and the body says so, naming them.
 */
export function pullRequestBody(head: string, sections: string[], foot: string): string {
  const whole = [head, ...sections, foot].join('\n');
  if (whole.length < BODY_LIMIT) return whole;
  const names = sections.map((section) => /^### (.*)/.exec(section)?.[1] ?? '?');
  const kept: string[] = [];
  let size = head.length + foot.length + 2;
  const note = (left: string[]) => {
    const text = `**This description is cut** to GitHub's ${BODY_LIMIT}-character limit: ${left.length} service${left.length === 1 ? '' : 's'} not shown here (${left.join(', ')}); Files changed has every change.\n`;
    return text.length > 4000 ? `**This description is cut** to GitHub's ${BODY_LIMIT}-character limit: ${left.length} services not shown here; Files changed has every change.\n` : text;
  };
  for (let i = 0; i < sections.length; i++) {
    const room = BODY_LIMIT - 1 - size - sections[i].length - 1 - note(names.slice(i + 1)).length - 1;
    if (room < 0) break;
    kept.push(sections[i]);
    size += sections[i].length + 1;
  }
  let cutHead = head;
  if (kept.length === 0 && size + note(names).length + 1 >= BODY_LIMIT) cutHead = `${head.slice(0, BODY_LIMIT - foot.length - note(names).length - 100)}...`;
  return [cutHead, ...kept, note(names.slice(kept.length)), foot].join('\n');
}

export function readFacts(cwd: string): PromotionFacts {
  let text: string;
  try {
    text = fs.readFileSync(path.join(cwd, PROMOTION_FACTS), 'utf-8');
  } catch (e) {
    throw new PromoteError(`cannot read ${PROMOTION_FACTS} (${oneLine((e as Error).message, 200)}); run \`npx projen\` with promotion on first`);
  }
  return parseFacts(text);
}

/** The facts of `deploy/promotion.json`'s text, checked as strictly as `promote` reads them. */
export function parseFacts(text: string): PromotionFacts {
  let facts: any;
  try {
    facts = JSON.parse(text);
  } catch (e) {
    throw new PromoteError(`cannot read ${PROMOTION_FACTS} (${oneLine((e as Error).message, 200)}); run \`npx projen\` with promotion on first`);
  }
  const strings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');
  const ok = facts && typeof facts === 'object'
    && ['repository', 'defaultBranch', 'certificateIdentity', 'certificateOidcIssuer'].every((k) => typeof facts[k] === 'string')
    && strings(facts.environments) && facts.environments.every((e: string) => SERVICE.test(e))
    && Array.isArray(facts.services) && facts.services.every((s: any) => s && SERVICE.test(s.name) && typeof s.image === 'string' && typeof s.path === 'string')
    && (facts.deployEngine === undefined || (Object.values(DeployEngine) as unknown[]).includes(facts.deployEngine));
  if (!ok) throw new PromoteError(`${PROMOTION_FACTS} is not what synth writes (repository, defaultBranch, environments, services, certificateIdentity, certificateOidcIssuer); put it back with \`git checkout -- ${PROMOTION_FACTS}\` and run \`npx projen\``);
  return facts;
}

/** The signing facts of a promotion.json; one from before the signing modes is keyless, for the identity it names. */
export function signingOf(facts: PromotionFacts): SigningFacts {
  const legacy = { mode: SigningMode.KEYLESS, certificateIdentity: facts.certificateIdentity, certificateOidcIssuer: facts.certificateOidcIssuer };
  return facts.signing ?? legacy as SigningFacts;
}

/**
 * Verifies `image@digest` with the repository's signing mode for the expected identity (its
 * container workflow on the default branch): what promotion and the required verification
 * check both run.
 */
export function verifySignature(facts: PromotionFacts, imageAtDigest: string, cwd: string, env?: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  const [command, ...args] = verifyCommand(signingOf(facts), facts.repository, imageAtDigest);
  // gh reads the attestations with a token that may read them (the job's own token).
  const childEnv = command === 'gh' && env?.ATTESTATIONS_TOKEN ? { ...env, GH_TOKEN: env.ATTESTATIONS_TOKEN } : env;
  return spawnSync(command, args, { cwd, env: childEnv ?? process.env, encoding: 'utf-8' });
}

function run(command: string, args: string[], options: PromoteOptions, mayFail = false): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd: options.cwd, env: options.env ?? process.env, encoding: 'utf-8' });
  if (!mayFail && result.status !== 0) {
    throw new PromoteError(`${command} ${args[0] === '-c' ? args.find((a) => !a.startsWith('-') && !a.includes('=')) : args[0]} failed: ${(result.stderr || result.error?.message || '').trim()}`);
  }
  return result;
}

/**
 * Each service's digest, and the commit it was built from (the `# commit` comment), in a file
 * at a git ref; read as strictly as synth reads it (no aliases or merge keys, only known
 * services, a size limit checked before reading).
 */
function readImagesAt(git: (...args: string[]) => string, ref: string, file: string, services: readonly string[]): Record<string, Entry> {
  let size: number;
  try {
    size = Number(git('cat-file', '-s', `${ref}:${file}`).trim());
  } catch {
    return {}; // no such file at that ref: nothing pinned
  }
  if (!(size <= IMAGES_FILE_LIMIT)) throw new PromoteError(`${file} at ${ref} holds ${size} bytes, more than the ${IMAGES_FILE_LIMIT} an images.yaml may have`);
  return parseImages(git('show', `${ref}:${file}`), services, `${file} at ${ref}`);
}

/** The entries of images.yaml's text; a file synth would refuse is a `PromoteError`. */
export function parseImages(text: string, services?: readonly string[], where = 'images.yaml'): Record<string, Entry> {
  const parsed = parseImagesText(text, services);
  if (parsed.problem !== undefined) throw new PromoteError(`${where} ${parsed.problem.replace('<file>', where.split(' ')[0])}`);
  return parsed.images;
}

/** The images.yaml of an environment: each digest with the commit it was built from as a comment (and its hold, if held). */
export function writeImages(file: string, env: string, images: Record<string, Entry>, hold?: Hold): void {
  const names = Object.keys(images).sort();
  const body = stringify({ ...(hold ? { hold: { reason: hold.reason, by: hold.by, since: hold.since } } : {}), images: Object.fromEntries(names.map((s) => [s, { digest: images[s].digest }])) }, { lineWidth: 0 }).split('\n');
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

/**
 * Re-renders a scratch tree with the checkout's installed tools (`npx projen` runs .projenrc.ts
 * with them): node_modules is linked for the render, and gone before anything is staged.
 */
export function renderWithTools(checkout: string, dir: string, render: (dir: string) => void): void {
  const modules = path.join(checkout, 'node_modules');
  const link = path.join(dir, 'node_modules');
  if (fs.existsSync(modules) && !fs.existsSync(link)) fs.symlinkSync(modules, link, 'dir');
  try {
    render(dir);
  } finally {
    if (fs.lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink()) fs.unlinkSync(link);
  }
}

function readOr(file: string): string {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf-8') : '';
}

/** `<short sha> <subject>` of the commits between two builds that touch the service's folder (at most `max`). */
function commitsBetween(git: (...args: string[]) => string, from: string, to: string, servicePath: string, max = 30): string[] | undefined {
  try {
    const out = git('log', `--max-count=${max}`, '--format=%h %s', `${from}..${to}`, '--', servicePath);
    // Subjects are untrusted text: shown as code, so no mention, link or markup takes effect.
    return out.split('\n').filter(Boolean).map((l) => `\`${l.slice(0, 120).replace(/`/g, "'")}\``);
  } catch {
    return undefined;
  }
}

