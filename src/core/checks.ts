/**
 * Pure option checks. Each returns `undefined` when the value is fine, else a message with
 * the bad value and the fix, phrased to follow the option name.
 */

// OCI distribution spec: path components of a repository name.
const OCI_PATH_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
// A registry host with an optional port (no scheme, no path).
const REGISTRY_HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]{1,5})?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** A lowercase suggestion for a repository name, e.g. `My_App/` to `my-app`. */
export function suggestImageName(value: string): string {
  return value
    .toLowerCase()
    .split('/')
    .map((part) => part.replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+|[._-]+$/g, ''))
    .filter((part) => part.length > 0)
    .join('/');
}

/** Docker's rule: a first component with '.' or ':', or 'localhost', names a registry. */
function hasRegistry(parts: string[]): boolean {
  return parts.length > 1 && (/[.:]/.test(parts[0]) || parts[0] === 'localhost');
}

export function checkImageName(value: string): string | undefined {
  const parts = value.split('/');
  if (hasRegistry(parts)) {
    return `must not include the registry ('${parts[0]}'), got '${value}'; set registry: '${parts[0]}' and imageName: '${parts.slice(1).join('/')}'`;
  }
  if (value.length === 0 || value.length > 255 || !parts.every((p) => OCI_PATH_COMPONENT.test(p))) {
    const suggestion = suggestImageName(value) || 'my-service';
    return `must be an OCI repository name (lowercase letters, digits, '.', '_', '-', separated by '/'; no registry, no tag), got '${value}'; try '${suggestion}'`;
  }
  return undefined;
}

export function checkRegistry(value: string): string | undefined {
  if (!REGISTRY_HOST.test(value)) {
    const suggestion = value.replace(/^[a-z]+:\/\//i, '').split('/')[0] || 'ghcr.io';
    return `must be a registry host with an optional port and no scheme or path, got '${value}'; try '${suggestion}'`;
  }
  return undefined;
}

export function checkPort(value: number): string | undefined {
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    return `must be an integer from 1 to 65535, got ${JSON.stringify(value)}; try 8080`;
  }
  return undefined;
}

export function checkHealthPath(value: string): string | undefined {
  // `;`, `{` and `}` would also break the static preset's nginx `location`.
  if (typeof value !== 'string' || !value.startsWith('/') || /[\s?#"'\\$;{}]/.test(value)) {
    const trimmed = typeof value === 'string' ? value.trim().replace(/[\s?#"'\\$;{}].*$/, '') : '';
    const suggestion = trimmed ? (trimmed.startsWith('/') ? trimmed : `/${trimmed}`) : '/healthz';
    return `must be an absolute URL path starting with '/' without spaces, quotes, '$', ';', braces, query or fragment, got ${JSON.stringify(value)}; try '${suggestion}'`;
  }
  return undefined;
}

export function checkUid(value: number): string | undefined {
  if (!Number.isInteger(value) || value < 1 || value > 2147483647) {
    const why = value === 0 ? ' (0 is root; images run as a non-root user)' : '';
    return `must be a non-root numeric user id from 1 to 2147483647${why}, got ${JSON.stringify(value)}; try 10001`;
  }
  return undefined;
}

export function checkNodeVersion(value: string): string | undefined {
  const match = /^(\d+)(?:\.\d+){0,2}$/.exec(value);
  if (!match || Number(match[1]) < 18) {
    return `must be a Node.js version of 18 or later written as a major or full version (used as the node image tag), got '${value}'; try '22'`;
  }
  return undefined;
}

/** A base image must name a fixed version: a tag other than `latest`, or a digest. */
export function checkImageReference(value: string): string | undefined {
  const [nameAndTag, digest] = value.split('@');
  const lastSlash = nameAndTag.lastIndexOf('/');
  const colon = nameAndTag.indexOf(':', lastSlash + 1);
  const tag = colon >= 0 ? nameAndTag.slice(colon + 1) : undefined;
  const name = colon >= 0 ? nameAndTag.slice(0, colon) : nameAndTag;
  const namePath = hasRegistry(name.split('/')) ? name.split('/').slice(1).join('/') : name;
  if (!namePath || checkImageName(namePath) !== undefined) {
    return `must be an image reference like 'docker.io/library/node:22-bookworm-slim', got '${value}'; fix the image name`;
  }
  if (digest !== undefined && !DIGEST.test(digest)) {
    return `has a malformed digest, got '${value}'; use '@sha256:' followed by 64 lowercase hex digits`;
  }
  if (digest === undefined && (tag === undefined || tag === 'latest')) {
    return `must pin a version with a tag other than 'latest' or a digest, got '${value}'; try '${name}:<version>'`;
  }
  if (tag !== undefined && !TAG.test(tag)) {
    return `has an invalid tag '${tag}', got '${value}'; tags are letters, digits, '_', '.', '-' (at most 128)`;
  }
  return undefined;
}

/** Git branch names: what `git check-ref-format --branch` accepts, minus the rarely wanted. */
export function checkBranch(value: string): string | undefined {
  if (!value || /(^[./-])|([./]$)|\.\.|[\s~^:?*[\\]|@\{|\/\/|\.lock$/.test(value)) {
    return `must be a git branch name, got ${JSON.stringify(value)}; try 'main'`;
  }
  return undefined;
}

export function checkApprovals(value: number): string | undefined {
  if (!Number.isInteger(value) || value < 0 || value > 10) {
    return `must be an integer from 0 to 10 (GitHub's limit), got ${JSON.stringify(value)}; try 1`;
  }
  return undefined;
}

const OWNER = /^(@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\/[A-Za-z0-9._-]+)?|[^\s@]+@[^\s@]+\.[^\s@]+)$/;

/** A CODEOWNERS owner: `@user`, `@org/team` or an email address. */
export function checkOwner(value: string): string | undefined {
  if (typeof value !== 'string' || !OWNER.test(value)) {
    const suggestion = typeof value === 'string' && /^[A-Za-z0-9]/.test(value) ? `'@${value}'` : "'@my-org/my-team'";
    return `must be '@user', '@org/team' or an email address, got ${JSON.stringify(value)}; try ${suggestion}`;
  }
  return undefined;
}

/** A project name that works as a folder, an npm package name and an image title. */
export function checkProjectName(value: string): string | undefined {
  if (typeof value !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,213}$/.test(value)) {
    const suggestion = suggestImageName(String(value ?? '')).replace(/\//g, '-') || 'my-service';
    return `must be lowercase letters, digits, '.', '_' or '-' (it names the folder, package and image), got ${JSON.stringify(value)}; try '${suggestion}'`;
  }
  return undefined;
}
