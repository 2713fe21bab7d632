/**
 * Pure option checks, one grammar per option. Each returns `undefined` when the value is fine,
 * else a message with the bad value as written and a fix, phrased to follow the option name.
 * A fix is written `try '<value>'` at the end of the message (`fixOf` reads it back) and is
 * itself accepted by the same check.
 */

/** A value as the user wrote it: strings quoted and escaped (long ones cut), NaN as `NaN`. */
export function show(value: unknown): string {
  if (typeof value === 'string') {
    const cut = value.length > 120 ? `${[...value].slice(0, 100).join('')}...` : value;
    const escaped = cut.replace(/[\\']/g, '\\$&').replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
      const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
      return named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
    });
    return `'${escaped}'${cut === value ? '' : ` (${value.length} characters)`}`;
  }
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean' || value === undefined || value === null) {
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  if (typeof value === 'object') {
    return `{ ${Object.entries(value as object).map(([k, v]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : show(k)}: ${show(v)}`).join(', ')} }`;
  }
  return String(value);
}

/**
 * The option path of a key under `at`, spelt as the option walk spells it (`services.api`,
 * `services['my-api']`): one spelling, so problems of one option meet under one path.
 */
export function optionPath(at: string, key: string): string {
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return at ? `${at}.${key}` : key;
  return `${at}[${show(key)}]`;
}

/** The fix a message suggests (`try '<value>'`), if it names one. */
export function fixOf(message: string): string | number | undefined {
  const match = /\btry (?:'((?:[^'\\]|\\.)*)'|(\d+)\b)/.exec(message);
  if (!match) return undefined;
  return match[2] !== undefined ? Number(match[2]) : match[1].replace(/\\(.)/g, '$1');
}

const fail = (what: string, value: unknown, fix: string) => `${what}, got ${show(value)}; try '${fix.replace(/[\\']/g, '\\$&')}'`;

// Grammars of the distribution reference (github.com/distribution/reference, regexp.go).
const ALPHA_NUMERIC = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALPHA_NUMERIC}(?:${SEPARATOR}${ALPHA_NUMERIC})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const IPV6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const HOST = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|${IPV6})`;
const DOMAIN = `${HOST}(?::([0-9]+))?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REMOTE_NAME = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const REGISTRY_HOST = new RegExp(`^${DOMAIN}$`);
const REFERENCE = new RegExp(`^(?:(${DOMAIN})/)?(${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`);
// Digests of the algorithms registries serve, with their exact lengths.
const DIGEST_LENGTHS: Record<string, number> = { sha256: 64, sha512: 128 };
const NAME_MAX = 255;

/** A lowercase suggestion for a repository name, e.g. `My_App/` to `my_app`. */
export function suggestImageName(value: string): string {
  return String(value)
    .toLowerCase()
    .split('/')
    .map((part) => part.replace(/[^a-z0-9._-]+/g, '-').replace(/[._-]{2,}/g, '-').replace(/^[._-]+|[._-]+$/g, ''))
    .filter((part) => part.length > 0)
    // A first part with '.' would read as a registry host (Docker's rule): the fix must stay a name.
    .map((part, i, parts) => (i === 0 && parts.length > 1 && part.includes('.') ? part.replace(/\./g, '-') : part))
    .join('/')
    .slice(0, NAME_MAX)
    .replace(/[/._-]+$/, '');
}

/** Docker's rule: a first component with '.' or ':', or 'localhost', names a registry. */
function hasRegistry(parts: string[]): boolean {
  return parts.length > 1 && (/[.:]/.test(parts[0]) || parts[0] === 'localhost');
}

function portProblem(port: string | undefined): boolean {
  return port !== undefined && !(Number(port) >= 1 && Number(port) <= 65535);
}

/**
 * `imageName`: the repository path of the distribution reference grammar (lowercase
 * path components separated by `/`, each `[a-z0-9]+` joined by `.`, `_`, `__` or dashes; at
 * most 255 characters), without registry, tag or digest.
 */
export function checkImageName(value: string): string | undefined {
  if (typeof value !== 'string') return fail('must be a string', value, 'my-service');
  const parts = value.split('/');
  if (hasRegistry(parts) && REGISTRY_HOST.test(parts[0]) && !portProblem(REGISTRY_HOST.exec(parts[0])![1])) {
    const rest = suggestImageName(parts.slice(1).join('/')) || 'my-service';
    return `must not include the registry ('${parts[0]}'), got ${show(value)}; set registry: '${parts[0]}' and imageName: '${rest}'; try '${rest}'`;
  }
  if (value.length === 0 || value.length > NAME_MAX || !REMOTE_NAME.test(value)) {
    return fail(`must be an OCI repository name (lowercase letters and digits, joined by '.', '_', '__' or '-', in parts separated by '/'; no registry, no tag; at most ${NAME_MAX} characters)`, value, suggestImageName(value) || 'my-service');
  }
  return undefined;
}

/** `registry`: a host (DNS name, IPv4 or `[IPv6]`) with an optional port from 1 to 65535; no scheme, no path. */
export function checkRegistry(value: string): string | undefined {
  const match = typeof value === 'string' ? REGISTRY_HOST.exec(value) : null;
  if (!match || portProblem(match[1])) {
    const host = String(value).replace(/^[a-z]+:\/\//i, '').split(/[/\s]/)[0].replace(/:[^:]*$/, '').replace(/[^A-Za-z0-9.-]/g, '');
    const fix = REGISTRY_HOST.test(host) ? host : 'ghcr.io';
    return fail('must be a registry host (a DNS name or IP address) with an optional port from 1 to 65535, and no scheme or path', value, fix);
  }
  return undefined;
}

/**
 * `baseImage`, `buildImage`: a full distribution reference (`[host[:port]/]path[:tag][@digest]`,
 * github.com/distribution/reference), which must pin a version: a tag other than `latest`,
 * or a `sha256:` digest. `fallback` (the runtime's default image) is the fix when no pinned
 * version can be read from the value.
 */
export function checkImageReference(value: string, fallback = 'docker.io/library/node:22-trixie-slim'): string | undefined {
  const match = typeof value === 'string' ? REFERENCE.exec(value) : null;
  const pin = (name: string) => `pin a version as '${name}:<version>' or '${name}@sha256:<digest>'`;
  if (!match) {
    // A reference that is almost right: fix the part that is wrong.
    const text = String(value).split(/\s/)[0];
    const at = text.indexOf('@');
    const nameAndTag = at >= 0 ? text.slice(0, at) : text;
    const slash = nameAndTag.lastIndexOf('/');
    const colon = nameAndTag.indexOf(':', slash + 1);
    const name = colon >= 0 ? nameAndTag.slice(0, colon) : nameAndTag;
    const parts = name.split('/');
    const host = hasRegistry(parts) && REGISTRY_HOST.test(parts[0]) && !portProblem(REGISTRY_HOST.exec(parts[0])![1]) ? `${parts[0]}/` : '';
    const path = suggestImageName(host ? parts.slice(1).join('/') : name);
    const tag = colon >= 0 ? nameAndTag.slice(colon + 1).replace(/[^\w.-]/g, '').replace(/^[.-]+/, '').slice(0, 128) : '';
    const fixed = path && tag && tag !== 'latest' ? `${host}${path}:${tag}` : undefined;
    const fix = fixed && !checkImageReference(fixed) ? fixed : fallback;
    if (at >= 0 && REFERENCE.test(nameAndTag) && !/\s/.test(String(value))) {
      return `has a malformed digest, got ${show(value)}; use '@sha256:' followed by 64 lowercase hex digits, or a tag; try '${fix}'`;
    }
    return `must be an image reference like '${fallback}' ([registry[:port]/]name[:tag][@sha256:digest]), got ${show(value)}; try '${fix}'`;
  }
  const [, domain, port, path, tag, digest] = match;
  if (portProblem(port)) {
    const fixed = `${domain.replace(/:[0-9]+$/, '')}/${path}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
    return fail('must have a registry port from 1 to 65535', value, checkImageReference(fixed) ? fallback : fixed);
  }
  if (path.length > NAME_MAX) {
    return fail(`must have a name of at most ${NAME_MAX} characters`, value, fallback);
  }
  const name = domain ? `${domain}/${path}` : path;
  if (digest !== undefined) {
    const [algorithm, hex] = digest.split(':');
    if (DIGEST_LENGTHS[algorithm] !== hex.length || /[A-F]/.test(hex)) {
      const fix = tag && tag !== 'latest' ? `${name}:${tag}` : fallback;
      return `has a malformed digest, got ${show(value)}; use '@sha256:' followed by 64 lowercase hex digits, or a tag; try '${fix}'`;
    }
  }
  if (digest === undefined && (tag === undefined || tag === 'latest')) {
    return `must pin a version with a tag other than 'latest' or a digest, got ${show(value)}; ${pin(name)}, or try '${fallback}'`;
  }
  return undefined;
}

/** `port`: an integer from 1 to 65535. */
export function checkPort(value: number): string | undefined {
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    return `must be an integer from 1 to 65535, got ${show(value)}; try 8080`;
  }
  return undefined;
}

// RFC 3986 path characters without the ones a shell, nginx or a Dockerfile treats specially.
const HEALTH_PATH = /^\/[A-Za-z0-9._~%+,=:@/-]*$/;

/**
 * `healthPath`: an absolute URL path (`/` then RFC 3986 path characters: letters, digits and
 * `. _ ~ % + , = : @ / -`); no query, fragment, quotes, spaces, `$`, `;` or braces.
 */
export function checkHealthPath(value: string): string | undefined {
  if (typeof value !== 'string' || !HEALTH_PATH.test(value) || value.length > 1024) {
    const text = typeof value === 'string' ? value.trim() : '';
    const path = text.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '').replace(/[?#].*$/, '');
    const cleaned = `/${path.replace(/[^A-Za-z0-9._~%+,=:@/-]+/g, '-').replace(/^[/-]+/, '')}`.slice(0, 200);
    return fail("must be an absolute URL path: '/' then letters, digits and '. _ ~ % + , = : @ / -' (no spaces, quotes, '$', ';', braces, query or fragment)", value, cleaned === '/' && !path ? '/healthz' : cleaned);
  }
  return undefined;
}

/** `uid`: a non-root numeric user id, 1 to 2147483647. */
export function checkUid(value: number): string | undefined {
  if (!Number.isInteger(value) || value < 1 || value > 2147483647) {
    const why = value === 0 ? ' (0 is root; images run as a non-root user)' : '';
    return `must be a non-root numeric user id from 1 to 2147483647${why}, got ${show(value)}; try 10001`;
  }
  return undefined;
}

/** `nodeVersion`: a major (`22`) or full version (`22.11.0`) of 18 or later. */
export function checkNodeVersion(value: string): string | undefined {
  const match = typeof value === 'string' ? /^(\d{1,3})(?:\.\d{1,4}){0,2}$/.exec(value) : null;
  if (!match || Number(match[1]) < 18) {
    return fail('must be a Node.js version of 18 or later written as a major or full version (used as the node image tag)', value, '22');
  }
  return undefined;
}

/**
 * `defaultBranch` (`branch`): a branch name git accepts (`git check-ref-format --branch`), in
 * ASCII letters, digits, `.`, `_`, `/` and `-` only, so no expression (`${{`), quote, space,
 * GitHub filter pattern character (`* ? + [ !`) or shell character can reach a workflow;
 * git's rules on top: no `..` or `//`, no part starting with `.` or ending with `.lock`, not
 * starting with `-` or `/`, not ending with `/` or `.`, not `HEAD`.
 */
export function checkBranch(value: string): string | undefined {
  const bad = typeof value !== 'string' || !/^[A-Za-z0-9._/-]{1,255}$/.test(value) || branchSyntax(value) || value === 'HEAD';
  if (bad) {
    const cleaned = String(value)
      .replace(/\$\{\{[^}]*\}\}/g, '')
      .replace(/[^A-Za-z0-9._/-]+/g, '-')
      .replace(/\.lock(?=\/|$)/g, '')
      .replace(/\.{2,}/g, '.')
      .replace(/\/{2,}/g, '/')
      .replace(/(^|\/)[.-]+/g, '$1')
      .replace(/[/.-]+$/, '')
      .slice(0, 100)
      .replace(/[/.-]+$/, '');
    const fix = cleaned && cleaned !== 'HEAD' && !branchSyntax(cleaned) ? cleaned : 'main';
    return fail("must be a git branch name of letters, digits, '.', '_', '/' and '-' (no '..' or '//', no part starting with '.' or ending with '.lock', not ending with '/' or '.')", value, fix);
  }
  return undefined;
}

function branchSyntax(value: string): boolean {
  return /(^[-/])|(\/$)|(\.$)|\.\.|\/\/|(^|\/)\.|\.lock(\/|$)/.test(value);
}

/** `tagPattern`: a git tag glob (the characters of a branch name, and `*`), not `refs/tags/...`. */
export function checkTagPattern(value: string): string | undefined {
  if (typeof value !== 'string' || !/^[A-Za-z0-9._*-][A-Za-z0-9._/*-]{0,99}$/.test(value) || /\.\.|\/\/|\/$|^refs\//.test(value)) {
    return fail("must be a tag glob of letters, digits, '.', '_', '-', '/' and '*' (without 'refs/tags/')", value, 'v*');
  }
  return undefined;
}

/**
 * `deps`, `devDeps`: an npm package name (lowercase, optionally `@scope/`, at most 214; the
 * rule of validate-npm-package-name for new packages) with an optional `@` and a version
 * spec of printable ASCII without quotes, backticks, `$` or `\\`.
 */
const DEPENDENCY = /^((?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*)(?:@([\x20-\x7e]*))?$/;

export function checkDependency(value: string): string | undefined {
  const match = typeof value === 'string' ? DEPENDENCY.exec(value) : null;
  if (!match || match[1].length > 214 || /["'`$\\]/.test(match[2] ?? '')) {
    const name = String(value).toLowerCase().replace(/^(@?[^@]*).*$/, '$1').replace(/[^a-z0-9@/._~-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 214);
    const fix = DEPENDENCY.test(name) && !name.includes('@', 1) ? name : 'express';
    return fail("must be an npm package name (lowercase, optionally '@scope/') with an optional '@' and version range", value, fix);
  }
  return undefined;
}

/** `runsOn`: a runner label (letters, digits, `.`, `_`, `-`), never an expression. */
export function checkRunnerLabel(value: string): string | undefined {
  if (typeof value !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(value)) {
    return fail("must be a runner label of letters, digits, '.', '_' and '-'", value, 'ubuntu-24.04');
  }
  return undefined;
}

/** `requiredApprovals`: 0 to 10 (GitHub's limit). */
export function checkApprovals(value: number): string | undefined {
  if (!Number.isInteger(value) || value < 0 || value > 10) {
    return `must be an integer from 0 to 10 (GitHub's limit), got ${show(value)}; try 1`;
  }
  return undefined;
}

const EMAIL = /^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,63}$/;
const OWNER = /^@[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?(?:\/[A-Za-z0-9._-]{1,100})?$/;

/** `codeOwners`: `@user`, `@org/team` (GitHub's login and team slug characters) or an email address. */
export function checkOwner(value: string): string | undefined {
  if (typeof value !== 'string' || !(OWNER.test(value) || EMAIL.test(value))) {
    // A team stays a team (`@org/team`), a user a user: the fix keeps the meaning.
    const [org, team] = String(value).trim().replace(/^@+/, '').split('/');
    const login = org.replace(/[^A-Za-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 39).replace(/-+$/, '');
    const slug = (team ?? '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 100);
    const fix = login && team !== undefined ? (slug ? `@${login}/${slug}` : `@${login}/my-team`) : login ? `@${login}` : '@my-org/my-team';
    return fail("must be '@user', '@org/team' or an email address", value, OWNER.test(fix) ? fix : '@my-org/my-team');
  }
  return undefined;
}

/** `securityContact`: an email address or an https URL (host and RFC 3986 path characters). */
export function checkContact(value: string): string | undefined {
  if (typeof value !== 'string' || !(EMAIL.test(value) || /^https:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?(?:\/[A-Za-z0-9._~%!&'()*+,;=:@/-]*)?$/.test(value))) {
    return fail('must be an email address or an https URL', value, 'security@example.com');
  }
  return undefined;
}

/** `name` (of a project): lowercase letters, digits, `.`, `_`, `-`, starting with a letter or digit, at most 214. */
export function checkProjectName(value: string): string | undefined {
  if (typeof value !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,213}$/.test(value)) {
    const suggestion = suggestImageName(String(value ?? '')).replace(/\//g, '-').slice(0, 214) || 'my-service';
    return fail("must be lowercase letters, digits, '.', '_' or '-' (it names the folder, package and image)", value, suggestion);
  }
  return undefined;
}

/**
 * A service's name (`services[].name`, `serviceName`): what a GitHub Actions job id
 * (`^[A-Za-z_][A-Za-z0-9_-]*$`) and a DNS label (RFC 1123: lowercase letters, digits and
 * `-`, at most 63, not ending with `-`) both accept: `^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`.
 */
export function checkServiceName(value: string): string | undefined {
  if (typeof value !== 'string' || !/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/.test(value) || yaml11Type(value)) {
    let fix = String(value).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+/, '');
    if (/^[0-9]/.test(fix)) fix = `svc-${fix}`;
    fix = fix.slice(0, 63).replace(/-+$/, '');
    if (fix && yaml11Type(fix)) fix = `${fix}-svc`;
    return fail("must be a lowercase name of letters, digits and '-', starting with a letter, not ending with '-', at most 63 characters, and not a YAML 1.1 boolean or null such as 'on' or 'no' (it is a job id and a DNS label)", value, fix || 'my-service');
  }
  return undefined;
}

/**
 * A service's folder (`services[].path`): relative, normalized, in parts of
 * `[A-Za-z0-9][A-Za-z0-9._-]*` separated by `/` (so no `..`, no quotes, `$`, spaces or
 * newlines can reach a script or an ignore file), at most 200 characters; or `.`, the root.
 */
export function checkServicePath(value: string): string | undefined {
  if (typeof value !== 'string' || value.length > 200 || !(value === '.' || /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/.test(value))) {
    const fix = String(value)
      .split('/')
      .map((part) => part.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[._-]+|[._-]+$/g, ''))
      .filter((part) => part.length > 0)
      .join('/')
      .slice(0, 200)
      .replace(/\/+$/, '');
    return fail("must be a folder inside the repository: parts of letters, digits, '.', '_', '-' (each starting with a letter or digit) separated by '/'", value, fix || 'services/my-service');
  }
  return undefined;
}

/**
 * A line of text (`title`, `description`): one line of printable characters (no control or
 * line-separator characters), without `<`, `>`, `` ` `` or `$` (HTML, Markdown code and
 * Dockerfile variables), at most `max`.
 */
export function checkText(value: string, max: number): string | undefined {
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > max || /[\p{C}\p{Zl}\p{Zp}<>`$]/u.test(value)) {
    const fix = String(value).replace(/[\p{C}\p{Zl}\p{Zp}<>`$]+/gu, ' ').replace(/\s+/g, ' ').trim().slice(0, max).trim();
    return fail(`must be one line of at most ${max} printable characters, without '<', '>', '\`' or '$'`, value, fix || 'My service');
  }
  return undefined;
}

/**
 * The severities of GitHub's advisory database, mildest first: the levels the dependency
 * graph reports (`vulnerabilities[].severity` of the dependency review REST API) and
 * the grammar of the former dependency review action's `fail-on-severity`.
 */
export const SEVERITIES = ['low', 'moderate', 'high', 'critical'];

/**
 * `failOnSeverity`: one of `SEVERITIES`. `enumName` names the enum whose members are these
 * values (`AdvisorySeverity`, for an option of `.projenrc.ts`): the fix is then written as its
 * member; without it (a command-line flag), as the plain string.
 */
export function checkSeverity(value: string, enumName?: string): string | undefined {
  if (typeof value !== 'string' || !SEVERITIES.includes(value)) {
    const values = SEVERITIES.map((s) => `'${s}'`).join(', ');
    return enumName
      ? `must be one of ${values} (${enumName}), got ${show(value)}; try ${enumName}.MODERATE`
      : `must be one of ${values}, got ${show(value)}; try 'moderate'`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Grammars of the names we derive (issue 22): where each name goes, the rule of that place.
// ---------------------------------------------------------------------------------------------

// YAML 1.1 (yaml.org/type/bool, null, int, float, timestamp): the plain scalars that Go's YAML
// (sigs.k8s.io/yaml in kubectl, helm and Argo CD) reads as something other than a string.
const YAML11_BOOL_NULL = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~|)$/;
const YAML11_NUMBER = /^[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*(?::[0-5]?[0-9])*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9_]+(?:[eE][-+]?[0-9]+)?|\.(?:inf|Inf|INF))$|^\.(?:nan|NaN|NAN)$/;
const YAML11_TIMESTAMP = /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}/;

/** What YAML 1.1 reads a plain scalar `value` as, when that is not a string (`'bool'`, `'null'`, `'number'`, `'timestamp'`). */
export function yaml11Type(value: string): 'bool' | 'null' | 'number' | 'timestamp' | undefined {
  if (/^(?:null|Null|NULL|~|)$/.test(value)) return 'null';
  if (YAML11_BOOL_NULL.test(value)) return 'bool';
  if (YAML11_NUMBER.test(value)) return 'number';
  if (YAML11_TIMESTAMP.test(value)) return 'timestamp';
  return undefined;
}

/** The nearest RFC 1035 label to `value` (`my.app-dev` to `my-app-dev`), or `fallback` when nothing is left. */
export function toDnsLabel(value: string, fallback: string): string {
  const label = String(value ?? '').toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^[^a-z]+/, '').slice(0, 63).replace(/-+$/, '');
  return label && !yaml11Type(label) ? label : label ? `${label}-1` : fallback;
}

const DNS_1035_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * A Kubernetes DNS-1035 label (Service names, environment names, namespaces we write): lowercase
 * letters, digits and `-`, starting with a letter, not ending with `-`, at most 63; and not a
 * word YAML 1.1 reads as a boolean or null (`yes`, `no`, `on`, `off`, `y`, `n`, `true`, `null`),
 * which kubectl and helm would read as anything but a name.
 */
export function checkDnsLabel(value: string, example: string): string | undefined {
  if (typeof value !== 'string' || !DNS_1035_LABEL.test(value) || yaml11Type(value)) {
    const why = typeof value === 'string' && DNS_1035_LABEL.test(value) ? ` ('${value}' is a ${yaml11Type(value)} in YAML 1.1, as kubectl and helm read it)` : '';
    return fail(`must be a DNS label (lowercase letters, digits and '-', starting with a letter, at most 63; not a YAML 1.1 boolean or null)${why}`, value, toDnsLabel(value, example));
  }
  return undefined;
}

const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The nearest RFC 1123 subdomain to `value`, cut to `max`. */
export function toDnsSubdomain(value: string, max = 253): string {
  return String(value ?? '').toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/\.{2,}/g, '.').replace(/-*\.-*/g, '.')
    .replace(/^[^a-z0-9]+/, '').slice(0, max).replace(/[^a-z0-9]+$/, '');
}

/**
 * An object name Kubernetes takes as an RFC 1123 subdomain (custom resources such as Argo CD's
 * AppProject and Application; `apimachinery` `IsDNS1123Subdomain`): lowercase letters, digits,
 * `-` and `.`, alphanumeric at both ends of each part, at most `max` (253; Argo CD Applications
 * 63, as their name is the value of the tracking label). Written quoted where YAML 1.1 would read it otherwise.
 */
export function checkDnsSubdomain(value: string, max: number, example: string): string | undefined {
  if (typeof value !== 'string' || value.length > max || !DNS_1123_SUBDOMAIN.test(value)) {
    const fix = toDnsSubdomain(value, max);
    return fail(`must be a DNS subdomain (lowercase letters, digits, '-' and '.', alphanumeric at both ends, at most ${max} characters)`, value, fix || example);
  }
  return undefined;
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** A Kubernetes label value (`IsValidLabelValue`): empty, or at most 63 of letters, digits, `-`, `_`, `.`, alphanumeric at both ends. */
export function toLabelValue(value: string): string {
  return String(value ?? '').replace(/[^-A-Za-z0-9_.]+/g, '-').slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

/** `toLabelValue`'s grammar: a label value (at most 63 letters, digits, `-`, `_`, `.`, alphanumeric at both ends). */
export function checkLabelValue(value: string): string | undefined {
  if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value)) {
    return fail("must be a Kubernetes label value (at most 63 letters, digits, '-', '_', '.', alphanumeric at both ends)", value, toLabelValue(value) || 'my-service');
  }
  return undefined;
}

// helm's release name rule (pkg/chartutil ValidateReleaseName): an RFC 1123 subdomain of at most 53.
const HELM_RELEASE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A Helm release name (what `helm template <name>` and Argo CD's `releaseName` accept): an RFC 1123 subdomain of at most 53 characters. */
export function checkHelmReleaseName(value: string): string | undefined {
  if (typeof value !== 'string' || value.length > 53 || !HELM_RELEASE.test(value)) {
    return fail('must be a Helm release name (lowercase letters, digits, \'-\' and \'.\', at most 53 characters)', value, toDnsSubdomain(value, 53) || 'my-service');
  }
  return undefined;
}

/**
 * An S3 bucket name (docs.aws.amazon.com, "General purpose bucket naming rules"): 3 to 63 of
 * lowercase letters, digits, `.` and `-`, alphanumeric at both ends; no `..`; not an IP address;
 * not starting with `xn--`, `sthree-` or `amzn-s3-demo-`; not ending with `-s3alias`, `--ol-s3`,
 * `.mrap` or `--x-s3`.
 */
export function checkS3Bucket(value: string): string | undefined {
  const bad = typeof value !== 'string' || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value) || value.includes('..')
    || /^\d+\.\d+\.\d+\.\d+$/.test(value) || /^(xn--|sthree-|amzn-s3-demo-)/.test(value) || /(-s3alias|--ol-s3|\.mrap|--x-s3)$/.test(value);
  if (bad) return fail("must be an S3 bucket name (3 to 63 lowercase letters, digits, '.' and '-', alphanumeric at both ends, no '..')", value, toBucket(value, 'my-project-tfstate'));
  return undefined;
}

/**
 * A Cloud Storage bucket name (cloud.google.com/storage/docs/buckets#naming): 3 to 63 of
 * lowercase letters, digits, `-`, `_` and `.`, alphanumeric at both ends; not starting with
 * `goog`, not containing `google`; no `..`; not an IP address.
 */
export function checkGcsBucket(value: string): string | undefined {
  const bad = typeof value !== 'string' || !/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/.test(value) || value.includes('..')
    || /^\d+\.\d+\.\d+\.\d+$/.test(value) || /^goog/.test(value) || /google|g00gle/.test(value);
  if (bad) return fail("must be a Cloud Storage bucket name (3 to 63 lowercase letters, digits, '-', '_' and '.', alphanumeric at both ends, without 'goog' first or 'google')", value, toBucket(value, 'my-project-tfstate').replace(/google/g, 'g').replace(/^goog/, 'g'));
  return undefined;
}

/** The nearest bucket name to `value` (both S3's and Cloud Storage's grammar). */
export function toBucket(value: string, fallback: string): string {
  const cut = String(value ?? '').toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/\.{2,}/g, '.').replace(/^(xn--|sthree-)/, '')
    .replace(/^[^a-z0-9]+/, '').slice(0, 63).replace(/[^a-z0-9]+$/, '');
  return cut.length >= 3 ? cut : fallback;
}

/** An IAM role name (docs.aws.amazon.com, IAM quotas and `CreateRole`): 1 to 64 of letters, digits and `+=,.@_-`. */
export function checkIamRoleName(value: string): string | undefined {
  if (typeof value !== 'string' || !/^[\w+=,.@-]{1,64}$/.test(value)) {
    return fail("must be an IAM role name (at most 64 letters, digits and '+=,.@_-')", value, String(value ?? '').replace(/[^\w+=,.@-]+/g, '-').slice(0, 64) || 'my-role');
  }
  return undefined;
}

/** A Google service account id (`accountId` of `projects.serviceAccounts.create`): 6 to 30 of lowercase letters, digits and `-`, starting with a letter, not ending with `-`. */
export function checkGcpServiceAccountId(value: string): string | undefined {
  if (typeof value !== 'string' || !/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/.test(value)) {
    return fail("must be a Google service account id (6 to 30 lowercase letters, digits and '-', starting with a letter)", value, toDnsLabel(value, 'my-service-account').slice(0, 30).replace(/-+$/, '').padEnd(6, '0'));
  }
  return undefined;
}

/** A Google Cloud project id (cloud.google.com/resource-manager, "Creating and managing projects"): 6 to 30 of lowercase letters, digits and `-`, starting with a letter, not ending with `-`. */
export function checkGcpProjectId(value: string): string | undefined {
  if (typeof value !== 'string' || !/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/.test(value) || /google|^ssl|undefined|null/.test(value)) {
    return fail("must be a Google Cloud project id (6 to 30 lowercase letters, digits and '-', starting with a letter, without 'google')", value, 'my-project-123456');
  }
  return undefined;
}

/** An Artifact Registry repository id: lowercase letters, digits and `-`, starting with a letter, not ending with `-`, at most 63. */
export function checkArtifactRegistryRepositoryId(value: string): string | undefined {
  if (typeof value !== 'string' || !/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(value)) {
    return fail("must be an Artifact Registry repository id (lowercase letters, digits and '-', starting with a letter, at most 63)", value, toDnsLabel(value, 'images'));
  }
  return undefined;
}

/**
 * An Amazon ECR repository name (`CreateRepository`): 2 to 256 characters in parts separated by
 * `/`, each `[a-z0-9]+` joined by single `.`, `_` or `-` (stricter than the OCI grammar: no
 * `__`, no `--`).
 */
export function checkEcrRepositoryName(value: string): string | undefined {
  const part = '[a-z0-9]+(?:[._-][a-z0-9]+)*';
  if (typeof value !== 'string' || value.length < 2 || value.length > 256 || !new RegExp(`^(?:${part}/)*${part}$`).test(value)) {
    const fix = suggestImageName(value).replace(/[._-]{2,}/g, '-');
    return fail("must be an Amazon ECR repository name (parts of lowercase letters and digits joined by single '.', '_' or '-', separated by '/'; 2 to 256 characters)", value, fix.length >= 2 ? fix : 'my-org/my-service');
  }
  return undefined;
}

/** The repository path of an OCI image name (no registry), as `checkImageName` reads it, for a derived path. */
export function checkOciRepositoryPath(value: string): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > NAME_MAX || !REMOTE_NAME.test(value)) {
    return fail(`must be an OCI repository path (lowercase letters and digits, joined by '.', '_', '__' or '-', in parts separated by '/'; at most ${NAME_MAX} characters)`, value, suggestImageName(value) || 'my-org/my-service');
  }
  return undefined;
}

/**
 * Namespaces no Application of ours may deploy into: Kubernetes' own (`kube-system`,
 * `kube-public`, `kube-node-lease`, `default`) and the one Argo CD runs in.
 */
export const RESERVED_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** A namespace to deploy into: not reserved (Kubernetes' own, or Argo CD's `argocdNamespace`). */
export function checkTargetNamespace(value: string, argocdNamespace: string | undefined, fix: string): string | undefined {
  if (RESERVED_NAMESPACES.includes(value) || value.startsWith('kube-') || value === argocdNamespace) {
    const whose = value === argocdNamespace ? "Argo CD's own namespace" : 'a namespace Kubernetes reserves for itself';
    return `must not be ${whose}, got ${show(value)}; give the environment a namespace of its own; try '${fix}'`;
  }
  return undefined;
}

/**
 * `denyLicenses[]`: one SPDX license identifier (SPDX specification, annex "SPDX license
 * expressions": `idstring = 1*(ALPHA / DIGIT / "-" / ".")`), e.g. `GPL-3.0-only`, or a
 * `LicenseRef-` one, at most 100 characters; never an expression (`MIT OR X`), a `+` or a
 * `WITH` exception, so it can be passed to a command line as it is.
 */
export function checkLicenseId(value: string): string | undefined {
  if (typeof value !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9.-]{0,99}$/.test(value) || /^(AND|OR|WITH)$/i.test(value)) {
    const fix = String(value).split(/\s+/)[0].replace(/\+$/, '-or-later').replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^[.-]+|-+$/g, '').slice(0, 100);
    return fail("must be one SPDX license identifier (letters, digits, '.' and '-', e.g. 'GPL-3.0-only'), not an expression", value, fix && !/^(AND|OR|WITH)$/i.test(fix) ? fix : 'AGPL-3.0-only');
  }
  return undefined;
}

/**
 * A cluster's API server URL as an Argo CD destination: `https://`, then a host (DNS name,
 * IPv4 or `[IPv6]`) with an optional port and path of RFC 3986 path characters; no credentials
 * (`user:pass@`), query, fragment, quotes or spaces.
 */
export function checkClusterUrl(value: string): string | undefined {
  const host = '(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\\[[0-9A-Fa-f:.]+\\])';
  const match = typeof value === 'string' ? new RegExp(`^https://${host}(?::([0-9]{1,5}))?(?:/[A-Za-z0-9._~%!$&()*+,;=:@/-]*)?$`).exec(value) : null;
  if (!match || portProblem(match[1]) || value.length > 2048) {
    const text = String(value ?? '').trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/^[^@/]*@/, '').split(/[/?#\s"'`]/)[0].replace(/:[^:]*$/, '');
    const fix = new RegExp(`^${host}$`).test(text) ? `https://${text}` : 'https://kubernetes.default.svc';
    const why = /^[a-z][a-z0-9+.-]*:\/\/[^/@]*@/i.test(String(value)) ? ' (credentials in a URL end up in logs and in git: give them to Argo CD as a cluster secret)' : '';
    return fail(`must be the https URL of a cluster's API server (https://host[:port][/path], no credentials, query, quotes or spaces)${why}`, value, fix);
  }
  return undefined;
}
