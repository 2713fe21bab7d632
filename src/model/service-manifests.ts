import { Component, Project } from 'projen';
import { EnvironmentFacts } from './environments';
import { Service, servicesOf } from './service';
import { componentsOfType, indexComponent } from '../core/component-index';

/**
 * Every service's manifests in the project, in the order of their services (`servicesOf`: the
 * one at the root first, then as the services were added), whatever order the manifests were
 * added in.
 */
export function serviceManifestsOf(project: Project): ServiceManifests[] {
  const services = servicesOf(project);
  const rank = (m: ServiceManifests) => {
    const i = services.indexOf(m.image);
    return i < 0 ? services.length : i;
  };
  // A stable sort: manifests of one service (or of none) keep their creation order.
  return componentsOfType(project, ServiceManifests).sort((a, b) => rank(a) - rank(b));
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
