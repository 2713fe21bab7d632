import { errorsOf, requestBodyValidator } from '../github-api';
import { gitopsProject, synth } from '../util';

const validate = requestBodyValidator('/repos/{owner}/{repo}/rulesets', 'post');
const validateUpdate = requestBodyValidator('/repos/{owner}/{repo}/rulesets/{ruleset_id}', 'put');

function rulesetsOf(out: Record<string, any>): Record<string, any> {
  return Object.fromEntries(Object.entries(out).filter(([file]) => file.startsWith('.github/rulesets/')));
}

describe('generated rulesets against GitHub\'s REST API description', () => {
  test.each<[string, object]>([
    ['defaults', {}],
    ['code owners, signed commits, 2 approvals', { codeOwners: ['@acme/orders'], requireSignedCommits: true, requiredApprovals: 2 }],
    ['another branch', { defaultBranch: 'trunk' }],
  ])('%s: every ruleset is a valid create and update body', (_name, options) => {
    const rulesets = rulesetsOf(synth(gitopsProject(options)));
    expect(Object.keys(rulesets).sort()).toEqual(expect.arrayContaining(['.github/rulesets/protect-release-tags.json']));
    for (const [file, body] of Object.entries(rulesets)) {
      expect({ file, valid: validate(body), errors: errorsOf(validate) }).toEqual({ file, valid: true, errors: [] });
      expect({ file, valid: validateUpdate(body), errors: errorsOf(validateUpdate) }).toEqual({ file, valid: true, errors: [] });
    }
  });

  test('the branch ruleset snapshot', () => {
    expect(synth(gitopsProject())['.github/rulesets/protect-main.json']).toMatchSnapshot();
  });

  // The validator itself: known-bad bodies must fail, or a silently broken check would pass.
  describe('known-bad rulesets fail', () => {
    const good = () => JSON.parse(JSON.stringify(synth(gitopsProject())['.github/rulesets/protect-main.json']));
    test.each<[string, (body: any) => void, RegExp]>([
      ['a misspelt top-level key', (b) => { b.enforcment = 'active'; }, /additional properties 'enforcment'/],
      ['a misspelt rule parameter', (b) => { b.rules.find((r: any) => r.type === 'pull_request').parameters.required_approving_reviews = 1; }, /must match exactly one schema in oneOf/],
      ['too many approvals', (b) => { b.rules.find((r: any) => r.type === 'pull_request').parameters.required_approving_review_count = 11; }, /must match exactly one schema in oneOf|must be <= 10/],
      ['an unknown rule type', (b) => { b.rules.push({ type: 'no_force_push' }); }, /must match exactly one schema in oneOf/],
      ['a bad enforcement', (b) => { b.enforcement = 'on'; }, /must be equal to one of the allowed values/],
      ['a missing name', (b) => { delete b.name; }, /must have required property 'name'/],
    ])('%s', (_name, mutate, message) => {
      const body = good();
      expect(validate(body)).toBe(true);
      mutate(body);
      expect(validate(body)).toBe(false);
      expect(errorsOf(validate).join('\n')).toMatch(message);
    });
  });
});
