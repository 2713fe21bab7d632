/**
 * Real cosign (built from the Go module proxy by scripts/build-sigstore.sh, the version the
 * generated workflows install) against a local registry: an image is signed with a key by the
 * command line the publish job runs for `SigningMode.KMS_KEY` (a private repository: no public
 * log), and verified by the command line `projen-gitops promote` runs for that mode
 * (`signCommand` / `verifyCommand`, the model's one home of both). A key file stands in for the
 * KMS URI (cosign treats both as `--key`), and `--allow-insecure-registry` is the one flag added:
 * the local registry speaks plain HTTP. An unsigned image and an image signed with another key
 * must fail verification. The keyless and attestation modes need Sigstore's or GitHub's
 * services, unreachable here: promotion's e2e test keeps its labelled cosign stand-in for them.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { OCI_TOOLS, OciLab } from './oci';
import { RepositoryVisibility, SigningMode } from '../../src';
import { clusterImagePolicy } from '../../src/argocd/image-policy';
import { SigningFacts, signCommand, verifyCommand } from '../../src/model/signing';
import { describeWith, findTool, tool } from '../tools';

const REPOSITORY = 'acme/orders';
/** What the model says for a private repository signing with a KMS key. */
const FACTS: SigningFacts = {
  mode: SigningMode.KMS_KEY,
  visibility: RepositoryVisibility.PRIVATE,
  workflowPath: '.github/workflows/container.yml',
  certificateOidcIssuer: 'https://token.actions.githubusercontent.com',
  key: 'awskms:///arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  kmsProvider: 'aws',
  publicLog: false,
};

describeWith(['cosign', ...OCI_TOOLS])('cosign signs and verifies with the KMS_KEY command lines (real cosign, local registry)', () => {
  let lab: OciLab;
  let registry: string;
  const digests: Record<string, string> = {};
  let keys: string;

  /** Runs a generated cosign command line with a key file for the KMS URI, against the HTTP registry. */
  const cosign = (argv: string[]) => {
    expect(argv[0]).toBe('cosign');
    const args = [argv[1], '--allow-insecure-registry', ...argv.slice(2)];
    return spawnSync(findTool('cosign')!, args, { cwd: keys, encoding: 'utf-8', env: { ...lab.env, COSIGN_PASSWORD: 'test-only', COSIGN_YES: 'true' }, timeout: 120_000 });
  };

  beforeAll(async () => {
    lab = new OciLab();
    registry = await lab.startRegistry();
    // Three tiny images (one file each, no base needed): signed, unsigned, signed by someone else.
    for (const name of ['signed', 'unsigned', 'other-key']) {
      const file = path.join(lab.dir, `${name}.txt`);
      fs.writeFileSync(file, `${name}\n`);
      const container = lab.exec('buildah', ['from', 'scratch']).stdout.trim();
      lab.exec('buildah', ['copy', container, file, `/${name}.txt`]);
      lab.exec('buildah', ['commit', '-q', container, `localhost/${name}:1`]);
      const digestFile = path.join(lab.dir, `${name}.digest`);
      lab.exec('buildah', ['push', '-q', '--tls-verify=false', '--digestfile', digestFile, `localhost/${name}:1`, `docker://${registry}/${REPOSITORY}/${name}:1`]);
      digests[name] = fs.readFileSync(digestFile, 'utf-8').trim();
    }
    keys = path.join(lab.dir, 'keys');
    for (const who of ['ours', 'theirs']) {
      fs.mkdirSync(path.join(keys, who), { recursive: true });
      const generated = spawnSync(findTool('cosign')!, ['generate-key-pair'], { cwd: path.join(keys, who), encoding: 'utf-8', env: { ...lab.env, COSIGN_PASSWORD: 'test-only' } });
      if (generated.status !== 0) throw new Error(`cosign generate-key-pair failed: ${generated.stderr}`);
    }
  }, 300_000);

  afterAll(() => lab?.dispose());

  const ref = (name: string) => `${registry}/${REPOSITORY}/${name}@${digests[name]}`;

  test('the publish job\'s command signs without the public log, and promotion\'s command accepts it', () => {
    const sign = cosign(signCommand(FACTS, ref('signed'), 'ours/cosign.key'));
    expect(`${sign.status} ${sign.stderr}`).toMatch(/^0 /);
    expect(sign.stderr).not.toMatch(/tlog entry created|rekor/i);
    const verify = cosign(verifyCommand(FACTS, REPOSITORY, ref('signed'), 'ours/cosign.pub'));
    expect(`${verify.status} ${verify.stderr}`).toMatch(/^0 /);
    expect(verify.stderr).toContain('The signatures were verified against the specified public key');
    expect(JSON.parse(verify.stdout)[0].critical.image['docker-manifest-digest']).toBe(digests.signed);
  });

  test('an unsigned image and an image signed with another key are refused', () => {
    const unsigned = cosign(verifyCommand(FACTS, REPOSITORY, ref('unsigned'), 'ours/cosign.pub'));
    expect(unsigned.status).not.toBe(0);
    expect(unsigned.stderr).toMatch(/no signatures found|no matching signatures/i);

    const signedByThem = cosign(signCommand(FACTS, ref('other-key'), 'theirs/cosign.key'));
    expect(`${signedByThem.status} ${signedByThem.stderr}`).toMatch(/^0 /);
    const other = cosign(verifyCommand(FACTS, REPOSITORY, ref('other-key'), 'ours/cosign.pub'));
    expect(other.status).not.toBe(0);
    expect(other.stderr).toMatch(/no matching signatures: invalid signature/);
    // ...which their own key does accept: the refusal is about the key, not the image.
    expect(cosign(verifyCommand(FACTS, REPOSITORY, ref('other-key'), 'theirs/cosign.pub')).status).toBe(0);
  });

  test("policy-controller's own tester admits the signed image and refuses the unsigned one and the other key's, under the generated policy", () => {
    const tester = tool('policy-tester');
    if (!tester) return; // counted as a check left out (tool() warns; fatal under CI)
    // The policy synth writes for KMS_KEY, with the public key's PEM for the KMS reference (the
    // tester cannot reach a KMS) and the local registry's repositories as the images.
    const policy = clusterImagePolicy({
      name: 'acme-orders-dev',
      images: ['signed', 'unsigned', 'other-key'].map((name) => `${registry}/${REPOSITORY}/${name}`),
      signing: FACTS,
      keyData: fs.readFileSync(path.join(keys, 'ours', 'cosign.pub'), 'utf-8'),
    });
    const file = path.join(lab.dir, 'policy.yaml');
    fs.writeFileSync(file, stringify(policy));
    const test = (name: string) => spawnSync(tester, ['--policy', file, '--image', ref(name)], { encoding: 'utf-8', env: lab.env, timeout: 120_000 });
    // The signed image passes (signed in the first test).
    const signed = test('signed');
    expect(`${signed.status} ${signed.stdout} ${signed.stderr}`).toMatch(/^0 /);
    for (const name of ['unsigned', 'other-key']) {
      const refused = test(name);
      expect(refused.status).not.toBe(0);
      expect(`${refused.stdout}${refused.stderr}`).toMatch(/signature|no matching|failed policy/i);
    }
  });

  test('cosign 3 refuses the old --tlog-upload=false alone (why the command carries --use-signing-config=false)', () => {
    const argv = signCommand(FACTS, ref('unsigned'), 'ours/cosign.key').filter((a) => a !== '--use-signing-config=false' && a !== '--new-bundle-format=false');
    const result = cosign(argv);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/--tlog-upload=false is not supported with --signing-config or --use-signing-config/);
  });
});
