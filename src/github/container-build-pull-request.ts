import { github } from 'projen';
import { ACTIONS, toolInput, uses } from './actions';
import { BuildSettings, buildInputs, cacheScope, npmBuildSecrets, ImageJobs, literal, prepareSteps, sarifCategory, scanSteps, SEVERITIES } from './container-build-steps';

/** The name of a pull request's build job, as GitHub shows it (and branch protection requires it). */
export const BUILD_JOB_NAME = 'Build image';

/** The local tag a pull request's image is loaded under for the scan (a tag per service). */
export function scanTag(jobs: ImageJobs): string {
  return `gitops-scan:pull-request${jobs.multi ? `-${literal(jobs.image.serviceName)}` : ''}`;
}

/**
 * A pull request's build of one image: the first platform, loaded (not pushed, no
 * credentials), scanned under the tag it was loaded with, and gated on the scan severity.
 */
export function pullRequestBuildJob(jobs: ImageJobs, settings: BuildSettings): github.workflows.Job {
  const { image, multi, label } = jobs;
  const platform = settings.platforms[0];
  const tag = scanTag(jobs);
  const scope = cacheScope(jobs);
  return {
    name: `${BUILD_JOB_NAME}${label}`,
    // A service the pull request does not touch is skipped, which satisfies its check.
    if: multi ? `github.event_name == 'pull_request' && needs.changes.outputs.${image.serviceName} == 'true'` : "github.event_name == 'pull_request'",
    ...(multi ? { needs: ['changes'] } : {}),
    runsOn: [settings.runsOn],
    timeoutMinutes: 30,
    // security-events: to report the scan. A pull request from a fork gets a read-only
    // token and no secrets whatever this says; its report is simply not uploaded.
    permissions: {
      contents: github.workflows.JobPermission.READ,
      ...(settings.upload ? { securityEvents: github.workflows.JobPermission.WRITE } : {}),
    },
    steps: [
      ...prepareSteps(jobs, { qemu: platform !== 'linux/amd64' }),
      {
        name: 'Build (no push)',
        id: 'build',
        // The private npm registry's token, for the build secret (only this step sees it).
        ...(npmBuildSecrets(jobs.image) ? { env: npmBuildSecrets(jobs.image)!.env } : {}),
        uses: uses(ACTIONS.buildPush),
        with: {
          ...buildInputs(image),
          'tags': `\${{ steps.meta.outputs.tags }}\n${tag}`,
          'platforms': platform,
          'push': false,
          'load': true,
          // Pull requests get their own cache scope; they can never write main's. Each
          // service has a scope of its own, so services do not evict each other's layers.
          'cache-from': `type=gha${scope}`,
          'cache-to': `type=gha,mode=max${scope}`,
        },
      },
      ...scanSteps(settings, tag, sarifCategory(jobs, settings, platform), { uploadIf: 'github.event.pull_request.head.repo.full_name == github.repository' }),
      ...(settings.scanSeverity === 'NONE' ? [] : [{
        name: `Fail on fixable ${settings.scanSeverity.toLowerCase()}${settings.scanSeverity === 'CRITICAL' ? '' : '+'} vulnerabilities`,
        uses: uses(ACTIONS.trivy),
        with: {
          'image-ref': tag,
          'format': 'table',
          'severity': SEVERITIES.slice(0, SEVERITIES.indexOf(settings.scanSeverity) + 1).join(','),
          'ignore-unfixed': true,
          'exit-code': '1',
          ...toolInput(ACTIONS.trivy),
        },
      }]),
    ],
  };
}
