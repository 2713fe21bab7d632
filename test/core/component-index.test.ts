import * as path from 'path';
import { Component, Project, TextFile } from 'projen';
import { componentOfType, componentsOfType, indexComponent } from '../../src/core/component-index';
import { gitopsProject } from '../util';

class Indexed extends Component {
  constructor(scope: Project | Component, id?: string) {
    super(scope, id);
    indexComponent(this, Indexed);
  }
}
class Special extends Indexed {}

const project = () => new Project({ name: 'p', outdir: '/tmp/component-index-test' });

describe('componentsOfType', () => {
  test('lists the project\'s components of a class, subclasses included, in creation order, as project.components does', () => {
    const p = project();
    const a = new Indexed(p);
    const b = new Special(p);
    const c = new Indexed(p);
    expect(componentsOfType(p, Indexed)).toEqual([a, b, c]);
    expect(componentsOfType(p, Indexed)).toEqual(p.components.filter((x) => x instanceof Indexed));
    expect(componentOfType(p, Indexed)).toBe(a);
    expect(componentsOfType(project(), Indexed)).toEqual([]);
    expect(componentOfType(project(), Indexed)).toBeUndefined();
  });

  test('leaves out a component taken out of the tree, or under a scope taken out', () => {
    const p = project();
    const a = new Indexed(p, 'a');
    const holder = new Indexed(p, 'holder');
    const inner = new Indexed(holder, 'inner');
    expect(componentsOfType(p, Indexed)).toEqual([a, holder, inner]);
    p.node.tryRemoveChild('a');
    expect(componentsOfType(p, Indexed)).toEqual([holder, inner]);
    expect(componentOfType(p, Indexed)).toBe(holder);
    p.node.tryRemoveChild('holder');
    expect(componentsOfType(p, Indexed)).toEqual([]);
    expect(p.components.filter((x) => x instanceof Indexed)).toEqual([]);
  });

  test('a component of a subproject is the subproject\'s', () => {
    const p = project();
    const sub = new Project({ name: 'sub', parent: p, outdir: 'sub' });
    const own = new Indexed(sub);
    expect(componentsOfType(p, Indexed)).toEqual([]);
    expect(componentsOfType(sub, Indexed)).toEqual([own]);
  });
});

describe('GitOpsProject answers components and tryFindFile from indexes', () => {
  test('the same answers as projen\'s walks over the tree', () => {
    const p = gitopsProject({ repository: 'acme/orders', services: [{ name: 'billing' }] });
    const walked = Object.getOwnPropertyDescriptor(Project.prototype, 'components')!.get!.call(p) as Component[];
    expect(p.components).toEqual(walked);
    expect(p.files.length).toBeGreaterThan(40);
    for (const file of p.files) {
      expect(p.tryFindFile(file.path)).toBe(file);
      expect(p.tryFindFile(path.join(p.outdir, file.path))).toBe(file);
    }
    expect(p.tryFindFile('no/such/file')).toBeUndefined();
    // Added later: seen at once.
    const late = new TextFile(p, 'late.txt', { lines: ['x'] });
    expect(p.tryFindFile('late.txt')).toBe(late);
    expect(p.components).toContain(late);
  });
});
