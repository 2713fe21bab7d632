import { Component, Project } from 'projen';
import * as api from '../../src';
import { Iac } from '../../src';
import { gitopsProject } from '../util';

process.env.PROJEN_DISABLE_POST = 'true';

/** The exported component classes: constructors whose prototype chain reaches projen's Component. */
const components = Object.entries(api).filter(([, value]) => typeof value === 'function' && value.prototype instanceof Component) as Array<[string, any]>;

// The projen way (projen's `Dependabot.of`, `GitHub.of`): every component can be found from its
// project, so `.projenrc.ts` reaches the escape hatches of what a project type added.
describe('X.of(project)', () => {
  // The model's roles are abstract: their lookups are servicesOf(), imagePublisherOf(), admissionPoliciesOf(), ...
  const ABSTRACT = ['Service', 'ServiceManifests', 'ImagePublisher', 'InfraCode', 'AdmissionPolicies'];
  // One per service (HelmChart.all, ContainerImage.all as well as .of for the main one).
  const PER_SERVICE = ['HelmChart'];

  test('every exported component has a static of() (or all(), one per service)', () => {
    expect(components.length).toBeGreaterThan(20);
    const missing = components.filter(([name, cls]) => !ABSTRACT.includes(name) && typeof cls.of !== 'function' && !(PER_SERVICE.includes(name) && typeof cls.all === 'function'));
    expect(missing.map(([name]) => name)).toEqual([]);
  });

  test('of() finds the instance a GitOpsProject added, and nothing in a project without it', () => {
    const project = gitopsProject({ repository: 'acme/orders', iac: Iac.TERRAFORM, renovate: true });
    const plain = new Project({ name: 'plain', outdir: project.outdir + '-plain' });
    let found = 0;
    for (const [name, cls] of components) {
      if (typeof cls.of !== 'function') continue;
      const instance = project.components.find((c) => c instanceof cls);
      if (instance) {
        expect([name, cls.of(project) instanceof cls]).toEqual([name, true]);
        found++;
      }
      expect([name, cls.of(plain)]).toEqual([name, undefined]);
    }
    expect(found).toBeGreaterThan(15);
  });
});
