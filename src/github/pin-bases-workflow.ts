import { Component, github, Project } from 'projen';
import { ACTIONS, annotateWorkflowPins, CRANE, installToolsSteps, uses } from './actions';
import { APP_OR_WORKFLOW_TOKEN, APP_TOKEN_KIND, appTokenSteps, UPGRADE_APP_VARIABLE } from './app-token';
import { ContainerBuildWorkflow } from './container-build-workflow';
import { RegistryLogin, registryLogin } from './registry-login';
import { describeFile, FileOwner } from '../core/file-catalog';
import { BASE_IMAGES_LOCK } from '../model/base-images';
import { referenceHost } from '../model/registry';
import { Repository } from '../model/repository';
import { servicesOf } from '../model/service';

export const PIN_BASES_BRANCH = 'pin-base-images';

/**
 * `.github/workflows/pin-base-images.yml`: weekly (and by hand) resolves the base and build
 * image tags of `base-images.lock.yaml` to digests with crane (`projen-gitops pin-bases`), runs
 * synth so the Dockerfiles follow, and opens (or updates) one pull request when a digest moved.
 * With the GitHub App of the upgrade workflow (variable `UPGRADE_APP_CLIENT_ID`, secret
 * `UPGRADE_APP_PRIVATE_KEY`) the pull request's checks run; with the workflow token they do not
 * start, and the body says so. Base images in a registry the services push to are resolved after
 * the publish job's login to it (same identity).
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
    this.workflow = new github.GithubWorkflow(gh, 'pin-base-images', { fileName: 'pin-base-images.yml' });
    this.workflow.on({ schedule: [{ cron: '17 5 * * 1' }], workflowDispatch: {} });
    this.workflow.file?.addOverride('permissions', { contents: 'read' });
    this.workflow.file?.addOverride('concurrency', { 'group': '${{ github.workflow }}', 'cancel-in-progress': false });
    annotateWorkflowPins(this.workflow);
    describeFile(project, {
      path: '.github/workflows/pin-base-images.yml',
      owner: FileOwner.MANAGED,
      purpose: `Weekly and by hand: resolves the base image tags in ${BASE_IMAGES_LOCK} to digests (crane ${CRANE.version}) and opens a pull request when one moved.`,
      change: `Follows the images in .projenrc.ts; the variable ${UPGRADE_APP_VARIABLE} and secret UPGRADE_APP_PRIVATE_KEY give it a GitHub App token (docs/signing.md, pinned base images).`,
    });
  }

  preSynthesize() {
    // Read now: the services (and their images) may be added after this component.
    if (!this.workflow) return;
    const repo = Repository.factsOf(this.project);
    const logins = this.registryLogins();
    this.workflow.addJobs({
      pin: {
        name: 'Pin the base images by digest',
        runsOn: [repo.runsOn],
        timeoutMinutes: 20,
        // The workflow token pushes the branch and opens the pull request when no App is set.
        permissions: {
          contents: github.workflows.JobPermission.WRITE,
          pullRequests: github.workflows.JobPermission.WRITE,
          ...(logins.some((l) => l.githubPackages) ? { packages: github.workflows.JobPermission.READ } : {}),
          ...(logins.some((l) => l.oidc) ? { idToken: github.workflows.JobPermission.WRITE } : {}),
        },
        steps: [
          ...appTokenSteps({
            // Dockerfiles, the lock and the README only: no `workflows` permission.
            permissions: { 'contents': 'write', 'pull-requests': 'write' },
            title: 'No automation app',
            consequence: 'the pull request is opened with the workflow token; GitHub runs no workflow on it (no build, scan or required check) until someone closes and reopens it.',
          }),
          { name: 'Check out', uses: uses(ACTIONS.checkout), with: { 'persist-credentials': false } },
          // No cache: this job writes a branch, where a poisoned cache would reach a pull request.
          ...installToolsSteps(this.project, { cache: false }),
          {
            // Go is on GitHub's runner images; the module is verified against Go's checksum database.
            name: `Install crane ${CRANE.version}`,
            env: { CRANE_MODULE: `${CRANE.module}@${CRANE.version}` },
            run: 'GOBIN="$RUNNER_TEMP/bin" go install "$CRANE_MODULE"\necho "$RUNNER_TEMP/bin" >> "$GITHUB_PATH"',
          },
          // crane reads the credentials these logins leave in the Docker config. Two hosts of one
          // cloud share its authentication step (one identity, one step id): it is written once.
          ...logins.flatMap((l) => l.steps)
            .filter((step, i, all) => !step.id || all.findIndex((o) => o.id === step.id && JSON.stringify(o) === JSON.stringify(step)) === i),
          { name: 'Resolve the tags to digests', run: 'npx projen-gitops pin-bases' },
          { name: 'Write the Dockerfiles from the lock', run: 'npx projen' },
          {
            name: 'Open or update the pull request',
            env: {
              GH_TOKEN: APP_OR_WORKFLOW_TOKEN,
              TOKEN_KIND: APP_TOKEN_KIND,
              BRANCH: PIN_BASES_BRANCH,
              BASE: repo.defaultBranch,
              LOCK: BASE_IMAGES_LOCK,
            },
            run: [
              'if git diff --quiet; then echo "every base image digest is current"; exit 0; fi',
              'git switch -C "$BRANCH"',
              'git add --all',
              'git -c user.name="projen-gitops" -c user.email="projen-gitops@users.noreply.github.com" commit --quiet -m "Pin the base images to their current digests"',
              'auth="AUTHORIZATION: basic $(printf "x-access-token:%s" "$GH_TOKEN" | base64 -w0)"',
              'git -c http.extraheader="$auth" push --quiet --force origin "HEAD:refs/heads/$BRANCH"',
              'body="The tags in $LOCK resolve to new digests; the Dockerfiles build FROM tag@digest. Review the image changes, then merge."',
              `if [ "$TOKEN_KIND" = workflow ]; then body="$body Opened with the workflow token: GitHub runs no workflow on this pull request until someone closes and reopens it (set up the GitHub App, ${UPGRADE_APP_VARIABLE}, to have them run)."; fi`,
              'if [ -z "$(gh pr list --head "$BRANCH" --base "$BASE" --json number --jq ".[].number")" ]; then',
              '  gh pr create --head "$BRANCH" --base "$BASE" --title "Pin the base images to their current digests" --body "$body"',
              'fi',
            ].join('\n'),
          },
        ],
      },
    });
  }

  /**
   * The logins to the registries base or build images come from that a service also pushes to
   * (a mirror in the project's registry, a private base): the publish job's login, with its
   * identity. Images in any other registry are resolved anonymously (docs/signing.md).
   */
  private registryLogins(): RegistryLogin[] {
    const services = servicesOf(this.project);
    const pushedTo = new Map(services.map((s) => [s.registry.toLowerCase(), s.registry]));
    const hosts = [...new Set(services.flatMap((s) => [s.baseImage, s.buildImage]).filter((ref): ref is string => !!ref).map(referenceHost))];
    const identity = ContainerBuildWorkflow.of(this.project)?.registryIdentity;
    const { githubUrl } = Repository.factsOf(this.project);
    return hosts.filter((host) => pushedTo.has(host)).sort().map((host) => registryLogin(pushedTo.get(host)!, githubUrl, identity));
  }
}
