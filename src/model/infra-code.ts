import { Component, Project } from 'projen';

/** The infrastructure-as-code tool; the values are the tools' names. */
export enum Iac {
  /** HashiCorp Terraform. */
  TERRAFORM = 'terraform',
  /** OpenTofu (the `tofu` command). */
  OPENTOFU = 'opentofu',
}

/** A root module of `infra/`, in apply order. */
export interface InfraRoot {
  /** `shared` or the environment's name. */
  readonly name: string;
  /** Its folder, e.g. `infra/environments/dev`. */
  readonly dir: string;
  /** The GitHub environment its apply job runs in. */
  readonly githubEnvironment: string;
  /**
   * The Kubernetes namespace it creates (environments only).
   * @default - none (the shared root)
   */
  readonly namespace?: string;
}

/** The project's infrastructure code, if it has one. */
export function infraCodeOf(project: Project): InfraCode | undefined {
  return project.components.find((c): c is InfraCode => c instanceof InfraCode);
}

/**
 * The infrastructure as code of the repository (`Infrastructure` today, which writes `infra/`):
 * what its CI workflow needs to know of it (the tool, its version, the roots in apply order)
 * without importing the component that renders the HCL.
 */
export abstract class InfraCode extends Component {
  /** The tool. */
  public abstract readonly tool: Iac;
  /** The tool's pinned version. */
  public abstract readonly version: string;
  /** The root modules, in apply order: the shared resources, then each deployed environment. */
  public abstract readonly roots: InfraRoot[];
}
