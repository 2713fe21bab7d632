/**
 * The one place that relies on projen members outside its public API. projen offers no public
 * way to render a file without writing it, to post-process a rendered file, to read a
 * workflow's triggers, to run before every component's `preSynthesize` or after it, or to
 * place a file's `.gitignore` line; each function here does one of those, and
 * `test/core/projen-adapter.test.ts` fails loudly when a projen update breaks the assumption it
 * stands on. Nothing else in projen-gitops may reach past projen's public API.
 */
import * as fs from 'fs';
import * as path from 'path';
import { IConstruct, Node } from 'constructs';
import { Component, FileBase, github, IgnoreFile, IResolver, Project } from 'projen';
import { fastYaml } from './fast-yaml';


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
export function projenResolver(): IResolver {
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
  return renderable(file).synthesizeContent(projenResolver());
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

/**
 * A value projen computes when it writes the file: its object files (workflows, JSON and YAML
 * files, `.projen/tasks.json`) call a function found where a value belongs
 * (`ObjectFileOptions.obj`: "values that are functions will be called during synthesis"). A
 * component reads a fact another component holds this way, once every component has been
 * added, and the object it builds stays reachable through its escape hatches. Typed as the
 * value it stands for, so it fits projen's option types; read it only through projen's
 * resolver (`renderFile`, synth).
 */
export function lazyValue<T>(compute: () => T): T {
  return compute as unknown as T;
}

const synthStarts = new WeakMap<Project, Array<() => void>>();

/**
 * Runs `fn` when `project` next starts to synthesize: after every component has been added,
 * before any component's `preSynthesize` and before the option checks, which run in one. projen
 * calls the project's own `preSynthesize` first; it is wrapped here once per project. For what
 * must exist before any component wires itself: the files whose very set depends on facts
 * another component holds (a file per environment, a file named after the default branch),
 * and their catalog entries. Each function runs once, in the order given; a function given
 * while they run runs too.
 */
export function atSynthStart(project: Project, fn: () => void) {
  let pending = synthStarts.get(project);
  if (!pending) {
    const queue: Array<() => void> = [];
    pending = queue;
    synthStarts.set(project, queue);
    const original = project.preSynthesize;
    if (typeof original !== 'function') throw new ProjenAdapterError('Project (no preSynthesize method)');
    project.preSynthesize = function (this: Project) {
      while (queue.length > 0) queue.shift()!();
      original.call(this);
    };
  }
  pending.push(fn);
}

let reservations = 0;

/**
 * Runs `create` (which creates files) when `project` next starts to synthesize (`atSynthStart`),
 * and puts the `.gitignore` lines projen adds for those files where they would have been had
 * `create` run now: a component that makes its files late keeps the `.gitignore` it wrote when
 * it made them in its constructor, and the order components are added in moves no line. projen
 * keeps the lines in `IgnoreFile#_patterns` and adds one (`!/path`) per file it writes.
 */
export function createAtSynthStart(project: Project, create: () => void) {
  const file = project.gitignore as unknown as IgnorePatterns;
  const lines = file._patterns;
  if (!Array.isArray(lines)) throw new ProjenAdapterError('IgnoreFile (no _patterns list)');
  // A placeholder no pattern can equal (projen's own patterns never hold a NUL).
  const mark = `\0projen-gitops: reserved for the files created when the synth starts (${++reservations})`;
  lines.push(mark);
  ignoreLinesChanged(file);
  atSynthStart(project, () => {
    const before = lines.length;
    try {
      create();
    } finally {
      // projen appends one line per file; a file whose line was there already added none.
      const added = lines.length >= before ? lines.splice(before) : [];
      const at = lines.indexOf(mark);
      if (at >= 0) lines.splice(at, 1, ...added);
      else lines.push(...added);
      ignoreLinesChanged(file);
    }
  });
}

/**
 * An index of a project's construct tree that stays current as constructs are added or removed:
 * projen answers `project.components` and `tryFindFile` by walking the whole tree on every call,
 * and calls them once per file (the uniqueness check in `FileBase`'s constructor, the marker in
 * `FileBase#marker`), which makes synth quadratic in the number of files. The index learns of
 * each change by wrapping `addChild` and `tryRemoveChild` on every node of the tree (`addChild`
 * is private in constructs): a change bumps `generation`, an added subtree is queued and read
 * on the next lookup, a removal makes the next lookup rebuild from the tree.
 */
interface TreeIndex {
  generation: number;
  /** Constructs added since the last lookup; their subtrees are read lazily. */
  pending: IConstruct[];
  /** Set by a removal (and at first): the next lookup re-reads the whole tree. */
  stale: boolean;
  watched: WeakSet<Node>;
  files: Map<string, FileBase>;
  components?: { generation: number; list: Component[] };
}

interface MutableNode {
  addChild?: (child: IConstruct, childName: string) => void;
  tryRemoveChild: (childName: string) => boolean;
}

const treeIndexes = new WeakMap<Project, TreeIndex>();

function treeIndex(project: Project): TreeIndex {
  let index = treeIndexes.get(project);
  if (!index) {
    index = { generation: 0, pending: [], stale: true, watched: new WeakSet(), files: new Map() };
    treeIndexes.set(project, index);
  }
  return index;
}

function watch(index: TreeIndex, node: Node) {
  if (index.watched.has(node)) return;
  const mutable = node as unknown as MutableNode;
  const add = mutable.addChild;
  if (typeof add !== 'function' || typeof mutable.tryRemoveChild !== 'function') throw new ProjenAdapterError('constructs Node (no addChild/tryRemoveChild method)');
  const remove = mutable.tryRemoveChild;
  index.watched.add(node);
  mutable.addChild = (child: IConstruct, childName: string) => {
    add.call(node, child, childName);
    index.generation++;
    index.pending.push(child);
  };
  mutable.tryRemoveChild = (childName: string) => {
    const removed = remove.call(node, childName);
    if (removed) {
      index.generation++;
      index.stale = true;
    }
    return removed;
  };
}

/** Reads what changed since the last lookup into the index. */
function refresh(project: Project, index: TreeIndex) {
  if (index.stale) {
    index.stale = false;
    index.pending = [];
    index.files.clear();
    read(index, project);
    return;
  }
  const pending = index.pending;
  index.pending = [];
  for (const construct of pending) read(index, construct);
}

function read(index: TreeIndex, root: IConstruct) {
  for (const construct of root.node.findAll()) {
    watch(index, construct.node);
    if (!(construct instanceof FileBase)) continue;
    // A file still in its constructor has no path yet: read it again on the next lookup.
    if (construct.absolutePath === undefined) index.pending.push(construct);
    else if (!index.files.has(construct.absolutePath)) index.files.set(construct.absolutePath, construct);
  }
}

/**
 * `project.tryFindFile(filePath)` from the index: the same answer (a file of the project or of
 * a subproject, by absolute path) without walking the tree.
 */
export function indexedFindFile(project: Project, filePath: string): FileBase | undefined {
  const index = treeIndex(project);
  refresh(project, index);
  return index.files.get(path.isAbsolute(filePath) ? filePath : path.resolve(project.outdir, filePath));
}

const projenComponents = Object.getOwnPropertyDescriptor(Project.prototype, 'components')?.get;

/**
 * `project.components` (projen's own getter, in its order), computed again only when the tree
 * changed since the last call; a copy.
 */
export function indexedComponents(project: Project): Component[] {
  if (typeof projenComponents !== 'function') throw new ProjenAdapterError('Project (no components getter)');
  const index = treeIndex(project);
  // The first lookup reads and watches the whole tree, so later changes bump the generation.
  refresh(project, index);
  if (index.components?.generation !== index.generation) {
    index.components = { generation: index.generation, list: projenComponents.call(project) as Component[] };
  }
  return [...index.components.list];
}

interface ProjenUtil {
  isWritable?: (file: string) => boolean;
}

/**
 * Runs `fn` (a synth) with projen's "is the file read-only already" check answered from the
 * file's mode. projen skips writing a file whose content and permissions are unchanged, and
 * asks `access(W_OK)` for the permissions, which is always true for root (CI containers, this
 * development machine): every read-only file was written again on every synth, and read back
 * for the marker check. Other users keep projen's own check, which is right for them.
 */
export function withReadonlyFromMode<T>(fn: () => T): T {
  let util: ProjenUtil;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    util = require('projen/lib/util') as ProjenUtil;
  } catch {
    util = {};
  }
  const original = util.isWritable;
  if (typeof original !== 'function') throw new ProjenAdapterError("its file utilities (no isWritable in 'projen/lib/util')");
  if (process.getuid?.() !== 0) return fn();
  util.isWritable = (file: string) => {
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    // Any write bit (projen writes read-only files 444 or 544).
    // eslint-disable-next-line no-bitwise
    return stat !== undefined && (stat.mode & 0o222) !== 0;
  };
  try {
    return fn();
  } finally {
    util.isWritable = original;
  }
}

type Stringify = (value: unknown, replacer?: unknown, options?: unknown) => string;

/**
 * Runs `fn` (a synth) with projen's YamlFile writing through `fastYaml`: projen writes every
 * YAML file with `stringify(obj, { indent: 2, lineWidth })` of the `yaml` package it bundles,
 * which at a few hundred services spent a large part of the synth on the workflows
 * (container.yml holds three jobs per service). Only that exact call (lineWidth 0, projen's
 * default) is answered by `fastYaml`, which writes the same bytes or leaves the value to the
 * `yaml` package; any other caller, and any value beyond `fastYaml`, gets the `yaml` package's
 * own stringify. Applied only when projen bundles the `yaml` version `fastYaml` follows.
 */
export function withFastYaml<T>(fn: () => T): T {
  let yaml: { stringify?: unknown };
  let versions: string[];
  try {
    const projenDir = path.dirname(require.resolve('projen'));
    const projenYaml = require.resolve('yaml', { paths: [projenDir] });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    yaml = require(projenYaml);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    versions = [require(path.join(projenYaml, '..', '..', 'package.json')).version, require('yaml/package.json').version];
  } catch {
    yaml = {};
    versions = [];
  }
  const original = yaml.stringify as Stringify | undefined;
  if (typeof original !== 'function') throw new ProjenAdapterError("its YAML writer (no stringify in the 'yaml' package projen loads)");
  if (versions[0] !== versions[1]) return fn();
  yaml.stringify = ((value: unknown, replacer?: unknown, options?: unknown) => {
    const projenCall = options === undefined && replacer !== null && typeof replacer === 'object' && !Array.isArray(replacer)
      && Object.keys(replacer).sort().join() === 'indent,lineWidth'
      && (replacer as { indent: unknown }).indent === 2 && (replacer as { lineWidth: unknown }).lineWidth === 0;
    return (projenCall ? fastYaml(value, '1.2') : undefined) ?? original(value, replacer, options);
  }) as Stringify;
  try {
    return fn();
  } finally {
    yaml.stringify = original;
  }
}

interface IgnorePatterns {
  _patterns?: string[];
  normalizePatterns?: (pattern: string) => void;
  removePatterns?: (...patterns: string[]) => void;
}

/** What `indexIgnorePatterns` forgets when the lines change other than through projen's methods. */
const ignoreIndexes = new WeakMap<object, () => void>();

function ignoreLinesChanged(file: object) {
  ignoreIndexes.get(file)?.();
}

/**
 * Makes `file`'s duplicate removal cheap. Before adding a pattern projen's IgnoreFile removes
 * an earlier copy of it and of its negation with `indexOf` over every pattern, and every file
 * projen writes adds one (`!/path` to `.gitignore`): quadratic in the files. The wrapped check
 * first looks both up in a count of the patterns and does projen's own removal only when one
 * is there (or for a folder pattern, which also removes the patterns under it); the count
 * follows the list (re-read whenever it changed other than by one pattern added).
 */
export function indexIgnorePatterns(file: IgnoreFile) {
  const target = file as unknown as IgnorePatterns;
  const normalize = target.normalizePatterns;
  const removePatterns = target.removePatterns;
  if (typeof normalize !== 'function' || typeof removePatterns !== 'function' || !Array.isArray(target._patterns)) {
    throw new ProjenAdapterError('IgnoreFile (no normalizePatterns/removePatterns method or _patterns list)');
  }
  let known: { list: string[]; length: number; counts: Map<string, number> } | undefined;
  const counts = (): Map<string, number> => {
    const list = target._patterns ?? [];
    if (known?.list === list && known.length === list.length) return known.counts;
    if (known?.list === list && list.length === known.length + 1) {
      const added = list[list.length - 1];
      known.counts.set(added, (known.counts.get(added) ?? 0) + 1);
      known.length = list.length;
      return known.counts;
    }
    const fresh = new Map<string, number>();
    for (const p of list) fresh.set(p, (fresh.get(p) ?? 0) + 1);
    known = { list, length: list.length, counts: fresh };
    return fresh;
  };
  target.normalizePatterns = (pattern: string) => {
    const opposite = pattern.startsWith('!') ? pattern.slice(1) : `!${pattern}`;
    const present = counts();
    if (!pattern.endsWith('/') && !present.has(pattern) && !present.has(opposite)) return;
    normalize.call(file, pattern);
    known = undefined;
  };
  target.removePatterns = (...patterns: string[]) => {
    removePatterns.apply(file, patterns);
    known = undefined;
  };
  ignoreIndexes.set(file, () => {
    known = undefined;
  });
}
