import { github } from 'projen';
import { BuildSettings, ImageJobs, literal, sarifCategory, scanSteps } from './container-build-steps';
import { registryLogin } from './registry-login';

/** The name of the job that scans what was pushed, as GitHub shows it (a job per platform). */
export const SCAN_PUBLISHED_JOB_NAME = 'Scan published image';

/**
 * The scan of a pushed image, by digest: one job per published platform (a matrix), since
 * the digest names an image index and Trivy would otherwise pick one platform from it.
 * trivy-action has no platform input; Trivy reads its `--platform` from `TRIVY_PLATFORM`.
 */
export function publishedScanJob(jobs: ImageJobs, settings: BuildSettings): github.workflows.Job {
  const { image, suffix, label } = jobs;
  const login = registryLogin(image.registry, settings.githubUrl, settings.identity);
  const publish = `needs.publish${suffix}.outputs`;
  const name = image.imageReference ? literal(image.imageReference) : `\${{ ${publish}.image }}`;
  return {
    name: `${SCAN_PUBLISHED_JOB_NAME}${label}`,
    if: "github.event_name == 'push'",
    needs: [`publish${suffix}`],
    runsOn: [settings.runsOn],
    timeoutMinutes: 30,
    // Each platform is scanned and reported even when another one's scan fails.
    strategy: { failFast: false, matrix: { domain: { platform: settings.platforms } } },
    permissions: {
      contents: github.workflows.JobPermission.READ,
      ...(login.githubPackages ? { packages: github.workflows.JobPermission.READ } : {}),
      ...(login.oidc ? { idToken: github.workflows.JobPermission.WRITE } : {}),
      ...(settings.upload ? { securityEvents: github.workflows.JobPermission.WRITE } : {}),
    },
    steps: [
      ...login.steps,
      ...scanSteps(settings, `${name}@\${{ ${publish}.digest }}`, sarifCategory(jobs, settings, '${{ matrix.platform }}'), {
        env: { TRIVY_PLATFORM: '${{ matrix.platform }}' },
      }),
    ],
  };
}
