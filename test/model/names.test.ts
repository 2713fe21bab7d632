import { GITHUB_OWNER, GITHUB_TOPIC, isPackageName, isRepository, RING } from '../../src/model/names';

// The grammars every check reads (synth, the CLI, the fleet workflow); each rule is GitHub's or
// npm's own: github.com/join's login rules, the repository name rules of the REST API
// (`POST /orgs/{org}/repos`), the topic rules of `PUT /repos/{owner}/{repo}/topics`, and
// github.com/npm/validate-npm-package-name.
describe('names', () => {
  test('a repository is owner/name with GitHub\'s login and name rules', () => {
    for (const good of ['acme/orders', 'a/b', 'Acme-Corp/orders.api', 'a1/x_y-z.2', `${'a'.repeat(39)}/${'n'.repeat(100)}`]) expect(isRepository(good)).toBe(true);
    // The CLI's earlier patterns took several of these (a double or trailing hyphen in the owner, '..').
    for (const bad of ['acme', 'acme/orders/x', 'a--b/x', 'acme-/x', '-acme/x', 'acme/..', 'acme/.', 'acme/', '/x', 'ac me/x', `${'a'.repeat(40)}/x`, `a/${'n'.repeat(101)}`, undefined, 42]) {
      expect(isRepository(bad)).toBe(false);
    }
  });

  test('an owner is a GitHub login', () => {
    expect(GITHUB_OWNER.test('acme')).toBe(true);
    expect(GITHUB_OWNER.test('acme-')).toBe(false);
    expect(GITHUB_OWNER.test('ac--me')).toBe(false);
  });

  test('a topic is lowercase letters, digits and hyphens, at most 50', () => {
    expect(GITHUB_TOPIC.test('acme-gitops')).toBe(true);
    expect(GITHUB_TOPIC.test('t'.repeat(50))).toBe(true);
    for (const bad of ['Acme', '-acme', 't'.repeat(51), 'a b', '']) expect(GITHUB_TOPIC.test(bad)).toBe(false);
  });

  test('a package name is npm\'s: lowercase, optional scope, at most 214 characters', () => {
    for (const good of ['projen-gitops', '@acme/gitops-template', 'a.b_c~d']) expect(isPackageName(good)).toBe(true);
    for (const bad of ['Acme', '@acme', '@acme/', 'a b', 'a'.repeat(215), undefined]) expect(isPackageName(bad)).toBe(false);
  });

  test('a ring is a lowercase name of at most 31 characters', () => {
    expect(RING.test('canary')).toBe(true);
    expect(RING.test('r'.repeat(31))).toBe(true);
    for (const bad of ['Canary', '1ring', 'r'.repeat(32), 'a_b']) expect(RING.test(bad)).toBe(false);
  });
});
