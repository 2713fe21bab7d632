import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { optionPath, show } from './checks';
import { Problem } from './validation';

/**
 * Options checked for what they are. tsx runs `.projenrc.ts` without type-checking, so a
 * misspelt key (`services[0].runtme`) or a wrong type (`autoMerge: "false"`) would change
 * the result in silence. The jsii manifests (`.jsii`) describe every option: each struct's
 * properties and the structs it extends, arrays, maps, enums and primitives. The options are
 * walked along that type system, at every depth, and each problem names the option path as
 * the user wrote it.
 *
 * A manifest is parsed once per process and each type's property table once; projen's own
 * 3 MB manifest is read only when an option inherited from projen is used (`name` is).
 */

interface TypeRef {
  readonly primitive?: string;
  readonly fqn?: string;
  readonly collection?: { readonly kind: string; readonly elementtype: TypeRef };
  readonly union?: { readonly types: TypeRef[] };
  readonly intersection?: { readonly types: TypeRef[] };
}

interface JsiiProperty {
  readonly name: string;
  readonly type: TypeRef;
  readonly optional?: boolean;
  readonly docs?: { readonly summary?: string; readonly remarks?: string; readonly default?: string };
}

interface JsiiType {
  readonly kind: string;
  readonly name: string;
  readonly datatype?: boolean;
  readonly properties?: JsiiProperty[];
  readonly interfaces?: string[];
  readonly members?: { readonly name: string }[];
  readonly initializer?: { readonly parameters?: { readonly type: TypeRef }[] };
}

interface Assembly {
  readonly name: string;
  /** The package folder (its package.json and .jsii). */
  readonly dir: string;
  readonly types: Record<string, JsiiType>;
  readonly dependencies: string[];
}

/** Thrown when the option names cannot be read: the option check never goes quiet. */
export class ManifestMissingError extends Error {}
ManifestMissingError.prototype.name = 'ManifestMissingError';

const OWN = 'projen-gitops';
const OWN_DIR = path.join(__dirname, '..', '..');
const assemblies = new Map<string, Assembly>();

function readManifest(dir: string, expected: string): Assembly {
  const file = path.join(dir, '.jsii');
  let manifest: any;
  try {
    manifest = JSON.parse(fs.readFileSync(file, 'utf-8'));
    // jsii may write a compressed assembly behind a redirect (`compressAssembly`).
    if (manifest?.schema === 'jsii/file-redirect') {
      const target = fs.readFileSync(path.join(dir, manifest.filename));
      manifest = JSON.parse((manifest.compression === 'gzip' ? zlib.gunzipSync(target) : target).toString('utf-8'));
    }
  } catch (error) {
    throw new ManifestMissingError(`projen-gitops: cannot check option names: the jsii manifest ${file} is missing or unreadable (${(error as Error).message.split('\n')[0]}). ` +
      (expected === OWN
        ? 'In a checkout of projen-gitops run `npx projen compile` first; an installed package ships it, so reinstall it.'
        : `Rebuild ${expected} with jsii (\`npx projen compile\`) and publish it with its .jsii, or reinstall it.`));
  }
  if (!manifest?.types || typeof manifest.types !== 'object') {
    throw new ManifestMissingError(`projen-gitops: cannot check option names: ${file} lists no types; rebuild it with \`npx projen compile\``);
  }
  const dependencies = Object.keys(manifest.dependencyClosure ?? manifest.dependencies ?? {});
  return { name: manifest.name ?? expected, dir, types: manifest.types, dependencies };
}

/** A package folder: this package's own, else resolved from the assemblies that depend on it, the working folder, or here. */
function packageDir(name: string): string {
  if (name === OWN) return OWN_DIR;
  const from = [...[...assemblies.values()].filter((a) => a.dependencies.includes(name)).map((a) => a.dir), process.cwd(), OWN_DIR];
  try {
    return path.dirname(require.resolve(`${name}/package.json`, { paths: from }));
  } catch (error) {
    throw new ManifestMissingError(`projen-gitops: cannot check option names: the package ${name} (its jsii manifest describes the options) cannot be found from ${from[0]} (${(error as Error).message.split('\n')[0]}); install it, or reinstall the template that needs it`);
  }
}

function assembly(name: string, dir?: string): Assembly {
  let found = assemblies.get(name);
  if (!found) {
    found = readManifest(dir ?? packageDir(name), name);
    assemblies.set(name, found);
  }
  return found;
}

const assemblyOfCache = new Map<string, string>();

/** The assembly of a type name: the longest loaded or known assembly name it starts with. */
function assemblyOf(fqn: string): string {
  const cached = assemblyOfCache.get(fqn);
  if (cached !== undefined) return cached;
  const known = new Set<string>([OWN, ...assemblies.keys(), ...[...assemblies.values()].flatMap((a) => a.dependencies)]);
  const match = [...known].filter((name) => fqn.startsWith(`${name}.`)).sort((a, b) => b.length - a.length)[0];
  if (match) {
    assemblyOfCache.set(fqn, match);
    return match;
  }
  const scoped = /^(@[^/]+\/[^.]+)\./.exec(fqn);
  return scoped ? scoped[1] : fqn.split('.')[0];
}

function typeOf(fqn: string): JsiiType {
  const type = assembly(assemblyOf(fqn)).types[fqn];
  if (!type) throw new ManifestMissingError(`projen-gitops: cannot check option names: the jsii manifest has no type ${fqn}; rebuild it with \`npx projen compile\``);
  return type;
}

const propertyCache = new Map<string, Map<string, JsiiProperty | null>>();

/** The property `key` of a struct or one it extends; the structs of its own assembly are searched first. */
function propertyOf(fqn: string, key: string): JsiiProperty | undefined {
  let cache = propertyCache.get(fqn);
  if (!cache) propertyCache.set(fqn, cache = new Map());
  let found = cache.get(key);
  if (found === undefined) {
    const type = typeOf(fqn);
    found = type.properties?.find((p) => p.name === key) ?? null;
    const own = assemblyOf(fqn);
    const parents = [...(type.interfaces ?? [])].sort((a, b) => Number(assemblyOf(b) === own) - Number(assemblyOf(a) === own));
    for (const parent of parents) {
      if (found) break;
      found = propertyOf(parent, key) ?? null;
    }
    cache.set(key, found);
  }
  return found ?? undefined;
}

const namesCache = new Map<string, string[]>();

/** Every property name of a struct and the structs it extends. */
function propertyNames(fqn: string): string[] {
  let names = namesCache.get(fqn);
  if (!names) {
    const type = typeOf(fqn);
    names = [...new Set([...(type.properties ?? []).map((p) => p.name), ...(type.interfaces ?? []).flatMap(propertyNames)])];
    namesCache.set(fqn, names);
  }
  return names;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** The closest of `names` to `key`, if it is close enough to be what was meant. */
export function closest(key: string, names: string[]): string | undefined {
  const [best] = names.map((name) => ({ name, d: distance(key, name) })).sort((a, b) => a.d - b.d || a.name.localeCompare(b.name));
  return best && best.d <= Math.max(2, Math.floor(key.length / 3)) ? best.name : undefined;
}

const requiredCache = new Map<string, JsiiProperty[]>();

/** The properties a struct requires (its own and those of the structs it extends). */
function requiredProperties(fqn: string): JsiiProperty[] {
  let required = requiredCache.get(fqn);
  if (!required) {
    const names = propertyNames(fqn);
    required = names.map((name) => propertyOf(fqn, name)!).filter((p) => !p.optional);
    requiredCache.set(fqn, required);
  }
  return required;
}

/** An example of a string property from its docs (`e.g. \`staging\``, or the first name in backticks). */
function exampleOf(property: JsiiProperty): string | undefined {
  const docs = `${property.docs?.summary ?? ''} ${property.docs?.remarks ?? ''}`;
  const quoted = [...docs.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
  const afterEg = /e\.g\.,? `([^`]+)`/.exec(docs)?.[1];
  return [afterEg, ...quoted].find((v): v is string => v !== undefined && /^[a-z][a-z0-9-]*$/.test(v));
}

/** A struct with its required properties, as a fix: `{ name: 'staging' }`, or `{}`. */
function structFix(fqn: string): string | undefined {
  const required = requiredProperties(fqn);
  const parts = required.map((p) => (p.type.primitive === 'string' && exampleOf(p) ? `${p.name}: ${show(exampleOf(p))}` : undefined));
  if (parts.some((p) => p === undefined)) return undefined;
  return parts.length === 0 ? '{}' : `{ ${parts.join(', ')} }`;
}

const enumCache = new Map<string, { name: string; value: unknown }[] | null>();

/**
 * An enum's members with their runtime values (the manifest lists names only: `NODE`, whose
 * value is `'node'`), from the loaded module; `undefined` when it cannot be loaded (the value
 * is then left to the option's own check rather than refused for a guess).
 */
function enumMembers(fqn: string, type: JsiiType): { name: string; value: unknown }[] | undefined {
  let members = enumCache.get(fqn);
  if (members === undefined) {
    const name = assemblyOf(fqn);
    let scope: any;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      scope = name === OWN ? require(path.join(__dirname, '..', 'index')) : require(assembly(name).dir);
      for (const part of fqn.slice(name.length + 1).split('.')) scope = scope?.[part];
    } catch {
      scope = undefined;
    }
    const found = scope && typeof scope === 'object' && (type.members ?? []).every((m) => m.name in scope);
    members = found ? (type.members ?? []).map((m) => ({ name: m.name, value: scope[m.name] })) : null;
    enumCache.set(fqn, members);
  }
  return members ?? undefined;
}

/** The option path of a key: `a.b`, or `a['my-key']` for a key that is not a name. */
const join = optionPath;

const BOOLEAN_WORDS: Record<string, boolean> = { true: true, false: false, yes: true, no: false, on: true, off: false, 1: true, 0: false };

/** A default from the docs (`@default 8080`) when it is a literal of the type. */
function literalDefault(property: JsiiProperty | undefined, kind: string): unknown {
  const text = property?.docs?.default;
  if (text === undefined || text.startsWith('-')) return undefined;
  try {
    const value = JSON.parse(text);
    return typeof value === kind ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Numbers are whole unless the docs say they are a fraction (jsii has no integer type). */
function wholeNumber(property: JsiiProperty | undefined): boolean {
  const docs = `${property?.docs?.summary ?? ''} ${property?.docs?.remarks ?? ''}`;
  const fallback = literalDefault(property, 'number');
  return !/\b(fraction|ratio|decimal|factor|percentage|weight)\b/i.test(docs) && (fallback === undefined || Number.isInteger(fallback));
}

/** A fix for an optional property: the value coerced, else the documented default, else leaving it out. */
function fixText(fix: unknown, property: JsiiProperty | undefined, kind: string): string {
  if (fix !== undefined) return `try ${typeof fix === 'string' ? show(fix) : String(fix)}`;
  const fallback = literalDefault(property, kind);
  if (fallback !== undefined) return `try ${show(fallback)}`;
  if (property?.optional) return `remove it for the default${property.docs?.default ? ` (${property.docs.default.replace(/^-\s*/, '')})` : ''}`;
  return { string: "try 'value'", number: 'try 1', boolean: 'try false' }[kind] ?? 'see docs/options.md';
}

interface Walk {
  readonly problems: Problem[];
  /** Names the struct at the top (`GitOpsProject`, or a template's class) in its messages. */
  readonly topName: string;
  /** Said after an unknown top-level key (why a template's own option is not known). */
  readonly topHint?: string;
}

/** `kind`: 'type' for a value of the wrong JavaScript type, 'value' for one its type refuses. */
function typeProblem(walk: Walk, option: string, message: string, kind: 'type' | 'value' = 'type') {
  const problem = { option, message };
  (kind === 'type' ? wrongType : wrongValue).add(problem);
  walk.problems.push(problem);
}

function checkValue(walk: Walk, ref: TypeRef, value: unknown, at: string, property: JsiiProperty | undefined, depth: number): void {
  if (value === undefined || value === null || depth > 64) return;
  if (ref.primitive) {
    switch (ref.primitive) {
      case 'string':
        if (typeof value !== 'string') {
          const fix = typeof value === 'number' || typeof value === 'boolean' ? String(value) : Array.isArray(value) && value.length === 1 && typeof value[0] === 'string' ? value[0] : undefined;
          typeProblem(walk, at, `must be a string, got ${show(value)}; ${fixText(fix, property, 'string')}`);
        }
        return;
      case 'boolean':
        if (typeof value !== 'boolean') {
          const word = typeof value === 'string' || typeof value === 'number' ? BOOLEAN_WORDS[String(value).trim().toLowerCase()] : undefined;
          typeProblem(walk, at, `must be true or false (a boolean${typeof value === 'string' ? ', not a string in quotes' : ''}), got ${show(value)}; ${fixText(word, property, 'boolean')}`);
        }
        return;
      case 'number': {
        const whole = wholeNumber(property);
        const ok = typeof value === 'number' && Number.isFinite(value) && (!whole || Number.isInteger(value));
        if (!ok) {
          const parsed = typeof value === 'string' && value.trim() !== '' ? Number(value) : typeof value === 'number' ? value : NaN;
          const fix = Number.isFinite(parsed) ? (whole ? Math.round(parsed) : parsed) : undefined;
          const what = whole ? 'a whole number' : 'a finite number';
          typeProblem(walk, at, `must be ${what}${typeof value === 'string' ? ' (not a string in quotes)' : ''}, got ${show(value)}; ${fixText(fix, property, 'number')}`, typeof value === 'number' ? 'value' : 'type');
        }
        return;
      }
      default:
        return; // any, json, date: not checked
    }
  }
  if (ref.collection) {
    const element = ref.collection.elementtype;
    if (ref.collection.kind === 'array') {
      if (!Array.isArray(value)) {
        const fix = element.primitive === 'string' && typeof value === 'string' ? `try [${show(value)}]` : element.primitive === 'string' ? 'try []' : 'write a list in [ ]';
        typeProblem(walk, at, `must be a list${element.primitive ? ` of ${element.primitive}s` : ''}, got ${show(value)}; ${fix}`);
        return;
      }
      value.forEach((item, i) => checkValue(walk, element, item, `${at}[${i}]`, undefined, depth + 1));
      return;
    }
    if (typeof value !== 'object' || Array.isArray(value)) {
      typeProblem(walk, at, `must be a map (an object of names to values), got ${show(value)}; try {}`);
      return;
    }
    for (const [key, item] of Object.entries(value)) checkValue(walk, element, item, join(at, key), undefined, depth + 1);
    return;
  }
  if (ref.union) {
    // Accepted when one member type accepts it; else the first member type's problems.
    const tries = ref.union.types.map((member) => {
      const trial: Walk = { ...walk, problems: [] };
      checkValue(trial, member, value, at, property, depth);
      return trial.problems;
    });
    if (!tries.some((p) => p.length === 0)) walk.problems.push(...tries[0]);
    return;
  }
  if (ref.fqn) {
    const type = typeOf(ref.fqn);
    if (type.kind === 'enum') {
      const members = enumMembers(ref.fqn, type);
      if (members && !members.some((m) => m.value === value)) {
        const named = members.map((m) => `${type.name}.${m.name}`);
        const guess = typeof value === 'string' ? members.find((m) => m.name === closest(value, members.map((n) => n.name)) || m.value === closest(value, members.map((n) => String(n.value)))) : undefined;
        typeProblem(walk, at, `must be one of ${named.join(', ')}${members.every((m) => typeof m.value === 'string') ? ` (${members.map((m) => show(m.value)).join(', ')})` : ''}, got ${show(value)}; try ${type.name}.${(guess ?? members[0])?.name}`, typeof value === typeof members[0]?.value ? 'value' : 'type');
      }
      return;
    }
    if (type.kind === 'interface' && type.datatype) {
      if (typeof value !== 'object' || Array.isArray(value)) {
        const fix = structFix(ref.fqn);
        typeProblem(walk, at, `must be an object (${type.name}), got ${show(value)}; ${fix ? `try ${fix}` : `write a ${type.name} in { } (see docs/options.md)`}`);
        return;
      }
      checkStruct(walk, ref.fqn, type.name, value as object, at, depth + 1);
      return;
    }
    // A class or behavioural interface: an object made in code; its shape is its own.
    if (typeof value !== 'object' && typeof value !== 'function') {
      typeProblem(walk, at, `must be a ${type.name} object, got ${show(value)}; remove it for the default`);
    }
  }
}

function checkStruct(walk: Walk, fqn: string, typeName: string, value: object, at: string, depth: number, whole = at !== '') {
  // A required option left out (or misspelt) below the top (projen reports the top's own `name`).
  if (whole) {
    for (const property of requiredProperties(fqn)) {
      if ((value as any)[property.name] !== undefined) continue;
      const example = property.type.primitive === 'string' ? exampleOf(property) : undefined;
      typeProblem(walk, join(at, property.name), `is required by ${typeName}, got none; ${example ? `try ${show(example)}` : 'set it (see docs/options.md)'}`, 'value');
    }
  }
  for (const [key, item] of Object.entries(value)) {
    if (key.startsWith('__')) continue; // __new__: projen's creation marker
    const property = propertyOf(fqn, key);
    const option = join(at, key);
    if (!property) {
      const guess = closest(key, propertyNames(fqn));
      const hint = guess ? `did you mean '${guess}'?` : 'remove it (see docs/options.md for every option)';
      const top = at === '' && walk.topHint ? ` ${walk.topHint}` : '';
      const problem = { option, message: `is not an option of ${at === '' ? walk.topName : typeName}; ${hint}${top}` };
      unknownKey.add(problem);
      walk.problems.push(problem);
      continue;
    }
    checkValue(walk, property.type, item, option, property, depth);
  }
}

/**
 * Every problem of `options` against the struct `fqn` (e.g. `projen-gitops.EnvironmentOptions`),
 * at every depth: unknown keys (with the closest name) and wrong types (with a fix). Paths
 * start at `at` (e.g. `environments[0]`); `typeName` names the struct in the messages.
 */
export function optionsProblems(fqn: string, options: unknown, typeName: string, at = ''): Problem[] {
  const walk: Walk = { problems: [], topName: typeName };
  checkValue(walk, { fqn }, options, at, undefined, 0);
  return walk.problems;
}

/**
 * Every problem of some options of the struct `fqn`, each key walked at every depth as
 * `optionsProblems` walks them (unknown keys with the closest name, wrong types with a fix), but
 * none required: a template's defaults of any option (`templateDefaults.options`). Paths start
 * at `at` (`templateDefaults.options.signImages`).
 */
export function someOptionsProblems(fqn: string, options: object, typeName: string, at = ''): Problem[] {
  const walk: Walk = { problems: [], topName: typeName };
  checkStruct(walk, fqn, typeName, options ?? {}, at, 0, false);
  return walk.problems;
}

/** The names a piece of source needs imported, by module: `projen-gitops` → `Runtime`, `projen` → `javascript`. */
export type SourceImports = Map<string, Set<string>>;

/**
 * The value of the option `key` of the struct `fqn` as TypeScript source, as a person writes it
 * in `.projenrc.ts`: enum values by their member (`Runtime.PYTHON`, `Iac.TERRAFORM`,
 * `javascript.NodePackageManager.PNPM`) at every depth, from the option's type in the jsii
 * manifests (a string in quotes fails the typecheck); everything else as JSON. The names the
 * source needs are added to `imports`.
 */
export function optionSource(fqn: string, key: string, value: unknown, imports: SourceImports): string {
  return sourceOf(propertyOf(fqn, key)?.type, value, imports, 0);
}

function sourceOf(ref: TypeRef | undefined, value: unknown, imports: SourceImports, depth: number): string {
  if (value === undefined) return 'undefined';
  if (depth > 64) return JSON.stringify(value);
  const plain = value !== null && typeof value === 'object' && !Array.isArray(value);
  if (ref?.fqn) {
    const type = typeOf(ref.fqn);
    if (type.kind === 'enum') {
      const member = enumMembers(ref.fqn, type)?.find((m) => m.value === value);
      if (member) {
        const module = assemblyOf(ref.fqn);
        const name = ref.fqn.slice(module.length + 1);
        let names = imports.get(module);
        if (!names) imports.set(module, names = new Set());
        names.add(name.split('.')[0]);
        return `${name}.${member.name}`;
      }
    } else if (type.kind === 'interface' && type.datatype && plain) {
      return objectSource(value as object, (k) => propertyOf(ref.fqn!, k)?.type, imports, depth);
    }
  }
  if (ref?.union) {
    // The first member type that names the value differently from plain JSON (an enum inside).
    const fallback = sourceOf(undefined, value, new Map(), depth);
    for (const member of ref.union.types) {
      const trial: SourceImports = new Map();
      const text = sourceOf(member, value, trial, depth);
      if (text !== fallback) {
        for (const [module, names] of trial) imports.set(module, new Set([...(imports.get(module) ?? []), ...names]));
        return text;
      }
    }
    return fallback;
  }
  const element = ref?.collection?.elementtype;
  if (Array.isArray(value)) return `[${value.map((item) => sourceOf(ref?.collection?.kind === 'array' ? element : undefined, item, imports, depth + 1)).join(', ')}]`;
  if (plain) return objectSource(value as object, () => (ref?.collection?.kind === 'map' ? element : undefined), imports, depth);
  return JSON.stringify(value);
}

function objectSource(value: object, typeOfKey: (key: string) => TypeRef | undefined, imports: SourceImports, depth: number): string {
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  const key = (k: string) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k));
  return `{ ${entries.map(([k, v]) => `${key(k)}: ${sourceOf(typeOfKey(k), v, imports, depth + 1)}`).join(', ')} }`;
}

// Two kinds of problems from the manifest. A value of the wrong JavaScript type (`'false'` for
// a boolean, a string for a list) wins over a component's own message for the same option (or
// inside it), which was written for a value of the right type. A value of the right type that
// the type still refuses (NaN, 1.5 for a whole number, a string no enum member has) yields to
// the component's own message when it has one (`port: must be an integer from 1 to 65535`).
const wrongType = new WeakSet<Problem>();
const wrongValue = new WeakSet<Problem>();
const unknownKey = new WeakSet<Problem>();

/** Whether a problem comes from the manifest check at all (an unknown key, a wrong type or a value its type refuses). */
export function isShapeProblem(problem: Problem): boolean {
  return unknownKey.has(problem) || isTypeProblem(problem);
}

/** Whether a problem comes from the type check (the value's type or a value its type refuses). */
export function isTypeProblem(problem: Problem): boolean {
  return wrongType.has(problem) || wrongValue.has(problem);
}

/** Whether a problem is a value of the wrong type, which supersedes other messages for that option and inside it. */
export function isWrongType(problem: Problem): boolean {
  return wrongType.has(problem);
}

const RTTI = Symbol.for('jsii.rtti');

/** Where a jsii class is described: its fqn (from the runtime type information jsii compiles into it) and package. */
function rttiOf(cls: Function): { fqn: string } | undefined {
  return Object.prototype.hasOwnProperty.call(cls, RTTI) ? (cls as any)[RTTI] : undefined;
}

/** The package folder of a loaded jsii class: the module that exports it, then up to its package.json named like its fqn. */
function classPackage(cls: Function, fqn: string): { name: string; dir: string } | undefined {
  const cache: Record<string, NodeModule | undefined> = (typeof require !== 'undefined' && require.cache) || {};
  for (const mod of Object.values(cache)) {
    const exported = mod?.exports;
    if (!exported || (exported !== cls && !(typeof exported === 'object' && Object.values(exported).includes(cls)))) continue;
    for (let dir = path.dirname(mod!.filename); dir !== path.dirname(dir); dir = path.dirname(dir)) {
      const file = path.join(dir, 'package.json');
      if (!fs.existsSync(file)) continue;
      const name = JSON.parse(fs.readFileSync(file, 'utf-8')).name;
      if (typeof name === 'string' && fqn.startsWith(`${name}.`)) return { name, dir };
    }
  }
  // Not found among the loaded modules (or no require.cache): resolve the fqn's package name.
  const parts = fqn.split('.');
  for (let n = parts.length - 1; n >= 1; n--) {
    const name = parts.slice(0, n).join('.');
    try {
      return { name, dir: path.dirname(require.resolve(`${name}/package.json`, { paths: [process.cwd(), OWN_DIR] })) };
    } catch {
      // try a shorter name
    }
  }
  return undefined;
}

/** What a project class takes as options: its checked class name, the options struct and why own options may be unknown. */
interface ProjectOptionsType {
  readonly fqn: string;
  readonly className: string;
  readonly hint?: string;
}

const classCache = new WeakMap<Function, ProjectOptionsType>();

/**
 * The options struct of a project class `cls` that extends `base` (fqn `baseFqn`): a jsii
 * subclass's own (read from its package's `.jsii`, so its own options are known and still
 * spell-checked), else the base's. A plain TypeScript subclass has no manifest: its own
 * options must be taken out before `super()` (the message says so).
 */
export function projectOptionsType(cls: Function, base: Function, baseFqn: string): ProjectOptionsType {
  let found = classCache.get(cls);
  if (found) return found;
  const plain: string[] = [];
  let jsiiClass: Function | undefined;
  for (let c: any = cls; c && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    if (c === base || rttiOf(c)) {
      jsiiClass = c;
      break;
    }
    plain.push(c.name || 'an anonymous class');
  }
  const hint = plain.length > 0
    ? `(${plain[0]} is not a jsii class, so its own options cannot be read: take them out before calling super(), e.g. \`const { team, ...rest } = options; super(rest)\`, or build it with jsii; see docs/platform-template.md)`
    : undefined;
  if (!jsiiClass || jsiiClass === base || rttiOf(jsiiClass)?.fqn === rttiOf(base)?.fqn) {
    found = { fqn: baseFqn, className: (jsiiClass ?? base).name, hint };
  } else {
    const classFqn = rttiOf(jsiiClass)!.fqn;
    const pkg = classPackage(jsiiClass, classFqn);
    if (!pkg) {
      throw new ManifestMissingError(`projen-gitops: cannot check the options of ${jsiiClass.name}: the package of the jsii class ${classFqn} (and its .jsii manifest) cannot be found from ${process.cwd()}; install it (npm ci), or reinstall the template`);
    }
    assembly(pkg.name, pkg.dir);
    const type = typeOf(classFqn);
    const parameter = type.initializer?.parameters?.find((p) => p.type.fqn && typeOf(p.type.fqn).datatype);
    found = { fqn: parameter?.type.fqn ?? baseFqn, className: jsiiClass.name, hint };
  }
  classCache.set(cls, found);
  return found;
}

/**
 * Every problem of a project's options, at every depth, against the options struct of the
 * class that was constructed (`new.target`): see `projectOptionsType`.
 */
export function projectOptionsProblems(cls: Function, base: Function, baseFqn: string, options: object): Problem[] {
  const type = projectOptionsType(cls, base, baseFqn);
  const walk: Walk = { problems: [], topName: type.className, topHint: type.hint };
  if (typeof options !== 'object' || options === null) return [{ option: 'options', message: `must be an object of options, got ${show(options)}; try { name: 'my-service' }` }];
  checkStruct(walk, type.fqn, type.className, options, '', 0);
  return walk.problems;
}
