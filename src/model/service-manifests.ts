import { Component, Project } from 'projen';
import { EnvironmentFacts } from './environments';
import { Service } from './service';
import { componentsOfType, indexComponent } from '../core/component-index';

/** Every service's manifests in the project, in creation order. */
export function serviceManifestsOf(project: Project): ServiceManifests[] {
  return componentsOfType(project, ServiceManifests);
}

/**
 * The Kubernetes objects of one service, as a renderer makes them (`HelmChart` today): what the
 * deployers (the Argo CD objects) need to know of them without importing the renderer.
 */
export abstract class ServiceManifests extends Component {
  /** The service whose objects these are. */
  public abstract readonly image: Service;

  constructor(project: Project) {
    super(project);
    indexComponent(this, ServiceManifests);
  }

  /**
   * The kinds rendered in one environment, as `group/Kind` (`apps/Deployment`, `/Service`).
   * @internal
   */
  public abstract _renderedKinds(env: EnvironmentFacts): string[];
}
