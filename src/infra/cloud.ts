import { attr, block, Block, expr, HclMap, note, str } from './hcl';
import { OidcRefs, oidcConditionPrefix, oidcSubjects, celCondition } from '../model/oidc';
import { VERIFY_VARIABLES } from '../model/registry';

/** Versions the generated HCL pins: the one home of each. Dependabot's `terraform` updates keep repositories fresh. */
export const IAC_VERSIONS = {
  terraform: '1.11.4',
  opentofu: '1.10.6',
  providers: {
    aws: { source: 'hashicorp/aws', version: '6.14.0' },
    google: { source: 'hashicorp/google', version: '6.0.0' },
    kubernetes: { source: 'hashicorp/kubernetes', version: '2.36.0' },
  },
} as const;

/** The runs of the required check "Verify image digests": pull requests of this repository, read-only. */
export const VERIFY_REFS: OidcRefs = { pullRequest: true };

/** What the infra of one cloud is made from (internal). */
export interface CloudFacts {
  readonly repository: string;
  readonly project: string;
  /** The issuer of the repository's GitHub Actions OIDC tokens (`actionsOidcIssuerOf`): what the trust names. */
  readonly oidcIssuer: string;
  /** Image repositories (the path after the registry host), deduplicated. */
  readonly images: string[];
  readonly publish: OidcRefs;
  readonly plan: OidcRefs;
  /** GitHub environment of each root's apply job, in apply order. */
  readonly applyEnvironments: string[];
  /** The tag the publish job moves (the branch tag): exempt from immutability. */
  readonly movingTag: string;
}

/** One cloud's share of the generated HCL. */
export interface Cloud {
  readonly provider: keyof typeof IAC_VERSIONS.providers;
  /** The `backend` block of a root. */
  backend(root: string): Block;
  /** The cloud provider block of every root. */
  providerBlock(): Block;
  /** The pipeline module (registry, identities): its main.tf blocks. */
  moduleBlocks(): Block[];
  /** The module's outputs. */
  moduleOutputs(): Block[];
  /** The module call in the shared root. */
  moduleCall(): Block;
  /** Blocks that configure the kubernetes provider of an environment root. */
  kubernetesProvider(): Block[];
}

const K8S_EXEC_API = 'client.authentication.k8s.io/v1beta1';

/** Amazon: ECR, the GitHub OIDC provider in IAM, publish / verify / plan / apply roles. */
export function awsCloud(f: CloudFacts, region: string, stateBucket: string): Cloud {
  const claims = oidcConditionPrefix(f.oidcIssuer);
  const trust = (name: string, subjects: string[]): Block => block('data', ['aws_iam_policy_document', name], [
    block('statement', [], [
      attr('actions', ['sts:AssumeRoleWithWebIdentity']),
      block('principals', [], [attr('type', 'Federated'), attr('identifiers', [expr('aws_iam_openid_connect_provider.github.arn')])]),
      block('condition', [], [attr('test', 'StringEquals'), attr('variable', `${claims}:aud`), attr('values', ['sts.amazonaws.com'])]),
      block('condition', [], [attr('test', 'StringLike'), attr('variable', `${claims}:sub`), attr('values', subjects)]),
    ]),
  ]);
  const role = (name: string, description: string): Block => block('resource', ['aws_iam_role', name], [
    attr('name', `${f.project}-github-${name}`),
    attr('description', description),
    attr('assume_role_policy', expr(`data.aws_iam_policy_document.${name}_trust.json`)),
    attr('max_session_duration', 3600),
  ]);
  return {
    provider: 'aws',
    backend: (root) => block('backend', ['s3'], [
      attr('bucket', stateBucket),
      attr('key', `${root}/terraform.tfstate`),
      attr('region', region),
      attr('encrypt', true),
      // S3-native state locking (Terraform 1.10+, OpenTofu 1.10+): no DynamoDB table.
      attr('use_lockfile', true),
    ]),
    providerBlock: () => block('provider', ['aws'], [
      attr('region', region),
      block('default_tags', [], [attr('tags', new HclMap([['managed-by', 'projen-gitops'], ['repository', f.repository]]))]),
    ]),
    moduleBlocks: () => [
      block('resource', ['aws_ecr_repository', 'image'], [
        note('checkov:skip=CKV_AWS_51:Tags are immutable but for the branch tag the publish job moves (image_tag_mutability_exclusion_filter)'),
        attr('for_each', expr('toset(var.images)')),
        attr('name', expr('each.value')),
        // Tags never move, except the branch tag the publish job moves to the newest commit.
        attr('image_tag_mutability', 'IMMUTABLE_WITH_EXCLUSION'),
        block('image_tag_mutability_exclusion_filter', [], [attr('filter', expr('var.moving_tag')), attr('filter_type', 'WILDCARD')]),
        block('image_scanning_configuration', [], [attr('scan_on_push', true)]),
        block('encryption_configuration', [], [attr('encryption_type', 'KMS')]),
      ]),
      block('resource', ['aws_iam_openid_connect_provider', 'github'], [
        attr('url', f.oidcIssuer),
        attr('client_id_list', ['sts.amazonaws.com']),
      ]),
      trust('publish_trust', oidcSubjects(f.repository, f.publish)),
      trust('verify_trust', oidcSubjects(f.repository, VERIFY_REFS)),
      trust('plan_trust', oidcSubjects(f.repository, f.plan)),
      trust('apply_trust', oidcSubjects(f.repository, { environments: f.applyEnvironments })),
      role('publish', 'Pushes and pulls the images (container workflow, publish and scan jobs)'),
      block('data', ['aws_iam_policy_document', 'publish'], [
        block('statement', [], [attr('actions', ['ecr:GetAuthorizationToken']), attr('resources', ['*'])],
          [' GetAuthorizationToken has no resource-level permissions.']),
        block('statement', [], [
          attr('actions', ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:CompleteLayerUpload', 'ecr:GetDownloadUrlForLayer', 'ecr:InitiateLayerUpload', 'ecr:PutImage', 'ecr:UploadLayerPart']),
          attr('resources', expr('[for r in aws_ecr_repository.image : r.arn]')),
        ]),
      ]),
      block('resource', ['aws_iam_role_policy', 'publish'], [
        attr('name', 'push-images'),
        attr('role', expr('aws_iam_role.publish.id')),
        attr('policy', expr('data.aws_iam_policy_document.publish.json')),
      ]),
      role('verify', 'Reads the images and their signatures on pull requests (the Verify image digests check, read-only)'),
      block('data', ['aws_iam_policy_document', 'verify'], [
        block('statement', [], [attr('actions', ['ecr:GetAuthorizationToken']), attr('resources', ['*'])],
          [' GetAuthorizationToken has no resource-level permissions.']),
        block('statement', [], [
          attr('actions', ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:DescribeImages', 'ecr:GetDownloadUrlForLayer']),
          attr('resources', expr('[for r in aws_ecr_repository.image : r.arn]')),
        ]),
      ]),
      block('resource', ['aws_iam_role_policy', 'verify'], [
        attr('name', 'read-images'),
        attr('role', expr('aws_iam_role.verify.id')),
        attr('policy', expr('data.aws_iam_policy_document.verify.json')),
      ]),
      role('plan', 'Plans infra/ on pull requests and in the drift check (read-only)'),
      block('resource', ['aws_iam_role_policy_attachment', 'plan'], [
        attr('role', expr('aws_iam_role.plan.name')),
        attr('policy_arn', 'arn:aws:iam::aws:policy/ReadOnlyAccess'),
      ]),
      role('apply', 'Applies infra/ from the default branch, in the infra GitHub environments'),
      block('resource', ['aws_iam_role_policy_attachment', 'apply'], [
        attr('for_each', expr('toset(var.apply_policy_arns)')),
        attr('role', expr('aws_iam_role.apply.name')),
        attr('policy_arn', expr('each.value')),
      ]),
    ],
    moduleOutputs: () => [
      block('output', ['publish_role_arn'], [attr('description', 'The AWS_ROLE_ARN repository variable of the container workflow'), attr('value', expr('aws_iam_role.publish.arn'))]),
      block('output', ['verify_role_arn'], [attr('description', `The ${VERIFY_VARIABLES.awsRoleArn} repository variable (the Verify image digests check)`), attr('value', expr('aws_iam_role.verify.arn'))]),
      block('output', ['plan_role_arn'], [attr('description', 'The INFRA_PLAN_ROLE_ARN repository variable'), attr('value', expr('aws_iam_role.plan.arn'))]),
      block('output', ['apply_role_arn'], [attr('description', 'The INFRA_APPLY_ROLE_ARN repository variable'), attr('value', expr('aws_iam_role.apply.arn'))]),
      block('output', ['repository_urls'], [attr('description', 'The ECR repositories'), attr('value', expr('[for r in aws_ecr_repository.image : r.repository_url]'))]),
    ],
    moduleCall: () => block('module', ['pipeline'], [
      attr('source', '../modules/pipeline'),
      attr('project', f.project),
      attr('images', f.images),
      attr('moving_tag', f.movingTag),
      attr('apply_policy_arns', expr('var.apply_policy_arns')),
    ]),
    kubernetesProvider: () => [
      block('data', ['aws_eks_cluster', 'this'], [attr('name', expr('var.cluster_name'))]),
      block('provider', ['kubernetes'], [
        attr('host', expr('data.aws_eks_cluster.this.endpoint')),
        attr('cluster_ca_certificate', expr('base64decode(data.aws_eks_cluster.this.certificate_authority[0].data)')),
        block('exec', [], [attr('api_version', K8S_EXEC_API), attr('command', 'aws'), attr('args', ['eks', 'get-token', '--cluster-name', expr('var.cluster_name')])]),
      ]),
    ],
  };
}

/** Google: Artifact Registry repositories, Workload Identity pools and providers, the publisher and verifier service accounts. */
export function gcpCloud(f: CloudFacts, gcpProject: string, location: string, stateBucket: string): Cloud {
  const repositories = [...new Set(f.images.map((i) => i.split('/')[1]))];
  const [verifySubject] = oidcSubjects(f.repository, VERIFY_REFS);
  return {
    provider: 'google',
    backend: (root) => block('backend', ['gcs'], [attr('bucket', stateBucket), attr('prefix', root)]),
    providerBlock: () => block('provider', ['google'], [
      attr('project', gcpProject),
      attr('region', location),
      attr('default_labels', new HclMap([['managed-by', 'projen-gitops']])),
    ]),
    moduleBlocks: () => [
      block('resource', ['google_artifact_registry_repository', 'image'], [
        note('checkov:skip=CKV_GCP_84:Google-managed encryption; set kms_key_name for a customer-managed key'),
        attr('for_each', expr('toset(var.repositories)')),
        attr('repository_id', expr('each.value')),
        attr('location', expr('var.location')),
        attr('format', 'DOCKER'),
        block('docker_config', [], [attr('immutable_tags', false)]),
      ]),
      block('resource', ['google_iam_workload_identity_pool', 'github'], [
        attr('workload_identity_pool_id', 'github'),
        attr('display_name', 'GitHub Actions'),
      ]),
      block('resource', ['google_iam_workload_identity_pool_provider', 'publish'], [
        attr('workload_identity_pool_id', expr('google_iam_workload_identity_pool.github.workload_identity_pool_id')),
        attr('workload_identity_pool_provider_id', 'publish'),
        attr('attribute_mapping', new HclMap([['google.subject', expr('assertion.sub')], ['attribute.repository', expr('assertion.repository')], ['attribute.ref', expr('assertion.ref')]])),
        // Only this repository's publishing runs get a token at all (the container workflow's push refs).
        attr('attribute_condition', celCondition(f.repository, f.publish)),
        block('oidc', [], [attr('issuer_uri', f.oidcIssuer)]),
      ]),
      block('resource', ['google_service_account', 'publish'], [
        attr('account_id', expr('"${var.project}-publish"')),
        attr('display_name', 'Publishes the images (GitHub Actions)'),
      ]),
      block('resource', ['google_service_account_iam_member', 'publish'], [
        attr('service_account_id', expr('google_service_account.publish.name')),
        attr('role', 'roles/iam.workloadIdentityUser'),
        attr('member', expr('"principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.github.name}/attribute.repository/${var.repository}"')),
      ]),
      block('resource', ['google_artifact_registry_repository_iam_member', 'publish'], [
        attr('for_each', expr('google_artifact_registry_repository.image')),
        attr('location', expr('each.value.location')),
        attr('repository', expr('each.value.name')),
        attr('role', 'roles/artifactregistry.writer'),
        attr('member', expr('"serviceAccount:${google_service_account.publish.email}"')),
      ]),
      // The verifier's own pool: the publish service account admits every principal of the pool
      // `github` with this repository's attribute, which must never include a pull request.
      block('resource', ['google_iam_workload_identity_pool', 'verify'], [
        attr('workload_identity_pool_id', 'github-verify'),
        attr('display_name', 'GitHub Actions pull requests'),
      ]),
      block('resource', ['google_iam_workload_identity_pool_provider', 'verify'], [
        attr('workload_identity_pool_id', expr('google_iam_workload_identity_pool.verify.workload_identity_pool_id')),
        attr('workload_identity_pool_provider_id', 'verify'),
        attr('attribute_mapping', new HclMap([['google.subject', expr('assertion.sub')], ['attribute.repository', expr('assertion.repository')]])),
        // Only this repository's pull requests (the Verify image digests check) get a token.
        attr('attribute_condition', celCondition(f.repository, VERIFY_REFS)),
        block('oidc', [], [attr('issuer_uri', f.oidcIssuer)]),
      ]),
      block('resource', ['google_service_account', 'verify'], [
        attr('account_id', expr('"${var.project}-verify"')),
        attr('display_name', 'Reads the images on pull requests (GitHub Actions, read-only)'),
      ]),
      block('resource', ['google_service_account_iam_member', 'verify'], [
        attr('service_account_id', expr('google_service_account.verify.name')),
        attr('role', 'roles/iam.workloadIdentityUser'),
        attr('member', expr(`"principal://iam.googleapis.com/\${google_iam_workload_identity_pool.verify.name}/subject/${verifySubject}"`)),
      ]),
      block('resource', ['google_artifact_registry_repository_iam_member', 'verify'], [
        attr('for_each', expr('google_artifact_registry_repository.image')),
        attr('location', expr('each.value.location')),
        attr('repository', expr('each.value.name')),
        attr('role', 'roles/artifactregistry.reader'),
        attr('member', expr('"serviceAccount:${google_service_account.verify.email}"')),
      ]),
    ],
    moduleOutputs: () => [
      block('output', ['workload_identity_provider'], [attr('description', 'The GCP_WORKLOAD_IDENTITY_PROVIDER repository variable'), attr('value', expr('google_iam_workload_identity_pool_provider.publish.name'))]),
      block('output', ['service_account'], [attr('description', 'The GCP_SERVICE_ACCOUNT repository variable'), attr('value', expr('google_service_account.publish.email'))]),
      block('output', ['verify_workload_identity_provider'], [attr('description', `The ${VERIFY_VARIABLES.gcpWorkloadIdentityProvider} repository variable (the Verify image digests check)`), attr('value', expr('google_iam_workload_identity_pool_provider.verify.name'))]),
      block('output', ['verify_service_account'], [attr('description', `The ${VERIFY_VARIABLES.gcpServiceAccount} repository variable (the Verify image digests check)`), attr('value', expr('google_service_account.verify.email'))]),
    ],
    moduleCall: () => block('module', ['pipeline'], [
      attr('source', '../modules/pipeline'),
      attr('project', f.project),
      attr('repository', f.repository),
      attr('location', location),
      attr('repositories', repositories),
    ]),
    kubernetesProvider: () => [
      block('data', ['google_client_config', 'this'], []),
      block('data', ['google_container_cluster', 'this'], [attr('name', expr('var.cluster_name')), attr('location', location)]),
      block('provider', ['kubernetes'], [
        attr('host', expr('"https://${data.google_container_cluster.this.endpoint}"')),
        attr('token', expr('data.google_client_config.this.access_token')),
        attr('cluster_ca_certificate', expr('base64decode(data.google_container_cluster.this.master_auth[0].cluster_ca_certificate)')),
      ]),
    ],
  };
}

/** The module's variables, per cloud. */
export function moduleVariables(cloud: Cloud): Block[] {
  const v = (name: string, type: string, description: string) => block('variable', [name], [attr('description', description), attr('type', expr(type))]);
  const common = [v('project', 'string', 'Prefix of the names (the projen project name)')];
  if (cloud.provider === 'aws') {
    return [...common,
      v('images', 'list(string)', 'ECR repository names, one per image'),
      v('moving_tag', 'string', 'The branch tag the publish job moves (exempt from tag immutability)'),
      v('apply_policy_arns', 'list(string)', 'Managed policies of the apply role: what infra/ may change')];
  }
  return [...common,
    v('repository', 'string', 'The GitHub repository (owner/name)'),
    v('location', 'string', 'The Artifact Registry location'),
    v('repositories', 'list(string)', 'Artifact Registry repository ids')];
}

export { str };
