import { Component, Project } from 'projen';
import { OidcRefs } from './oidc';

/** The project's image publisher, if it has one. */
export function imagePublisherOf(project: Project): ImagePublisher | undefined {
  return project.components.find((c): c is ImagePublisher => c instanceof ImagePublisher);
}

/**
 * The component that publishes the services' images (`ContainerBuildWorkflow` today): the runs
 * whose job pushes them, which the cloud trust policies (`infra/`) admit, and whether it signs
 * them, read without importing the workflow.
 */
export abstract class ImagePublisher extends Component {
  /**
   * The runs whose publish job pushes images (branches and tag patterns); the OIDC trust of the
   * registry identity is computed from them (`oidcSubjects`).
   */
  public abstract readonly publishRefs: OidcRefs;

  /** Whether the pushed images are signed (what the signing checks need a signer for). */
  public abstract readonly signs: boolean;
}
