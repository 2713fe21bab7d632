/*
 * The grammars of the names the repository, the template and the fleet share: one home each,
 * so a check in synth, in the CLI and in a workflow accepts the same values.
 */

/** A GitHub user or organisation login: 1-39 letters, digits or single hyphens, no hyphen at either end. */
export const GITHUB_OWNER = /^[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}$/;

/** A GitHub repository name: letters, digits, '.', '_' and '-' (not '.' or '..', checked by `isRepository`). */
export const GITHUB_REPOSITORY_NAME = /^[A-Za-z0-9._-]{1,100}$/;

/** Whether `value` is a GitHub repository as `owner/name`. */
export function isRepository(value: unknown): boolean {
  const parts = typeof value === 'string' ? value.split('/') : [];
  return parts.length === 2 && GITHUB_OWNER.test(parts[0]) && GITHUB_REPOSITORY_NAME.test(parts[1]) && parts[1] !== '.' && parts[1] !== '..';
}

/** A GitHub topic: lowercase letters, digits and '-', at most 50 characters. */
export const GITHUB_TOPIC = /^[a-z0-9][a-z0-9-]{0,49}$/;

/** Whether `value` is an npm package name (lowercase, optional scope, at most 214 characters; github.com/npm/validate-npm-package-name). */
export function isPackageName(value: unknown): boolean {
  return typeof value === 'string' && /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/.test(value) && value.length <= 214;
}

/** An upgrade ring: a lowercase letter, then letters, digits or '-', at most 31 (what a GitHub custom property value and a file name both take). */
export const RING = /^[a-z][a-z0-9-]{0,30}$/;
