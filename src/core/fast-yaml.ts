import { Document, stringify } from 'yaml';

/*
 * A YAML emitter for the common case of the data synth writes (plain objects and arrays of
 * strings, finite numbers, booleans and null), byte for byte what the `yaml`
 * package's `stringify(value, { lineWidth: 0, version })` writes. The `yaml` package builds a
 * node object per value and runs its general rules on each: at a few hundred services that
 * was most of a re-synth. Anything outside that case (a multi-line string, a control
 * character, a key of over 1,000 characters, a line break in a key, a multi-line string that
 * starts or ends with white space, undefined, NaN...) is left to the `yaml` package
 * for the whole document, so the output never depends on which path wrote it (the tests
 * compare both on every generated file and on random data).
 */

/** The YAML versions the emitter writes: 1.1 for Kubernetes tools, 1.2 (the `yaml` default) for the rest. */
export type YamlVersion = '1.1' | '1.2';

interface TypeTest { test?: RegExp; tag: string; default?: boolean | string }

const typeTests = new Map<YamlVersion, RegExp[]>();

/** The patterns of the schema's non-string scalars: a plain string matching one would read back as that type. */
function nonStringTests(version: YamlVersion): RegExp[] {
  let tests = typeTests.get(version);
  if (!tests) {
    const schema = new Document(null, { version }).schema as unknown as { tags: TypeTest[]; compat?: TypeTest[] | null };
    tests = [...schema.tags, ...(schema.compat ?? [])]
      .filter((t) => t.default && t.tag !== 'tag:yaml.org,2002:str' && t.test)
      .map((t) => t.test!);
    typeTests.set(version, tests);
  }
  return tests;
}

/** What the `yaml` package refuses to write plain (its `plainString`), for a single-line string. */
const NOT_PLAIN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
/** Beyond the emitter: control characters, unpaired surrogates (the `yaml` package's rules for them are many); line breaks but in values. */
// eslint-disable-next-line no-control-regex
const BEYOND = /[\x00-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u;
// eslint-disable-next-line no-control-regex
const BEYOND_MULTILINE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]|^[\n ]|[\n ]\n$|[ \n]$(?<!\S\n)/u;
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/;

class Beyond extends Error {}

/**
 * A multi-line string (not a key) as the `yaml` package writes it in a block collection: a
 * literal block scalar, `|-` (no line break at the end) or `|` (one), its lines at `indent`.
 */
function blockString(value: string, indent: string): string {
  if (BEYOND_MULTILINE.test(value)) throw new Beyond();
  const clip = value.endsWith('\n');
  const body = (clip ? value.slice(0, -1) : value).replace(/\n+/g, `$&${indent}`);
  return `|${clip ? '' : '-'}\n${indent}${body}`;
}

function scalarString(value: string, tests: RegExp[], indent?: string): string {
  if (indent !== undefined && value.includes('\n')) return blockString(value, indent);
  // A document marker's rules depend on the indentation and on being a key.
  if (BEYOND.test(value) || DOCUMENT_MARKER.test(value)) throw new Beyond();
  if (value !== '' && !NOT_PLAIN.test(value) && !tests.some((t) => t.test(value))) return value;
  if (value === '') return '""';
  // The `yaml` package's quotedString: single quotes for a string with a double quote and no
  // single one, double quotes otherwise (for a single line without control characters, JSON's).
  const hasDouble = value.includes('"');
  const hasSingle = value.includes("'");
  if (hasDouble && !hasSingle) return `'${value}'`;
  return JSON.stringify(value);
}

/** A value's scalar text (block scalars' lines at `indent`), or `undefined` for a collection. */
function scalar(value: unknown, tests: RegExp[], indent: string): string | undefined {
  switch (typeof value) {
    case 'string':
      return scalarString(value, tests, indent);
    case 'number':
      if (!Number.isFinite(value)) throw new Beyond();
      return Object.is(value, -0) ? '-0' : JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      return value === null ? 'null' : undefined;
    default:
      throw new Beyond();
  }
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Lines of a collection at `indent`; `value` is an array or a plain object with at least one
 * entry. `seen`: the collections written so far (the `yaml` package writes a collection met
 * twice as an anchor and aliases).
 */
function collection(value: object, indent: string, tests: RegExp[], out: string[], seen: Set<object>) {
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    for (const item of value) {
      const text = scalar(item, tests, inner);
      if (text !== undefined) {
        out.push(`${indent}- ${text}`);
      } else if (isEmpty(item as object, seen)) {
        out.push(`${indent}- ${Array.isArray(item) ? '[]' : '{}'}`);
      } else {
        // The first line of the nested collection goes on the dash's line.
        const start = out.length;
        collection(item as object, inner, tests, out, seen);
        out[start] = `${indent}- ${out[start].slice(inner.length)}`;
      }
    }
    return;
  }
  if (!isPlainObject(value)) throw new Beyond();
  for (const key of Object.keys(value)) {
    const item = value[key];
    if (key.length > 1000) throw new Beyond(); // an explicit key (`? `) in the `yaml` package
    const name = scalarString(key, tests);
    const text = scalar(item, tests, inner);
    if (text !== undefined) {
      out.push(`${indent}${name}: ${text}`);
    } else if (isEmpty(item as object, seen)) {
      out.push(`${indent}${name}: ${Array.isArray(item) ? '[]' : '{}'}`);
    } else {
      out.push(`${indent}${name}:`);
      // A list under a key is indented (the `yaml` package's indentSeq).
      collection(item as object, inner, tests, out, seen);
    }
  }
}

function isEmpty(value: object, seen: Set<object>): boolean {
  if (seen.has(value)) throw new Beyond();
  seen.add(value);
  if (Array.isArray(value)) return value.length === 0;
  if (!isPlainObject(value)) throw new Beyond();
  return Object.keys(value).length === 0;
}

/**
 * `value` as the emitter writes it, or `undefined` when it is beyond the emitter (see above).
 * @internal exported for the tests
 */
export function fastYaml(value: unknown, version: YamlVersion): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const tests = nonStringTests(version);
  try {
    const seen = new Set<object>();
    if (isEmpty(value, seen)) return `${Array.isArray(value) ? '[]' : '{}'}\n`;
    const out: string[] = [];
    collection(value, '', tests, out, seen);
    return `${out.join('\n')}\n`;
  } catch (error) {
    if (error instanceof Beyond) return undefined;
    throw error;
  }
}

/** `stringify(value, { lineWidth: 0, version })` of the `yaml` package, faster for the data synth writes. */
export function stringifyYaml(value: unknown, version: YamlVersion): string {
  return fastYaml(value, version) ?? stringify(value, { lineWidth: 0, version });
}
