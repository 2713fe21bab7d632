import { Component, github, Project } from 'projen';
import { ACTIONS, annotateWorkflowPins, CRANE, installToolsSteps, uses } from './actions';
import { describeFile, FileOwner } from '../core/file-catalog';
import { lazyValue } from '../core/projen-adapter';
import { BASE_IMAGES_LOCK } from '../model/base-images';
import { Repository } from '../model/repository';

export const PIN_BASES_BRANCH = 'pin-base-images';

/**
 * `.github/workflows/pin-base-images.yml`: weekly (and by hand) resolves the base and build
 * image tags of `base-images.lock.yaml` to digests with crane (`projen-gitops pin-bases`), runs
 * synth so the Dockerfiles follow, and opens (or updates) one pull request when a digest moved.
 */
export class PinBasesWorkflow extends Component {
  /** The project's PinBasesWorkflow, if it has one. */
  public static of(project: Project): PinBasesWorkflow | undefined {
    return project.components.find((c): c is PinBasesWorkflow => c instanceof PinBasesWorkflow);
  }

  public readonly workflow?: github.GithubWorkflow;

  constructor(project: Project) {
    super(project);
    const gh = github.GitHub.of(project);
    if (!gh) return;
    // The repository's facts are read when the workflow is written (Repository may come later).
    const repo = () => Repository.factsOf(project);
    this.workflow = new github.GithubWorkflow(gh, 'pin-base-images', { fileName: 'pin-base-images.yml' });
    this.workflow.on({ schedule: [{ cron: '17 5 * * 1' }], workflowDispatch: {} });
    this.workflow.file?.addOverride('permissions', { contents: 'read' });
    this.workflow.file?.addOverride('concurrency', { 'group': '${{ github.workflow }}', 'cancel-in-progress': false });
    annotateWorkflowPins(this.workflow);
    this.workflow.addJobs({
      pin: {
        name: 'Pin the base images by digest',
        runsOn: [lazyValue(() => repo().runsOn)],
        timeoutMinutes: 20,
        permissions: {
          contents: github.workflows.JobPermission.WRITE,
          pullRequests: github.workflows.JobPermission.WRITE,
        },
        steps: [
          { name: 'Check out', uses: uses(ACTIONS.checkout), with: { 'persist-credentials': false } },
          // No cache: this job writes a branch, where a poisoned cache would reach a pull request.
          ...installToolsSteps(this.project, { cache: false }),
          {
            // Go is on GitHub's runner images; the module is verified against Go's checksum database.
            name: `Install crane ${CRANE.version}`,
            env: { CRANE_MODULE: `${CRANE.module}@${CRANE.version}` },
            run: 'GOBIN="$RUNNER_TEMP/bin" go install "$CRANE_MODULE"\necho "$RUNNER_TEMP/bin" >> "$GITHUB_PATH"',
          },
          { name: 'Resolve the tags to digests', run: 'npx projen-gitops pin-bases' },
          { name: 'Write the Dockerfiles from the lock', run: 'npx projen' },
          {
            name: 'Open or update the pull request',
            env: { GH_TOKEN: '${{ github.token }}', BRANCH: PIN_BASES_BRANCH, BASE: lazyValue(() => repo().defaultBranch), LOCK: BASE_IMAGES_LOCK },
            run: [
              'if git diff --quiet; then echo "every base image digest is current"; exit 0; fi',
              'git switch -C "$BRANCH"',
              'git add --all',
              'git -c user.name="projen-gitops" -c user.email="projen-gitops@users.noreply.github.com" commit --quiet -m "Pin the base images to their current digests"',
              'auth="AUTHORIZATION: basic $(printf "x-access-token:%s" "$GH_TOKEN" | base64 -w0)"',
              'git -c http.extraheader="$auth" push --quiet --force origin "HEAD:refs/heads/$BRANCH"',
              'if [ -z "$(gh pr list --head "$BRANCH" --base "$BASE" --json number --jq ".[].number")" ]; then',
              '  gh pr create --head "$BRANCH" --base "$BASE" --title "Pin the base images to their current digests" --body "The tags in $LOCK resolve to new digests; the Dockerfiles build FROM tag@digest. Review the image changes, then merge."',
              'fi',
            ].join('\n'),
          },
        ],
      },
    });
    describeFile(project, {
      path: '.github/workflows/pin-base-images.yml',
      owner: FileOwner.MANAGED,
      purpose: `Weekly and by hand: resolves the base image tags in ${BASE_IMAGES_LOCK} to digests (crane ${CRANE.version}) and opens a pull request when one moved.`,
      change: 'Follows the images in .projenrc.ts.',
    });
  }
}
