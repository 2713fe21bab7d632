/**
 * The one place that relies on projen members outside its public API. projen offers no public
 * way to render a file without writing it, to post-process a rendered file, to read a
 * workflow's triggers, or to run after every component's `preSynthesize`; each function here
 * does one of those, and `test/core/projen-adapter.test.ts` fails loudly when a projen update
 * breaks the assumption it stands on. Nothing else in projen-gitops may reach past projen's
 * public API.
 */
import { Component, FileBase, github, IResolver } from 'projen';


/** Thrown when projen no longer has a member this adapter relies on. */
export class ProjenAdapterError extends Error {
  constructor(what: string) {
    super(`projen-gitops: the installed projen changed ${what}, which projen-gitops relies on (src/core/projen-adapter.ts); use the projen version projen-gitops declares as its peer dependency`);
  }
}
ProjenAdapterError.prototype.name = 'ProjenAdapterError';

interface RenderableFile {
  synthesizeContent(resolver: IResolver): string | undefined;
}

function renderable(file: FileBase): RenderableFile {
  const candidate = file as unknown as Partial<RenderableFile>;
  if (typeof candidate.synthesizeContent !== 'function') throw new ProjenAdapterError('FileBase (no synthesizeContent method)');
  return candidate as RenderableFile;
}

/** projen's own resolver (lazy values, `toJSON`, omitEmpty): the one `FileBase.synthesize` uses. */
function resolver(): IResolver {
  let resolve: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    resolve = require('projen/lib/_resolve').resolve;
  } catch {
    resolve = undefined;
  }
  if (typeof resolve !== 'function') throw new ProjenAdapterError("its resolver (no resolve in 'projen/lib/_resolve')");
  return { resolve: (value: unknown, options?: unknown) => (resolve as (v: unknown, o?: unknown) => unknown)(value, options) } as IResolver;
}

/**
 * What a file would write now (its `synthesizeContent` with projen's resolver), or `undefined`
 * when it would write nothing. Writes nothing.
 */
export function renderFile(file: FileBase): string | undefined {
  return renderable(file).synthesizeContent(resolver());
}

/**
 * Makes `file` write `transform(content)` instead of its content (e.g. comments that projen's
 * object model has no place for). Applies once per file however often it is called.
 */
export function transformRendered(file: FileBase, key: string, transform: (content: string) => string) {
  const target = renderable(file) as RenderableFile & { __gitopsTransforms?: Set<string> };
  const applied = target.__gitopsTransforms ?? new Set<string>();
  if (applied.has(key)) return;
  applied.add(key);
  Object.defineProperty(target, '__gitopsTransforms', { value: applied, enumerable: false, configurable: true });
  const render = target.synthesizeContent.bind(target);
  target.synthesizeContent = (r: IResolver) => {
    const content = render(r);
    return content === undefined ? undefined : transform(content);
  };
}

/** The triggers a workflow was given with `on()` (a copy); projen keeps them private. */
export function workflowTriggers(workflow: github.GithubWorkflow): github.workflows.Triggers {
  const events = (workflow as unknown as { events?: unknown }).events;
  if (events === null || typeof events !== 'object') throw new ProjenAdapterError('GithubWorkflow (no events member holding its triggers)');
  return { ...(events as github.workflows.Triggers) };
}

/**
 * Runs `fn` after every component of the project has run its `preSynthesize` and before
 * projen deletes or writes any file, whatever order the components were added in. Call it
 * from `component.preSynthesize()`. projen calls `preSynthesize` on `project.components` in
 * order, so `fn` runs right after the last one's.
 */
export function afterAllPreSynthesize(component: Component, fn: () => void) {
  const components = component.project.components;
  if (!components.includes(component)) throw new ProjenAdapterError('Project.components (a component is missing from it)');
  const last = components[components.length - 1];
  if (last === component) {
    fn();
    return;
  }
  const own = Object.prototype.hasOwnProperty.call(last, 'preSynthesize');
  const original = last.preSynthesize;
  last.preSynthesize = function (this: Component) {
    if (own) last.preSynthesize = original;
    else delete (last as unknown as Record<string, unknown>).preSynthesize;
    original.call(last);
    fn();
  };
}
