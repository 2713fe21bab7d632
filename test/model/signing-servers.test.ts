process.env.PROJEN_DISABLE_POST = 'true'; // no npm install in unit tests
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { parse as parseYaml } from 'yaml';
import { GitOpsProjectOptions, Iac, RepositoryVisibility, SigningMode } from '../../src';
import { actionsOidcIssuerOf, signerIdentityOf } from '../../src/model/oidc';
import { githubServerOf, GitHubServerKind } from '../../src/model/repository';
import { commandLine, verifyCommand } from '../../src/model/signing';
import { testWith, tool } from '../tools';
import { gitopsProject, synth, tempdir } from '../util';

/**
 * Signing, OIDC trust and SECURITY.md on each kind of GitHub server `githubUrl` names:
 * github.com (unchanged), GitHub Enterprise Cloud with data residency (`<sub>.ghe.com`) and
 * GitHub Enterprise Server (any other host).
 */
const BASE: Partial<GitOpsProjectOptions> = { repository: 'acme/orders', environments: [{ name: 'dev' }, { name: 'prod' }] };
const GHE = 'https://acme.ghe.com';
const GHES = 'https://github.acme.com';
const KEY = 'hashivault://images';
const WORKFLOW = '.github/workflows/container.yml';

function generate(options: Partial<GitOpsProjectOptions>): Record<string, any> {
  return synth(gitopsProject({ ...BASE, ...options }));
}
const policy = (out: Record<string, any>) => parseYaml(out['deploy/policies/dev/cluster-image-policy.yaml']);

describe('the OIDC issuer and the signer identity of each server', () => {
  test.each([
    ['github.com', 'https://github.com', GitHubServerKind.GITHUB_COM, 'https://token.actions.githubusercontent.com', 'https://github.com'],
    ['github.com, its host in capitals', 'https://GitHub.com', GitHubServerKind.GITHUB_COM, 'https://token.actions.githubusercontent.com', 'https://github.com'],
    ['ghe.com', GHE, GitHubServerKind.DATA_RESIDENCY, 'https://token.actions.acme.ghe.com', GHE],
    ['GHES', GHES, GitHubServerKind.SERVER, 'https://github.acme.com/_services/token', GHES],
    ['GHES on a port, a trailing /', 'https://Git.Acme.internal:8443/', GitHubServerKind.SERVER, 'https://git.acme.internal:8443/_services/token', 'https://git.acme.internal:8443'],
    ['a test server on loopback', 'http://127.0.0.1:9080', GitHubServerKind.SERVER, 'http://127.0.0.1:9080/_services/token', 'http://127.0.0.1:9080'],
  ])('%s', (_label, githubUrl, kind, issuer, server) => {
    expect(githubServerOf(githubUrl).kind).toBe(kind);
    expect(actionsOidcIssuerOf(githubUrl)).toBe(issuer);
    expect(signerIdentityOf(githubUrl, 'acme/orders', WORKFLOW, 'main')).toBe(`${server}/acme/orders/${WORKFLOW}@refs/heads/main`);
  });
});

describe('github.com: the generated files are what they were', () => {
  test.each([
    ['private (attestations)', {}],
    ['public (keyless)', { visibility: RepositoryVisibility.PUBLIC }],
  ])('%s: githubUrl written out changes no file, and the identity and issuer are github.com\'s', (_label, options) => {
    const plain = generate(options);
    expect(generate({ ...options, githubUrl: 'https://github.com/' })).toEqual(plain);
    const facts = plain['deploy/promotion.json'];
    expect(facts.certificateIdentity).toBe(`https://github.com/acme/orders/${WORKFLOW}@refs/heads/main`);
    expect(facts.certificateOidcIssuer).toBe('https://token.actions.githubusercontent.com');
    expect(facts.signing.attestationsHost).toBeUndefined();
    expect(plain['SECURITY.md']).toContain('(https://github.com/acme/orders/security/advisories/new)');
  });
});

describe('GitHub Enterprise Cloud with data residency (ghe.com)', () => {
  const out = generate({ githubUrl: GHE });

  test("the default is GitHub's attestations, for the tenant's identity and issuer, read from the tenant's host", () => {
    const facts = out['deploy/promotion.json'];
    expect(facts.signing.mode).toBe(SigningMode.GITHUB_ATTESTATIONS);
    expect(facts.certificateIdentity).toBe(`${GHE}/acme/orders/${WORKFLOW}@refs/heads/main`);
    expect(facts.certificateOidcIssuer).toBe('https://token.actions.acme.ghe.com');
    expect(facts.signing).toMatchObject({ certificateIdentity: facts.certificateIdentity, certificateOidcIssuer: facts.certificateOidcIssuer, attestationsHost: 'acme.ghe.com', publicLog: false });
    expect(commandLine(verifyCommand(facts.signing, 'acme/orders', 'ghcr.io/acme/orders@sha256:abc'))).toBe(
      `gh attestation verify oci://ghcr.io/acme/orders@sha256:abc --repo acme/orders --cert-identity ${GHE}/acme/orders/${WORKFLOW}@refs/heads/main --cert-oidc-issuer https://token.actions.acme.ghe.com --hostname acme.ghe.com`);
  });

  test("the admission policy admits the tenant's workflow, through GitHub's trust root", () => {
    const [authority] = policy(out).spec.authorities;
    expect(authority.keyless).toEqual({
      identities: [{ issuer: 'https://token.actions.acme.ghe.com', subject: `${GHE}/acme/orders/${WORKFLOW}@refs/heads/main` }],
      trustRootRef: 'github-artifact-attestations',
    });
  });

  test("SECURITY.md sends reports to the repository's administrators on the tenant (no private vulnerability reporting form there)", () => {
    expect(out['SECURITY.md']).toContain(`Report it privately to the administrators of this repository on acme.ghe.com\n(${GHE}/acme/orders)`);
    expect(out['SECURITY.md']).not.toMatch(/https:\/\/github\.com|advisories\/new/);
    // A contact, when given, is where reports go, as on github.com.
    expect(generate({ githubUrl: GHE, securityContact: 'security@acme.com' })['SECURITY.md']).toContain('Report it privately to <security@acme.com>.');
  });

  test('KEYLESS is refused, named by its option, with fixes that pass', () => {
    const message = "- signing.mode: is keyless, which needs Sigstore's public Fulcio to trust the workflow's OIDC tokens, but on GitHub Enterprise Cloud with data residency (https://acme.ghe.com) they are issued by 'https://token.actions.acme.ghe.com' and public Fulcio trusts GitHub Actions on github.com only (https://token.actions.githubusercontent.com); use mode: SigningMode.GITHUB_ATTESTATIONS (GitHub's own Sigstore instance serves ghe.com), or mode: SigningMode.KMS_KEY with key: 'awskms:///arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' (your key)";
    for (const signing of [{ mode: SigningMode.KEYLESS }, { mode: SigningMode.KEYLESS, allowPublicLog: true }]) {
      expect(() => generate({ githubUrl: GHE, signing })).toThrow(message);
      // Only that problem: not also the public-log one, whose fix would not work here.
      expect(() => generate({ githubUrl: GHE, signing })).toThrow(/1 problem in/);
    }
    expect(generate({ githubUrl: GHE, signing: { mode: SigningMode.GITHUB_ATTESTATIONS } })['deploy/promotion.json'].signing.mode).toBe(SigningMode.GITHUB_ATTESTATIONS);
    expect(generate({ githubUrl: GHE, signing: { mode: SigningMode.KMS_KEY, key: 'awskms:///arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' } })['deploy/promotion.json'].signing.mode).toBe(SigningMode.KMS_KEY);
  });

  test('a public repository is refused: ghe.com has none', () => {
    expect(() => generate({ githubUrl: GHE, visibility: RepositoryVisibility.PUBLIC })).toThrow(
      "- visibility: is 'public', but GitHub Enterprise Cloud with data residency (https://acme.ghe.com) has no public repositories; use RepositoryVisibility.PRIVATE or RepositoryVisibility.INTERNAL");
    expect(generate({ githubUrl: GHE, visibility: RepositoryVisibility.INTERNAL })['deploy/promotion.json'].signing.visibility).toBe('internal');
  });
});

describe('GitHub Enterprise Server', () => {
  test('the default is the KMS key: the issuer and identity are the server\'s, the key signs and verifies', () => {
    const out = generate({ githubUrl: GHES, signing: { key: KEY } });
    const facts = out['deploy/promotion.json'];
    expect(facts.signing).toMatchObject({ mode: SigningMode.KMS_KEY, key: KEY, kmsProvider: 'vault', publicLog: false });
    expect(facts.certificateIdentity).toBe(`${GHES}/acme/orders/${WORKFLOW}@refs/heads/main`);
    expect(facts.certificateOidcIssuer).toBe('https://github.acme.com/_services/token');
    expect(facts.signing.attestationsHost).toBeUndefined();
    expect(policy(out).spec.authorities).toEqual([{ name: 'kms-key', key: { kms: KEY } }]);
    expect(out['.github/workflows/container.yml']).toContain('cosign sign --yes --key "${COSIGN_KEY}" --new-bundle-format=false --use-signing-config=false --tlog-upload=false "${IMAGE}@${DIGEST}"');
    expect(out['SECURITY.md']).toContain(`Report it privately to the administrators of this repository on github.acme.com\n(${GHES}/acme/orders)`);
  });

  test('the KMS key the default needs is asked for, with fixes that pass', () => {
    expect(() => generate({ githubUrl: GHES })).toThrow(
      "- signing.key: is needed by SigningMode.KMS_KEY, the default on GitHub Enterprise Server (https://github.acme.com), where neither keyless signing nor GitHub's attestations work, got none; set key: 'awskms:///arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' (your key), or signImages: false to push unsigned images");
    expect(generate({ githubUrl: GHES, signing: { key: 'awskms:///arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' } })['deploy/promotion.json'].signing.mode).toBe(SigningMode.KMS_KEY);
    // Nothing signs: nothing to ask for (no promotion, no admission policy without signatures).
    const unsigned = generate({ githubUrl: GHES, signImages: false });
    expect(unsigned['.github/workflows/container.yml']).not.toContain('cosign');
  });

  test.each([
    ['KEYLESS', SigningMode.KEYLESS, "is keyless, which needs Sigstore's public Fulcio to trust the workflow's OIDC tokens, but on GitHub Enterprise Server (https://github.acme.com) they are issued by 'https://github.acme.com/_services/token' and public Fulcio trusts GitHub Actions on github.com only (https://token.actions.githubusercontent.com); use mode: SigningMode.KMS_KEY with key:"],
    ['GITHUB_ATTESTATIONS', SigningMode.GITHUB_ATTESTATIONS, 'is github-attestations, but GitHub artifact attestations are not available on GitHub Enterprise Server (https://github.acme.com) (GitHub documents them for github.com and GitHub Enterprise Cloud only, and `gh attestation` refuses GHES hosts); use mode: SigningMode.KMS_KEY with key:'],
  ])('%s is refused, named by its option, with a fix that passes', (_label, mode, message) => {
    for (const visibility of [RepositoryVisibility.PUBLIC, RepositoryVisibility.PRIVATE]) {
      expect(() => generate({ githubUrl: GHES, visibility, signing: { mode } })).toThrow(`- signing.mode: ${message}`);
      expect(() => generate({ githubUrl: GHES, visibility, signing: { mode } })).toThrow(/1 problem in/);
    }
    const fixed = generate({ githubUrl: GHES, signing: { mode: SigningMode.KMS_KEY, key: 'awskms:///arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' } });
    expect(fixed['deploy/promotion.json'].signing.mode).toBe(SigningMode.KMS_KEY);
  });
});

describe("the cloud trust names the server's issuer", () => {
  const ECR = { registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', imageName: 'acme/orders', iac: Iac.TERRAFORM };
  const GAR = { registry: 'europe-west1-docker.pkg.dev', imageName: 'my-project/containers/orders', iac: Iac.OPENTOFU };

  test.each([
    ['github.com', {}, 'https://token.actions.githubusercontent.com'],
    ['ghe.com', { githubUrl: GHE }, 'https://token.actions.acme.ghe.com'],
    ['GHES', { githubUrl: GHES, signing: { key: KEY } }, 'https://github.acme.com/_services/token'],
  ])('%s: the IAM OIDC provider and the conditions on its claims (AWS), the pools\' issuer (Google)', async (_label, options, issuer) => {
    const aws = await parseHcl('m.tf', generate({ ...options, ...ECR })['infra/modules/pipeline/main.tf']);
    expect(aws.resource.aws_iam_openid_connect_provider.github[0].url).toBe(issuer);
    const prefix = issuer.replace(/^https:\/\//, '');
    for (const name of ['publish_trust', 'verify_trust', 'plan_trust', 'apply_trust']) {
      const conditions: any[] = aws.data.aws_iam_policy_document[name][0].statement[0].condition;
      expect(conditions.map((c) => c.variable)).toEqual([`${prefix}:aud`, `${prefix}:sub`]);
    }
    const gcp = await parseHcl('m.tf', generate({ ...options, ...GAR })['infra/modules/pipeline/main.tf']);
    for (const provider of ['publish', 'verify']) {
      expect(gcp.resource.google_iam_workload_identity_pool_provider[provider][0].oidc[0].issuer_uri).toBe(issuer);
    }
  });

  testWith(['terraform'])('GHES: terraform fmt -check finds nothing to change in the trust with a path in its claim keys', () => {
    const out = generate({ githubUrl: GHES, signing: { key: KEY }, ...ECR });
    const dir = tempdir('gitops-ghes-infra-');
    const file = path.join(dir, 'main.tf');
    fs.writeFileSync(file, out['infra/modules/pipeline/main.tf']);
    expect(out['infra/modules/pipeline/main.tf']).toContain('"github.acme.com/_services/token:sub"');
    const fmt = () => spawnSync(tool('terraform')!, ['fmt', '-check', dir], { encoding: 'utf-8' });
    expect(fmt().status).toBe(0);
    // Known-bad: the same file misindented is found (the check above can fail).
    fs.writeFileSync(file, out['infra/modules/pipeline/main.tf'].replace(/\n {2}(\w)/, '\n$1'));
    expect(fmt().status).not.toBe(0);
  });
});
