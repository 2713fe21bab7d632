/**
 * `projen-gitops promote --rollback` / `--release-hold`: the arguments, each error with the
 * option, the value and a fix (the pull requests themselves: test/e2e/rollback.test.ts).
 */
import { PromoteError } from '../../src/cli/promote';
import { parseRollbackArgs } from '../../src/cli/rollback';

const env = { GH_TOKEN: 't' };

describe('promote --rollback / --release-hold arguments', () => {
  test('without either flag it is a promotion (promote parses it)', () => {
    expect(parseRollbackArgs(['--to', 'prod', '--from', 'staging'], env)).toBeUndefined();
  });

  test('--rollback with --reason; who comes from GITHUB_ACTOR when set', () => {
    expect(parseRollbackArgs(['--rollback', 'prod', '--reason', 'orders 500s'], { ...env, GITHUB_ACTOR: 'octocat' })).toEqual({
      action: 'rollback', environment: 'prod', reason: 'orders 500s', by: 'octocat', token: 't', apiUrl: 'https://api.github.com',
    });
    expect(parseRollbackArgs(['--release-hold=prod'], env)).toMatchObject({ action: 'release', environment: 'prod', by: undefined });
  });

  test.each([
    [['--rollback', 'prod'], "--rollback needs --reason: say why prod is rolled back and held (the hold records it); try --rollback prod --reason 'orders answers 500 since the last promotion'"],
    [['--rollback', 'prod', '--release-hold', 'prod', '--reason', 'x'], '--rollback ENV holds an environment and --release-hold ENV lifts a hold: give one of them'],
    [['--release-hold', 'prod', '--reason', 'x'], '--reason goes with --rollback (a hold records why); --release-hold takes none'],
    [['--rollback', 'prod', '--reason', ''], '--reason must be a non-empty string, got ""; try \'orders answers 500 since 1.4.2\''],
    [['--rollback', 'prod', '--reason', 'a `b`'], '--reason must be one line of text with no backtick and no leading or trailing space, got "a `b`"; try "a b"'],
    [['--rollback', 'prod', '--rollback', 'dev', '--reason', 'x'], '--rollback is given 2 times ("prod", "dev"); give it once'],
    [['--rollback', 'prod', '--reason', 'x', '--to', 'prod'], "unknown option '--to' (see --help)"],
    [['--rollback', 'prod', '--reason', 'x', 'now'], 'unexpected argument "now" (see --help)'],
  ])('%j is refused: %s', (argv, message) => {
    expect(() => parseRollbackArgs(argv, env)).toThrow(PromoteError);
    expect(() => parseRollbackArgs(argv, env)).toThrow(message);
  });

  test('no token is refused with how to get one', () => {
    expect(() => parseRollbackArgs(['--release-hold', 'prod'], {})).toThrow(/no token: set GH_TOKEN \(for example `GH_TOKEN=\$\(gh auth token\)`\)/);
  });

  test('the fix a --reason message offers is accepted', () => {
    expect(parseRollbackArgs(['--rollback', 'prod', '--reason', 'a b'], env)).toMatchObject({ reason: 'a b' });
    expect(parseRollbackArgs(['--rollback', 'prod', '--reason', 'orders answers 500 since 1.4.2'], env)).toMatchObject({ action: 'rollback' });
  });
});
