import { IConstruct } from 'constructs';
import { Component, Project } from 'projen';

/**
 * Components of one class per project, in the order they were created. A component that other
 * components look up registers itself in its constructor, so a lookup such as
 * `ContainerImage.all(project)` costs a few steps however big the project is, where
 * `project.components` walks every construct of the tree (thousands in a repository with a
 * few hundred services, and lookups run once per service).
 */
const indexes = new WeakMap<Project, Map<Function, Component[]>>();

/** Registers `component` as one of its project's `type` (call from the constructor of `type`). */
export function indexComponent(component: Component, type: Function) {
  let byType = indexes.get(component.project);
  if (!byType) {
    byType = new Map();
    indexes.set(component.project, byType);
  }
  const list = byType.get(type);
  if (list) list.push(component);
  else byType.set(type, [component]);
}

/** Still in the tree: not taken out with `node.tryRemoveChild` (nor any scope of it). */
function attached(construct: IConstruct): boolean {
  for (let c = construct; c.node.scope; c = c.node.scope) {
    if (c.node.scope.node.tryFindChild(c.node.id) !== c) return false;
  }
  return true;
}

/**
 * The project's components registered as `type` (subclasses included), in creation order;
 * `project.components.filter((c) => c instanceof type)` without the walk over the tree.
 */
export function componentsOfType<T extends Component>(project: Project, type: abstract new (...args: any[]) => T): T[] {
  return ((indexes.get(project)?.get(type) ?? []) as T[]).filter(attached);
}

/** The project's first component registered as `type`, if any. */
export function componentOfType<T extends Component>(project: Project, type: abstract new (...args: any[]) => T): T | undefined {
  return (indexes.get(project)?.get(type) as T[] | undefined)?.find(attached);
}
