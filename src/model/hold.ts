/**
 * A hold on an environment: written into its `deploy/environments/<env>/images.yaml` by the
 * rollback pull request (`projen-gitops promote --rollback ENV`), lifted by the release pull
 * request (`--release-hold ENV`). While it is there, `promote` opens no pull request into the
 * environment. One grammar, read by synth, `promote`, `metrics` and (as JSON schema) helm.
 */

/** `hold:` in images.yaml: why, who, when. */
export interface Hold {
  /** Why the environment is held (one line, what the release manager wrote with `--reason`). */
  readonly reason: string;
  /** Who held it: the GitHub login (GITHUB_ACTOR) or the git user that ran the rollback. */
  readonly by: string;
  /** When, in UTC: `YYYY-MM-DDTHH:MM:SSZ`. */
  readonly since: string;
}

/** The longest reason kept (GitHub's commit status description is 140; a pull request title 256). */
export const HOLD_REASON_LIMIT = 200;
/** The longest `by`: a GitHub login is at most 39 characters; a git user name may be longer. */
export const HOLD_BY_LIMIT = 100;
/** One line of printable text, no backtick (shown as code in pull request bodies), no leading or trailing space. */
const TEXT = '^[^\\x00-\\x1f\\x7f`\\s]([^\\x00-\\x1f\\x7f`]*[^\\x00-\\x1f\\x7f`\\s])?$';
/** An RFC 3339 timestamp in UTC, to the second, as `new Date().toISOString()` gives it without milliseconds. */
export const HOLD_SINCE_PATTERN = '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z$';

/**
 * The hold's JSON schema: in the charts' `values.schema.json` (Argo CD's chart source and the
 * deploy check pass images.yaml to helm as a values file, and helm checks it against that).
 */
export function holdSchema(): object {
  return {
    type: 'object',
    description: 'A hold on the environment (written by `projen-gitops promote --rollback`): while it is here, promotion into the environment stops.',
    properties: {
      reason: { type: 'string', minLength: 1, maxLength: HOLD_REASON_LIMIT, pattern: TEXT },
      by: { type: 'string', minLength: 1, maxLength: HOLD_BY_LIMIT, pattern: TEXT },
      since: { type: 'string', pattern: HOLD_SINCE_PATTERN },
    },
    required: ['reason', 'by', 'since'],
    additionalProperties: false,
  };
}

/** The problem with one hold field's text (`undefined`: fine), the fix included. */
export function checkHoldText(field: 'reason' | 'by', value: unknown): string | undefined {
  const limit = field === 'reason' ? HOLD_REASON_LIMIT : HOLD_BY_LIMIT;
  const example = field === 'reason' ? "'orders answers 500 since 1.4.2'" : "'octocat'";
  if (typeof value !== 'string' || value.length === 0) return `must be a non-empty string, got ${JSON.stringify(value ?? null)}; try ${example}`;
  if (value.length > limit) return `is ${value.length} characters, more than ${limit}; shorten it (the pull request says the rest)`;
  if (!new RegExp(TEXT).test(value)) return `must be one line of text with no backtick and no leading or trailing space, got ${JSON.stringify(value.slice(0, 80))}; try ${JSON.stringify(value.replace(/[\x00-\x1f\x7f`]+/g, ' ').replace(/\s+/g, ' ').trim() || example.slice(1, -1))}`;
  return undefined;
}

/** The problem with `hold:` as read from images.yaml (`undefined`: a valid hold), naming the key. */
export function checkHold(value: unknown): string | undefined {
  const example = `hold: { reason: "orders answers 500 since 1.4.2", by: "octocat", since: "${new Date(0).toISOString().replace(/\.\d{3}Z$/, 'Z')}" }`;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return `hold must be a map with reason, by and since, got ${JSON.stringify(value ?? null)}; try '${example}', or delete 'hold:' to lift it`;
  }
  const keys = Object.keys(value);
  const unknown = keys.filter((k) => !['reason', 'by', 'since'].includes(k));
  if (unknown.length > 0) return `hold.${unknown[0]} is no field of a hold (reason, by, since); delete it`;
  for (const field of ['reason', 'by'] as const) {
    const problem = checkHoldText(field, (value as any)[field]);
    if (problem) return `hold.${field} ${problem}`;
  }
  const since = (value as any).since;
  if (typeof since !== 'string' || !new RegExp(HOLD_SINCE_PATTERN).test(since)) {
    return `hold.since must be a UTC time as YYYY-MM-DDTHH:MM:SSZ, got ${JSON.stringify(since ?? null)}; try '${new Date(0).toISOString().replace(/\.\d{3}Z$/, 'Z')}'`;
  }
  return undefined;
}

/** Now, as a hold's `since`. */
export function holdTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
