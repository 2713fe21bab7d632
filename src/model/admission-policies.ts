import { Component, Project } from 'projen';

/** The label that opts a namespace into Sigstore policy-controller's admission checks. */
export const POLICY_INCLUDE_LABEL = 'policy.sigstore.dev/include';

/** The project's admission policies, if it has them. */
export function admissionPoliciesOf(project: Project): AdmissionPolicies | undefined {
  return project.components.find((c): c is AdmissionPolicies => c instanceof AdmissionPolicies);
}

/**
 * The admission policies each environment's cluster enforces, as a renderer makes them
 * (`ImagePolicies` today): what the code that creates the environments' namespaces (`infra/`)
 * must know of them without importing the renderer.
 */
export abstract class AdmissionPolicies extends Component {
  /**
   * The labels an environment's namespace carries so that the cluster's admission controller
   * enforces the policies in it (policy-controller checks labelled namespaces only).
   */
  public abstract readonly namespaceLabels: { [name: string]: string };
}
