import { github } from 'projen';
import { ACTIONS, toolInput, uses } from './actions';
import { BuildSettings, buildInputs, cacheScope, npmBuildSecrets, ImageJobs, imageNames, literal, prepareSteps } from './container-build-steps';
import { kmsLogin, registryLogin } from './registry-login';
import { signCommand, SigningMode } from '../model/signing';

/** The name of the publish job, as GitHub shows it. */
export const PUBLISH_JOB_NAME = 'Publish image';

/**
 * Whether this run's commit is still the branch's newest. Runs of one ref publish one at a
 * time (the job's concurrency group), but not necessarily in commit order: the run of an
 * older commit can start after a newer one (a slow runner, a re-run). It still publishes its
 * `sha-` tag; only the branch's newest commit moves the branch tag. The check runs inside the
 * group, so a newer commit merged meanwhile publishes after this run and moves the tag itself.
 */
export const NEWEST_COMMIT_SCRIPT = [
  'tip=$(git rev-parse "refs/remotes/origin/$GITHUB_REF_NAME")',
  'if [ "$tip" = "$GITHUB_SHA" ]; then',
  '  echo "newest=true" >> "$GITHUB_OUTPUT"',
  'else',
  '  echo "::notice title=Not the newest commit::$GITHUB_REF_NAME is at $tip now; this run publishes the sha tag only and leaves the branch tag to the newer run."',
  '  echo "newest=false" >> "$GITHUB_OUTPUT"',
  'fi',
].join('\n');

/**
 * A push's build of one image: every platform, pushed with an SBOM and provenance, signed
 * (and attested) the way the model's signing facts say. Publishing is queued per image and ref, never cancelled mid-push.
 */
export function publishJob(jobs: ImageJobs, settings: BuildSettings): github.workflows.Job {
  const { image, suffix, label } = jobs;
  // The publish job pushes and signs, the scan job pulls: both log in the same way.
  const login = registryLogin(image.registry, settings.githubUrl, settings.identity);
  const signing = signingSteps(jobs, settings);
  const otherPlatforms = settings.platforms.length > 1 || settings.platforms[0] !== 'linux/amd64';
  return {
    name: `${PUBLISH_JOB_NAME}${label}`,
    if: "github.event_name == 'push'",
    runsOn: [settings.runsOn],
    timeoutMinutes: 60,
    // One publish of an image per ref at a time: a newer push waits for the running one
    // instead of racing it to the tags (the workflow's own group is per commit). GitHub keeps
    // one waiting job per group: a third push replaces the waiting one, whose commit then
    // gets no image of its own (the newest does).
    concurrency: {
      'group': `\${{ github.workflow }}-publish${literal(suffix)}-\${{ github.ref }}`,
      'cancel-in-progress': false,
    },
    permissions: {
      contents: github.workflows.JobPermission.READ,
      ...(login.githubPackages ? { packages: github.workflows.JobPermission.WRITE } : {}),
      // The OIDC token is the signing identity (keyless, attestations), the KMS login and the cloud registry login.
      ...(signing.oidc || login.oidc ? { idToken: github.workflows.JobPermission.WRITE } : {}),
      ...(signing.attestations ? { attestations: github.workflows.JobPermission.WRITE } : {}),
    },
    outputs: {
      digest: { stepId: 'push', outputName: 'digest' },
      ...(image.imageReference ? {} : { image: { stepId: 'image', outputName: 'name' } }),
    },
    steps: [
      ...prepareSteps(jobs, {
        qemu: otherPlatforms,
        fullHistory: true,
        beforeTags: [{ name: 'Is this the newest commit of the branch?', id: 'newest', if: "github.ref_type == 'branch'", run: NEWEST_COMMIT_SCRIPT }],
        branchTagIf: "steps.newest.outputs.newest == 'true'",
      }),
      {
        // Anyone who may push can push a tag: publish only tags of reviewed commits.
        name: 'Check that a release tag is on the default branch',
        if: "github.ref_type == 'tag'",
        env: { DEFAULT_BRANCH: literal(settings.branch) },
        run: [
          'if ! git merge-base --is-ancestor "$GITHUB_SHA" "origin/$DEFAULT_BRANCH"; then',
          '  echo "::error title=Tag not on $DEFAULT_BRANCH::$GITHUB_REF_NAME points at a commit that is not on $DEFAULT_BRANCH (not reviewed); it is not published."',
          '  exit 1',
          'fi',
        ].join('\n'),
      },
      ...login.steps,
      {
        name: 'Build and push',
        id: 'push',
        // The private npm registry's token, for the build secret (only this step sees it).
        ...(npmBuildSecrets(jobs.image) ? { env: npmBuildSecrets(jobs.image)!.env } : {}),
        uses: uses(ACTIONS.buildPush),
        with: {
          ...buildInputs(image),
          'platforms': settings.platforms.join(','),
          'push': true,
          'sbom': true,
          'provenance': 'mode=max',
          // The published image is built without restoring any cache (no cache poisoning);
          // it still fills the cache that pull requests read.
          'cache-to': `type=gha,mode=max${cacheScope(jobs)}`,
        },
      },
      ...signing.steps,
    ],
  };
}

/** The steps that sign or attest the pushed digest, and what they need of the token. */
function signingSteps(jobs: ImageJobs, settings: BuildSettings): { steps: github.workflows.JobStep[]; oidc: boolean; attestations: boolean } {
  if (!settings.sign) return { steps: [], oidc: false, attestations: false };
  const facts = settings.signing;
  const image = imageNames(jobs.image);
  const env = { IMAGE: image, DIGEST: '${{ steps.push.outputs.digest }}' };
  const install = { name: 'Install cosign', uses: uses(ACTIONS.cosignInstaller), with: toolInput(ACTIONS.cosignInstaller) };
  switch (facts.mode) {
    case SigningMode.GITHUB_ATTESTATIONS: {
      const subject = { 'subject-name': image, 'subject-digest': '${{ steps.push.outputs.digest }}', 'push-to-registry': true, 'create-storage-record': false };
      return {
        oidc: true,
        attestations: true,
        steps: [
          // Public repositories: Sigstore's public instance; private and internal: GitHub's own.
          { name: 'Attest the build provenance (GitHub artifact attestation)', uses: uses(ACTIONS.attest), with: subject },
          {
            name: 'Write the SBOM of the pushed image',
            uses: uses(ACTIONS.trivy),
            with: { 'scan-type': 'image', 'image-ref': `${image}@\${{ steps.push.outputs.digest }}`, 'format': 'spdx-json', 'output': 'sbom.spdx.json', ...toolInput(ACTIONS.trivy) },
          },
          { name: 'Attest the SBOM (GitHub artifact attestation)', uses: uses(ACTIONS.attest), with: { ...subject, 'sbom-path': 'sbom.spdx.json' } },
        ],
      };
    }
    case SigningMode.KMS_KEY: {
      const login = kmsLogin(facts, settings.identity);
      return {
        oidc: login.oidc,
        attestations: false,
        steps: [
          ...login.steps,
          install,
          {
            name: facts.publicLog ? 'Sign the image (KMS key)' : 'Sign the image (KMS key, nothing in the public log)',
            env: { ...env, COSIGN_KEY: literal(facts.key ?? ''), ...login.env },
            run: signCommand(facts, '"${IMAGE}@${DIGEST}"', '"${COSIGN_KEY}"').join(' '),
          },
        ],
      };
    }
    default:
      return {
        oidc: true,
        attestations: false,
        steps: [install, { name: 'Sign the image (keyless, public Rekor log)', env, run: signCommand(facts, '"${IMAGE}@${DIGEST}"').join(' ') }],
      };
  }
}
