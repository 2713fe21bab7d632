import { IConstruct } from 'constructs';
import { Project } from 'projen';
import { awsCloud, Cloud, CloudFacts, gcpCloud, IAC_VERSIONS, moduleVariables } from './cloud';
import { attr, block, Block, expr, HclMap, renderHcl } from './hcl';
import { checkArtifactRegistryRepositoryId, checkEcrRepositoryName, checkGcpProjectId, checkGcpServiceAccountId, checkGcsBucket, checkIamRoleName, checkS3Bucket, show, toBucket, toDnsLabel } from '../core/checks';
import { describeFile, FileOwner } from '../core/file-catalog';
import { ManagedFile } from '../core/managed-file';
import { createAtSynthStart } from '../core/projen-adapter';
import { seedFile } from '../core/sync';
import { addValidation, Problem } from '../core/validation';
import { admissionPoliciesOf } from '../model/admission-policies';
import { environmentPath, Environments } from '../model/environments';
import { imagePublisherOf } from '../model/image-publisher';
import { Iac, InfraCode, InfraRoot } from '../model/infra-code';
import { INFRA_DIR } from '../model/layout';
import { actionsOidcIssuerOf, OidcRefs } from '../model/oidc';
import { registryOf } from '../model/registry';
import { Repository } from '../model/repository';
import { serviceFacts, servicesOf, mainServiceOf } from '../model/service';

/** Options for `Infrastructure`. */
export interface InfrastructureOptions {
  /**
   * The tool that plans and applies `infra/`.
   * @default Iac.TERRAFORM
   */
  readonly tool?: Iac;

  /**
   * The bucket that holds the state (S3 on AWS, GCS on Google Cloud); created by hand before
   * the first `init` (see docs/infra.md).
   * @default - `<account id>-<project>-tfstate` on AWS, `<gcp project>-<project>-tfstate` on Google Cloud
   */
  readonly stateBucket?: string;
}

/** The root of the shared resources (registry, identities), applied before the environments. */
export const SHARED_ROOT = 'shared';
const MANAGED = 'Managed by projen-gitops: regenerated from .projenrc.ts on every `npx projen`.';
const ROOT_HEADER = [MANAGED, 'Put your own resources in main.tf next to this file (yours).'];
const MODULE_HEADER = [MANAGED, 'Change it through the options in .projenrc.ts.'];

/**
 * Why the HCL files take no projen override: Terraform and OpenTofu have their own, which keeps
 * the generated file as it is and is reviewed as the user's code.
 */
const HCL_NO_OVERRIDE = 'HCL has no object model projen can patch; use Terraform\'s own override files instead: a file named `<name>_override.tf` next to it (yours, never written by synth) whose blocks are merged into the generated ones by `terraform plan` and `tofu plan` (https://developer.hashicorp.com/terraform/language/files/override), or add resources to the root\'s main.tf';

/** A managed HCL file whose blocks are computed at synth time. */
function hclFile(scope: IConstruct, filePath: string, blocks: () => Block[]): ManagedFile {
  return ManagedFile.text(scope, filePath, () => renderHcl(filePath.includes('/modules/') ? MODULE_HEADER : ROOT_HEADER, blocks()), { noOverride: HCL_NO_OVERRIDE });
}

/**
 * `infra/`: Terraform or OpenTofu for the cloud resources the pipeline needs, from the same
 * model as the workflows. Layout: `infra/modules/pipeline/` (the registry and the GitHub OIDC
 * identities, for the cloud of the image's registry), the root `infra/shared/` that calls it
 * once, and a root per deployed environment, `infra/environments/<env>/`, with its Kubernetes
 * namespace (restricted Pod Security). Each root has its own state (one backend key each), so
 * a plan of `dev` can never touch `prod`. Every file is managed but each root's `main.tf`,
 * which is seeded and yours. The roots' files are made when the synth starts, so `Environments`,
 * the images and `Repository` may be added before or after this component.
 */
export class Infrastructure extends InfraCode {
  /** The project's infrastructure, if it has one. */
  public static of(project: Project): Infrastructure | undefined {
    return project.components.find((c): c is Infrastructure => c instanceof Infrastructure);
  }

  /** The tool. */
  public readonly tool: Iac;
  private readonly stateBucketOption?: string;

  constructor(project: Project, options: InfrastructureOptions = {}) {
    super(project);
    this.tool = options.tool ?? Iac.TERRAFORM;
    this.stateBucketOption = options.stateBucket;
    addValidation(project, () => this.validate());

    const module = `${INFRA_DIR}/modules/pipeline`;
    hclFile(project, `${module}/versions.tf`, () => [this.terraformBlock(undefined, false)]);
    hclFile(project, `${module}/variables.tf`, () => moduleVariables(this.cloud()));
    hclFile(project, `${module}/main.tf`, () => this.cloud().moduleBlocks());
    hclFile(project, `${module}/outputs.tf`, () => this.cloud().moduleOutputs());
    createAtSynthStart(project, () => this.createRoots());
    describeFile(project, {
      path: `${INFRA_DIR}/`,
      owner: FileOwner.MANAGED,
      purpose: `${this.tool === Iac.OPENTOFU ? 'OpenTofu' : 'Terraform'}: the image registry, the GitHub OIDC identities and a namespace per environment (docs/infra.md).`,
      change: 'Set the infra options in .projenrc.ts; add your resources to each root\'s main.tf (seeded, yours).',
    });
  }

  /** Each root's files (shared, then one per deployed environment), and the AWS policy seed. */
  private createRoots() {
    const project = this.project;
    // A repeated environment name is reported by Environments; its files are written once.
    for (const root of this.roots.filter((r, i, all) => all.findIndex((o) => o.dir === r.dir) === i)) {
      hclFile(project, `${root.dir}/versions.tf`, () => [this.terraformBlock(root.name, root.namespace !== undefined), this.cloud().providerBlock()]);
      if (root.namespace === undefined) {
        hclFile(project, `${root.dir}/pipeline.tf`, () => [
          block('variable', ['apply_policy_arns'], [
            attr('description', 'Managed policies of the apply role: what infra/ may change (AWS)'),
            attr('type', expr('list(string)')),
            attr('default', []),
          ]),
          this.cloud().moduleCall(),
          ...this.cloud().moduleOutputs().map((o) => block('output', o.labels!, [attr('value', expr(`module.pipeline.${o.labels![0]}`))])),
        ].filter((b) => this.cloud().provider === 'aws' || b.type !== 'variable'));
      } else {
        hclFile(project, `${root.dir}/namespace.tf`, () => this.namespaceBlocks(root));
      }
      seedFile(project, `${root.dir}/main.tf`, () => [
        `# Your resources for ${root.name === SHARED_ROOT ? 'every environment' : `the ${root.name} environment`}: this file is yours (seeded once).`,
        '# Providers, backend and the generated resources are in the managed files next to it.',
        '',
      ].join('\n'), `Your own Terraform resources of the ${root.name} root (planned and applied by the infra workflow).`);
    }
    if (this.cloudKind() === 'aws') {
      seedFile(project, `${INFRA_DIR}/${SHARED_ROOT}/terraform.tfvars`, () => [
        '# What the apply role may change (managed policy ARNs): yours, read by every plan and apply.',
        '# e.g. apply_policy_arns = ["arn:aws:iam::aws:policy/PowerUserAccess"]',
        'apply_policy_arns = []',
        '',
      ].join('\n'), 'The policies of the infra apply role (seeded, yours): committed, so every apply keeps them.');
    }
  }

  /** The roots in apply order: shared, then the deployed environments. */
  public get roots(): InfraRoot[] {
    const envs = Environments.of(this.project)?.deployed ?? [];
    return [
      { name: SHARED_ROOT, dir: `${INFRA_DIR}/${SHARED_ROOT}`, githubEnvironment: `infra-${SHARED_ROOT}` },
      ...envs.map((e) => ({ name: e.name, dir: `${INFRA_DIR}/environments/${e.name}`, githubEnvironment: `infra-${e.name}`, namespace: e.namespace })),
    ];
  }

  /** The tool's pinned version. */
  public get version(): string {
    return this.tool === Iac.OPENTOFU ? IAC_VERSIONS.opentofu : IAC_VERSIONS.terraform;
  }

  /** The runs that publish images (the container workflow's push triggers): the publish trust. */
  public get publishRefs(): OidcRefs {
    const build = imagePublisherOf(this.project);
    const repo = Repository.factsOf(this.project);
    return build?.publishRefs ?? { branches: [repo.defaultBranch], tags: [repo.tagPattern] };
  }

  /** The runs that plan (pull requests, and the scheduled drift check on the default branch). */
  public get planRefs(): OidcRefs {
    return { pullRequest: true, branches: [Repository.factsOf(this.project).defaultBranch] };
  }

  /** The cloud of the root image's registry. */
  public cloudKind(): 'aws' | 'google' | undefined {
    const image = mainServiceOf(this.project);
    const kind = image ? registryOf(image.registry).kind : undefined;
    return kind === 'ecr' ? 'aws' : kind === 'artifact-registry' ? 'google' : undefined;
  }

  private facts(): { facts: CloudFacts; host: string } {
    const root = mainServiceOf(this.project)!;
    const repo = Repository.factsOf(this.project);
    const host = root.registry.toLowerCase();
    const images = servicesOf(this.project)
      .filter((i) => i.registry.toLowerCase() === host)
      .map((i) => serviceFacts(this.project, i).imageRepository)
      .filter((r): r is string => r !== undefined)
      .map((r) => r.slice(r.indexOf('/') + 1));
    return {
      host,
      facts: {
        repository: repo.repository ?? 'unknown/unknown',
        project: this.project.name,
        oidcIssuer: actionsOidcIssuerOf(repo.githubUrl),
        images: [...new Set(images)].sort(),
        publish: this.publishRefs,
        plan: this.planRefs,
        applyEnvironments: this.roots.map((r) => r.githubEnvironment),
        movingTag: serviceFacts(this.project, root).fallbackTag,
      },
    };
  }

  private cloud(): Cloud {
    const { facts, host } = this.facts();
    const registry = registryOf(host);
    if (registry.kind === 'ecr') {
      return awsCloud(facts, registry.region, this.stateBucketOption ?? `${registry.account}-${this.project.name}-tfstate`);
    }
    const gcpProject = facts.images[0]?.split('/')[0] ?? 'unknown';
    const location = registry.kind === 'artifact-registry' ? registry.location : 'unknown';
    return gcpCloud(facts, gcpProject, location, this.stateBucketOption ?? `${gcpProject}-${this.project.name}-tfstate`);
  }

  private terraformBlock(root: string | undefined, kubernetes: boolean): Block {
    const cloud = this.cloud();
    const providers = IAC_VERSIONS.providers;
    const entry = (name: keyof typeof providers) => [name, new HclMap([['source', providers[name].source], ['version', providers[name].version]])] as [string, HclMap];
    return block('terraform', [], [
      attr('required_version', `= ${this.version}`, `${this.tool === Iac.OPENTOFU ? 'OpenTofu' : 'Terraform'}, the version the infra workflow installs.`),
      block('required_providers', [], [
        attr(...entry(cloud.provider)),
        ...(kubernetes ? [attr(...entry('kubernetes'))] : []),
      ]),
      ...(root === undefined ? [] : [cloud.backend(root)]),
    ]);
  }

  private namespaceBlocks(root: InfraRoot): Block[] {
    return [
      block('variable', ['cluster_name'], [
        attr('description', `The Kubernetes cluster of ${root.name} (EKS or GKE name)`),
        attr('type', expr('string')),
        attr('default', `${this.project.name}-${root.name}`),
      ]),
      ...this.cloud().kubernetesProvider(),
      block('resource', ['kubernetes_namespace_v1', 'services'], [
        block('metadata', [], [
          attr('name', root.namespace!),
          // The restricted Pod Security Standard, enforced (kubernetes.io/docs/concepts/security/pod-security-admission);
          // with admission policies, the label that makes policy-controller enforce them here
          // (it checks labelled namespaces only; the admin sets its no-match-policy to deny, docs/signing.md).
          attr('labels', new HclMap([
            ['pod-security.kubernetes.io/enforce', 'restricted'],
            ['pod-security.kubernetes.io/enforce-version', 'latest'],
            ['pod-security.kubernetes.io/audit', 'restricted'],
            ['pod-security.kubernetes.io/warn', 'restricted'],
            ...Object.entries(admissionPoliciesOf(this.project)?.namespaceLabels ?? {}),
            ['app.kubernetes.io/managed-by', 'projen-gitops'],
          ])),
        ]),
      ]),
    ];
  }

  /** The names this component derives for the cloud, each against its cloud's grammar, naming the option that changes it. */
  private derivedNameProblems(): Problem[] {
    const problems: Problem[] = [];
    // `what` leads into the grammar's own message ('must be ..., got ...'); the fix is a value of `option`.
    const add = (option: string, what: string, message: string | undefined, fix: string) => {
      if (message) problems.push({ option, message: `${what} ${message.replace(/; try '.*'$/, '')}; try '${fix}'` });
    };
    const { facts, host } = this.facts();
    const name = this.project.name;
    const registry = registryOf(host);
    const given = this.stateBucketOption !== undefined;
    if (registry.kind === 'ecr') {
      const bucket = this.stateBucketOption ?? `${registry.account}-${name}-tfstate`;
      add('infraStateBucket', given ? 'names the S3 state bucket, so' : 'is needed: the default state bucket (<account>-<name>-tfstate)', checkS3Bucket(bucket), toBucket(bucket, 'my-project-tfstate'));
      const roleName = `${name}-github-publish`;
      const shorter = name.slice(0, 64 - '-github-publish'.length).replace(/[._-]+$/, '');
      add('name', 'names the IAM roles <name>-github-publish, -plan and -apply; the longest', checkIamRoleName(roleName), shorter);
      for (const image of facts.images) {
        const { option, derived } = this.imageOption(image);
        add(option, `${derived ? 'is needed: the derived' : 'names the'} ECR repository`, checkEcrRepositoryName(image), checkEcrRepositoryName(image)?.replace(/^.*; try '(.*)'$/, '$1') ?? image);
      }
    } else if (registry.kind === 'artifact-registry') {
      const gcpProject = facts.images[0]?.split('/')[0] ?? '';
      const bucket = this.stateBucketOption ?? `${gcpProject}-${name}-tfstate`;
      const bucketFix = toBucket(bucket, 'my-project-tfstate').replace(/google/g, 'g').replace(/^goog/, 'g');
      add('infraStateBucket', given ? 'names the Cloud Storage state bucket, so' : 'is needed: the default state bucket (<gcp project>-<name>-tfstate)', checkGcsBucket(bucket), bucketFix);
      add('name', 'names the Google service account <name>-publish, whose id', checkGcpServiceAccountId(`${name}-publish`), toDnsLabel(name, 'app').slice(0, 22).replace(/-+$/, ''));
      for (const image of facts.images) {
        const { option, derived } = this.imageOption(image);
        const [project, repository = '', ...rest] = image.split('/');
        const leaf = toDnsLabel(rest.join('-') || repository, 'orders');
        add(option, `${derived ? 'is needed: the derived' : 'names the'} image path <gcp project>/<repository>/<image>, whose Google Cloud project`, checkGcpProjectId(project), `my-project-123456/images/${leaf}`);
        add(option, `${derived ? 'is needed: the derived' : 'names the'} image path <gcp project>/<repository>/<image>, whose Artifact Registry repository`, checkArtifactRegistryRepositoryId(repository),
          `${checkGcpProjectId(project) ? 'my-project-123456' : project}/${toDnsLabel(repository, 'images')}/${leaf}`);
      }
    }
    return problems;
  }

  /** The option that names an image (a service's `imageName`), and whether the name was derived from `repository`. */
  private imageOption(path: string): { option: string; derived: boolean } {
    const image = servicesOf(this.project).find((i) => serviceFacts(this.project, i).imageRepository?.endsWith(`/${path}`));
    return { option: image?._optionPath ? `${image._optionPath}.imageName` : 'imageName', derived: image?.imageName === undefined };
  }

  private validate(): Problem[] {
    const problems: Problem[] = [];
    const image = mainServiceOf(this.project);
    if (!image || this.cloudKind() === undefined) {
      problems.push({
        option: 'registry',
        message: `infra needs an Amazon ECR or Google Artifact Registry registry, got ${show(image?.registry)}; set registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', or turn iac off`,
      });
    }
    if (Repository.factsOf(this.project).repository === undefined) {
      problems.push({ option: 'repository', message: "infra binds the OIDC trust to this repository, got none; set repository: 'my-org/my-repo'" });
    }
    // The registry and the publish trust are made for the root service's registry only: a service
    // pushing elsewhere would find no repository and no trust there.
    if (image && this.cloudKind() !== undefined) {
      for (const other of servicesOf(this.project).filter((i) => i !== image && i.registry.toLowerCase() !== image.registry.toLowerCase())) {
        const option = other._optionPath ? `${other._optionPath}.registry` : 'registry';
        problems.push({ option, message: `is ${show(other.registry)}, but infra (iac) creates the image repositories and the publish trust in the root service's registry ${show(image.registry)} only: '${other.serviceName}' would push where no repository and no trust exist; try '${image.registry}'` });
      }
    }
    // An environment called 'shared' would be a second root of that name: same state key, same job ids.
    for (const env of Environments.of(this.project)?.deployed ?? []) {
      if (env.name === SHARED_ROOT) {
        problems.push({ option: `${environmentPath(this.project, env.order)}.name`, message: `must not be '${SHARED_ROOT}' with iac: infra/${SHARED_ROOT} is the root of the shared resources (its state, its plan and apply jobs), got '${env.name}'; try 'common'` });
      }
    }
    const named = image && this.cloudKind() !== undefined && Repository.factsOf(this.project).repository !== undefined;
    if (named) problems.push(...this.derivedNameProblems());
    if (!Object.values(Iac).includes(this.tool)) {
      problems.push({ option: 'iac', message: `must be Iac.TERRAFORM or Iac.OPENTOFU, got ${show(this.tool)}; try Iac.TERRAFORM` });
    }
    return problems;
  }
}
