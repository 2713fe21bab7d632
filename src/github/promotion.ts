import { Component, github, JsonFile, Project } from 'projen';
import { ACTIONS, annotateWorkflowPins, installToolsSteps, pullRequestWorkflow, removeWorkflow, toolInput, uses } from './actions';
import { imageJobs } from './container-build-steps';
import { ContainerBuildWorkflow } from './container-build-workflow';
import { kmsLogin, registryLogin, verifyIdentity } from './registry-login';
import { describeFile, FileOwner } from '../core/file-catalog';
import { atSynthStart } from '../core/projen-adapter';
import { addValidation } from '../core/validation';
import { DeployEngine } from '../model/deploy-engine';
import { Environments } from '../model/environments';
import { hasGates, RECHECK_CRON } from '../model/gates';
import { imagesFile } from '../model/layout';
import { ACTIONS_OIDC_ISSUER } from '../model/oidc';
import { PROMOTION_FACTS, PromotionFacts } from '../model/promotion';
import { Repository } from '../model/repository';
import { serviceFacts, servicesOf, mainServiceOf } from '../model/service';
import { signingFacts, SigningMode } from '../model/signing';

/** Keyless signatures of GitHub Actions are issued for this OIDC issuer (the model's fact). */
export { ACTIONS_OIDC_ISSUER };
/** The repository variable and secret of the GitHub App that opens the promotion pull requests. */
export const PROMOTION_APP = { clientIdVariable: 'PROMOTION_APP_CLIENT_ID', privateKeySecret: 'PROMOTION_APP_PRIVATE_KEY' } as const;
export const PROMOTE_JOB_NAME = 'Open the promotion pull request';
export const GATES_JOB_NAME = 'Re-evaluate the promotion gates';
/** The required check that verifies every digest a pull request pins. */
export const VERIFY_IMAGES_JOB_NAME = 'Verify image digests';

/**
 * Promotion by pull request: after the default branch publishes and signs images, the
 * container workflow's `promote` job opens (or updates) one pull request setting the first
 * environment's digests; `.github/workflows/promote.yml` (run by hand, from and to) opens the
 * one that moves them to the next environment. Both run `projen-gitops promote`, which
 * promotes only digests whose signature `cosign verify` accepts for the build workflow's
 * identity, and reads the facts synth writes to `deploy/promotion.json`. The environments and
 * the repository are read when the synth starts, so they may be added before or after it.
 */
export class Promotion extends Component {
  /** The project's promotion, if it has one. */
  public static of(project: Project): Promotion | undefined {
    return project.components.find((c): c is Promotion => c instanceof Promotion);
  }

  /**
   * The manually run workflow that promotes one environment to the next (with GitHub; not
   * written when fewer than two environments are deployed).
   */
  public readonly workflow?: github.GithubWorkflow;
  /** The pull request workflow that verifies every changed digest (a required check). */
  public readonly verifyWorkflow?: github.GithubWorkflow;

  constructor(project: Project) {
    super(project);
    new JsonFile(project, PROMOTION_FACTS, { obj: () => this.facts(), marker: false, newline: true, readonly: true });
    describeFile(project, {
      path: PROMOTION_FACTS,
      owner: FileOwner.MANAGED,
      purpose: 'What `projen-gitops promote` needs to know: the environments in promotion order, each service\'s image and folder, and the signing identity a digest must have.',
      change: 'Follows the services, environments and repository in .projenrc.ts.',
    });
    addValidation(project, () => [
      ...(ContainerBuildWorkflow.of(project)?.signs === false
        ? [{ option: 'signImages', message: 'is false, but promotion verifies every image\'s signature; set signImages: true, or turn promotion off with promotion: false' }]
        : []),
      ...(Repository.factsOf(project).repository === undefined
        ? [{ option: 'repository', message: "is needed by promotion (the images' names and their signing identity), got none; set repository: 'my-org/my-repo', or promotion: false" }]
        : []),
    ]);
    const gh = github.GitHub.of(project);
    if (gh) {
      this.verifyWorkflow = pullRequestWorkflow(gh, 'verify-images', () => Repository.factsOf(project).defaultBranch);
      describeFile(project, {
        path: '.github/workflows/verify-images.yml',
        owner: FileOwner.MANAGED,
        purpose: 'A required check on every pull request: each image digest an images.yaml changes must be signed by this repository\'s container workflow on the default branch, whoever opened it; also passes "Promotion gates (<env>)" for environments whose digests it does not change.',
        change: 'Follows the signing mode, registry and environments in .projenrc.ts.',
      });
    }
    // Before any component wires itself: the build's promote job leads container.yml, after the
    // jobs .projenrc.ts added, whichever of the two components was added first.
    atSynthStart(project, () => this.addPromoteJob());
    if (!gh) return;
    // Made now, so .projenrc.ts reaches it; the environments are known when the synth starts.
    const workflow = new github.GithubWorkflow(gh, 'promote', { fileName: 'promote.yml' });
    this.workflow = workflow;
    workflow.file?.addOverride('permissions', { contents: 'read' });
    annotateWorkflowPins(workflow);
    atSynthStart(project, () => {
      // With one environment there is nothing to promote by hand: the build's job fills it.
      if (this.environments().length < 2) {
        removeWorkflow(workflow);
        return;
      }
      describeFile(project, {
        path: '.github/workflows/promote.yml',
        owner: FileOwner.MANAGED,
        purpose: 'Run by hand (Actions > promote): opens or updates the pull request that moves the signed digests of one environment to the next.',
        change: 'Follows the environments in .projenrc.ts.',
      });
    });
  }

  /** The facts `projen-gitops promote` reads. */
  private facts(): PromotionFacts {
    const repo = Repository.factsOf(this.project);
    const signing = signingFacts(this.project);
    const engine = Environments.of(this.project)?.engine ?? DeployEngine.ARGO_CD;
    return {
      repository: repo.repository ?? '',
      defaultBranch: repo.defaultBranch,
      environments: this.environments(),
      services: servicesOf(this.project).map((image) => ({ name: image.serviceName, image: serviceFacts(this.project, image).imageRepository ?? '', path: image.context })),
      certificateIdentity: signing.certificateIdentity ?? '',
      certificateOidcIssuer: signing.certificateOidcIssuer,
      signing,
      // Only with a gate: a promotion.json without gates reads (and is written) as before.
      ...(this.gated().length > 0 ? {
        gates: Object.fromEntries(this.gated().map((e) => [e.name, e.gates])),
        approvers: Object.fromEntries(this.gated().filter((e) => e.approvers.length > 0).map((e) => [e.name, e.approvers])),
      } : {}),
      // Only when it is not Argo CD: an Argo CD promotion.json reads (and is written) as before.
      ...(engine !== DeployEngine.ARGO_CD ? { deployEngine: engine } : {}),
    };
  }

  /** The deployed environments that have promotion gates. */
  private gated() {
    return (Environments.of(this.project)?.deployed ?? []).filter((e) => hasGates(e.gates));
  }

  /** The build's job that opens the promotion pull request into the first environment. */
  private addPromoteJob() {
    const envs = this.environments();
    const build = ContainerBuildWorkflow.of(this.project)?.workflow;
    const images = servicesOf(this.project);
    if (envs.length === 0 || images.length === 0 || !build) return;
    const multi = images.length > 1;
    {
      const publish = images.map((image) => ({ service: image.serviceName, job: `publish${imageJobs(image, multi).suffix}` }));
      const env: Record<string, string> = {};
      const args = ['--to', envs[0], '--commit', '"$GITHUB_SHA"'];
      publish.forEach(({ service, job }, i) => {
        env[`DIGEST_${i}`] = `\${{ needs.${job}.outputs.digest }}`;
        // Service names are DNS labels (checked): safe as shell words.
        args.push('--digest', `"${service}=$DIGEST_${i}"`);
      });
      build.addJobs({
        promote: {
          ...this.job(`${PROMOTE_JOB_NAME} (${envs[0]})`, envs[0], args, env),
          needs: publish.map((p) => p.job),
          // A branch push whose publish jobs did not fail (a skipped one published nothing).
          if: "github.event_name == 'push' && github.ref_type == 'branch' && !cancelled() && !contains(needs.*.result, 'failure')",
        },
      });
    }
  }

  preSynthesize() {
    const envs = this.environments();
    if (this.verifyWorkflow && envs.length > 0 && servicesOf(this.project).length > 0) {
      this.verifyWorkflow.addJobs({ verify: this.verifyJob() });
    }
    if (servicesOf(this.project).length === 0) return;
    if (this.workflow && envs.length > 1) {
      const gated = this.gated().map((e) => e.name);
      this.workflow.on({
        // Waiting gates are re-evaluated on a schedule: a pull request never sits without a reason.
        ...(gated.length > 0 ? { schedule: [{ cron: RECHECK_CRON }] } : {}),
        workflowDispatch: {
          inputs: {
            from: { description: 'The environment whose digests are promoted', type: 'choice', required: true, options: envs.slice(0, -1) },
            to: { description: 'The environment they move into (the next one)', type: 'choice', required: true, options: envs.slice(1) },
          },
        },
      });
      const manual = this.job(PROMOTE_JOB_NAME, '${{ inputs.to }}', ['--from', '"$FROM"', '--to', '"$TO"'], { FROM: '${{ inputs.from }}', TO: '${{ inputs.to }}' });
      this.workflow.addJobs({
        promote: gated.length > 0 ? { ...manual, if: "github.event_name == 'workflow_dispatch'" } : manual,
      });
      if (gated.length > 0) {
        // Environment names are DNS labels (checked): literal shell words. One environment's
        // failure does not keep the others from being re-evaluated.
        const lines = gated.map((to) => {
          const i = envs.indexOf(to);
          return `npx projen-gitops promote --recheck ${i > 0 ? `--from ${envs[i - 1]} ` : ''}--to ${to} --evidence "$RUNNER_TEMP/promotion-evidence/${to}.md" || failed=1`;
        });
        this.workflow.addJobs({
          gates: {
            ...this.job(GATES_JOB_NAME, 'gates', [], {}, ['failed=0', ...lines, 'exit "$failed"'].join('\n')),
            if: "github.event_name == 'schedule'",
          },
        });
      }
    }
  }

  /**
   * The required check: every digest the pull request's images.yaml files change is verified
   * with the command promotion uses; the commits come from the event through env:, never
   * `${{ }}` inside the script. No cache: a poisoned cache would reach the verifier.
   */
  private verifyJob(): github.workflows.Job {
    const repo = Repository.factsOf(this.project);
    const image = mainServiceOf(this.project)!;
    // Pull requests log in as the read-only verify identity, never as the publisher (which may push and sign).
    const identity = verifyIdentity(ContainerBuildWorkflow.of(this.project)?.registryIdentity);
    const login = registryLogin(image.registry, repo.githubUrl, identity);
    const signing = signingFacts(this.project);
    const attestations = signing.mode === SigningMode.GITHUB_ATTESTATIONS;
    const kms = signing.mode === SigningMode.KMS_KEY ? kmsLogin(signing, identity) : undefined;
    const gates = this.gated().length > 0;
    return {
      name: VERIFY_IMAGES_JOB_NAME,
      runsOn: [repo.runsOn],
      timeoutMinutes: 15,
      permissions: {
        contents: github.workflows.JobPermission.READ,
        ...(login.githubPackages ? { packages: github.workflows.JobPermission.READ } : {}),
        ...(login.oidc || kms?.oidc ? { idToken: github.workflows.JobPermission.WRITE } : {}),
        ...(attestations ? { attestations: github.workflows.JobPermission.READ } : {}),
        ...(gates ? { statuses: github.workflows.JobPermission.WRITE } : {}),
      },
      steps: [
        { name: 'Check out', uses: uses(ACTIONS.checkout), with: { 'fetch-depth': 0, 'persist-credentials': false } },
        // Most pull requests change no images.yaml: they need no verifier and no registry login
        // (a cloud registry's login may not trust pull requests, and must not block every one).
        {
          name: 'Does this pull request change an images.yaml?',
          id: 'digests',
          env: { BASE_SHA: '${{ github.event.pull_request.base.sha }}', HEAD_SHA: '${{ github.event.pull_request.head.sha }}' },
          run: `if git diff --quiet "$BASE_SHA" "$HEAD_SHA" -- '${imagesFile('*')}'; then echo "changed=false" >> "$GITHUB_OUTPUT"; else echo "changed=true" >> "$GITHUB_OUTPUT"; fi`,
        },
        ...installToolsSteps(this.project, { cache: false }),
        ...onlyIfChanged([
          ...(attestations ? [] : [{ name: 'Install cosign', uses: uses(ACTIONS.cosignInstaller), with: toolInput(ACTIONS.cosignInstaller) }]),
          ...login.steps,
          ...(kms?.steps ?? []),
        ]),
        {
          name: 'Verify every changed digest',
          env: {
            BASE_SHA: '${{ github.event.pull_request.base.sha }}',
            HEAD_SHA: '${{ github.event.pull_request.head.sha }}',
            ...(attestations ? { ATTESTATIONS_TOKEN: '${{ github.token }}' } : {}),
            ...(gates ? { GH_TOKEN: '${{ github.token }}' } : {}),
            ...kms?.env,
          },
          run: `npx projen-gitops verify-images --base "$BASE_SHA" --head "$HEAD_SHA"${gates ? ' --gates-status' : ''}`,
        },
      ],
    };
  }

  /** Enables auto-merge on the pull request when the environment it goes into has `autoMerge`. */
  private autoMergeStep(to: string): github.workflows.JobStep[] {
    const auto = (Environments.of(this.project)?.deployed ?? []).filter((e) => e.autoMerge).map((e) => e.name);
    if (auto.length === 0) return [];
    const fixed = !to.includes('${{');
    if (fixed && !auto.includes(to)) return [];
    // Environment names are DNS labels (checked): literal case patterns.
    const run = fixed
      ? 'gh pr merge --auto --squash "$PULL_REQUEST"'
      : ['case "$TO" in', `  ${auto.join(' | ')}) gh pr merge --auto --squash "$PULL_REQUEST" ;;`, '  *) echo "$TO merges after review (no autoMerge)" ;;', 'esac'].join('\n');
    return [{
      name: 'Enable auto-merge (environments with autoMerge)',
      if: "steps.promote.outputs.pull-request != ''",
      env: { GH_TOKEN: '${{ steps.app.outputs.token || github.token }}', PULL_REQUEST: '${{ steps.promote.outputs.pull-request }}', ...(fixed ? {} : { TO: to }) },
      run,
    }];
  }

  private environments(): string[] {
    return (Environments.of(this.project)?.deployed ?? []).map((e) => e.name);
  }

  private job(name: string, to: string, args: string[], env: Record<string, string>, script?: string): github.workflows.Job {
    const gates = this.gated().length > 0;
    const repo = Repository.factsOf(this.project);
    const image = mainServiceOf(this.project)!;
    const login = registryLogin(image.registry, repo.githubUrl, ContainerBuildWorkflow.of(this.project)?.registryIdentity);
    const signing = signingFacts(this.project);
    const attestations = signing.mode === SigningMode.GITHUB_ATTESTATIONS;
    // KMS_KEY: cosign reads the public key from the KMS, through the same login as the signer.
    const kms = signing.mode === SigningMode.KMS_KEY ? kmsLogin(signing, ContainerBuildWorkflow.of(this.project)?.registryIdentity) : undefined;
    return {
      name,
      runsOn: [repo.runsOn],
      timeoutMinutes: 20,
      // One promotion into an environment at a time, never cancelled halfway through a push.
      concurrency: { 'group': `promote-${to}`, 'cancel-in-progress': false },
      permissions: {
        // Used only without the GitHub App: then the workflow token pushes the branch and opens the pull request.
        contents: github.workflows.JobPermission.WRITE,
        pullRequests: github.workflows.JobPermission.WRITE,
        // cosign (or gh) reads the signatures and attestations from the registry.
        ...(login.githubPackages ? { packages: github.workflows.JobPermission.READ } : {}),
        ...(login.oidc || kms?.oidc ? { idToken: github.workflows.JobPermission.WRITE } : {}),
        ...(attestations ? { attestations: github.workflows.JobPermission.READ } : {}),
        // The gates' commit status ("Promotion gates (<env>)"), set with the job's own token.
        ...(gates ? { statuses: github.workflows.JobPermission.WRITE } : {}),
      },
      steps: [
        {
          name: 'Get the GitHub App token (pull requests it opens run the required checks)',
          id: 'app',
          if: `vars.${PROMOTION_APP.clientIdVariable} != ''`,
          uses: uses(ACTIONS.createAppToken),
          with: {
            'client-id': `\${{ vars.${PROMOTION_APP.clientIdVariable} }}`,
            'private-key': `\${{ secrets.${PROMOTION_APP.privateKeySecret} }}`,
            'permission-contents': 'write',
            'permission-pull-requests': 'write',
          },
        },
        {
          name: 'Without the GitHub App, checks will not run on the pull request',
          if: `vars.${PROMOTION_APP.clientIdVariable} == ''`,
          run: `echo "::warning title=No promotion app::${PROMOTION_APP.clientIdVariable} is not set: the pull request is opened with the workflow token, and GitHub runs no workflow on it (close and reopen it to run the required checks). See docs: promotion."`,
        },
        { name: 'Check out', uses: uses(ACTIONS.checkout), with: { 'fetch-depth': 0, 'persist-credentials': false } },
        // No cache: this job runs after publishing, where a poisoned cache would reach a pull request.
        ...installToolsSteps(this.project, { cache: false }),
        // GITHUB_ATTESTATIONS verifies with gh (on the runner image), the others with cosign.
        ...(attestations ? [] : [{ name: 'Install cosign', uses: uses(ACTIONS.cosignInstaller), with: toolInput(ACTIONS.cosignInstaller) }]),
        ...login.steps,
        ...(kms?.steps ?? []),
        {
          name: script ? 'Re-evaluate the gates of the open promotion pull requests' : 'Open or update the promotion pull request',
          id: 'promote',
          env: {
            GH_TOKEN: '${{ steps.app.outputs.token || github.token }}',
            // The job's own token reads the attestations (the app's token is for pull requests).
            ...(attestations ? { ATTESTATIONS_TOKEN: '${{ github.token }}' } : {}),
            ...kms?.env,
            ...(gates ? { STATUS_TOKEN: '${{ github.token }}' } : {}),
            ...env,
          },
          run: script ?? `npx projen-gitops promote ${args.join(' ')}${gates ? ' --evidence "$RUNNER_TEMP/promotion-evidence/evidence.md"' : ''}`,
        },
        ...(gates ? [{
          name: 'Upload the full evidence',
          if: '${{ !cancelled() }}',
          uses: uses(ACTIONS.uploadArtifact),
          with: { 'name': 'promotion-evidence', 'path': '${{ runner.temp }}/promotion-evidence/', 'if-no-files-found': 'ignore', 'retention-days': 90 },
        }] : []),
        ...(script ? [] : this.autoMergeStep(to)),
      ],
    };
  }
}

/** The verifier and registry login of the verify job run only when an images.yaml changes. */
function onlyIfChanged(steps: github.workflows.JobStep[]): github.workflows.JobStep[] {
  const changed = "steps.digests.outputs.changed == 'true'";
  return steps.map((step) => ({ ...step, if: step.if ? `${changed} && (${step.if})` : changed }));
}
