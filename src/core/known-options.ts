import * as fs from 'fs';
import * as path from 'path';
import { Problem } from './validation';

/**
 * Misspelt options: tsx runs `.projenrc.ts` without type-checking, so `prot: 3000` would be
 * ignored in silence. The option names come from the jsii manifests (`.jsii`), which list
 * every documented property of a struct and the structs it extends.
 */

interface JsiiType {
  readonly properties?: { readonly name: string }[];
  readonly interfaces?: string[];
}

const manifests = new Map<string, Record<string, JsiiType>>();

/** Where an assembly's manifest lives: this package's next to its compiled code, others' in node_modules. */
function manifestFile(assembly: string): string {
  if (assembly === 'projen-gitops') return path.join(__dirname, '..', '..', '.jsii');
  return path.join(path.dirname(require.resolve(`${assembly}/package.json`)), '.jsii');
}

/** Thrown when the option names cannot be read: the misspelt-option check never goes quiet. */
export class ManifestMissingError extends Error {}
ManifestMissingError.prototype.name = 'ManifestMissingError';

function manifestTypes(assembly: string): Record<string, JsiiType> {
  let types = manifests.get(assembly);
  if (!types) {
    let file = `the ${assembly} package's .jsii`;
    try {
      file = manifestFile(assembly);
      types = JSON.parse(fs.readFileSync(file, 'utf-8')).types;
    } catch (error) {
      throw new ManifestMissingError(`projen-gitops: cannot check option names: the jsii manifest ${file} is missing or unreadable (${(error as Error).message.split('\n')[0]}). ` +
        'In a checkout of projen-gitops run `npx projen compile` first; an installed package ships it, so reinstall it.');
    }
    if (!types || typeof types !== 'object') throw new ManifestMissingError(`projen-gitops: cannot check option names: ${file} lists no types; rebuild it with \`npx projen compile\``);
    manifests.set(assembly, types);
  }
  return types;
}

/** Property names of a struct and the structs it extends. */
function structProperties(fqn: string, names = new Set<string>()): Set<string> {
  const type = manifestTypes(fqn.split('.')[0])[fqn];
  if (!type) throw new ManifestMissingError(`projen-gitops: cannot check option names: the jsii manifest has no type ${fqn}; rebuild it with \`npx projen compile\``);
  for (const property of type.properties ?? []) names.add(property.name);
  for (const parent of type.interfaces ?? []) structProperties(parent, names);
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

/** A problem for every key of `options` that the struct `fqn` does not declare. */
export function unknownOptions(fqn: string, options: object, typeName: string): Problem[] {
  const keys = Object.keys(options).filter((key) => !key.startsWith('__')); // __new__: projen's creation marker
  // Most keys are this package's own: projen's 3 MB manifest is read only when one is not.
  const own = new Set(manifestTypes(fqn.split('.')[0])[fqn]?.properties?.map((p) => p.name) ?? []);
  if (own.size > 0 && keys.every((key) => own.has(key))) return [];
  const known = structProperties(fqn);
  return keys
    .filter((key) => !known.has(key))
    .map((key) => {
      const [closest] = [...known].map((name) => ({ name, d: distance(key, name) })).sort((a, b) => a.d - b.d || a.name.localeCompare(b.name));
      const hint = closest && closest.d <= Math.max(2, Math.floor(key.length / 3))
        ? `did you mean '${closest.name}'?`
        : 'remove it (see docs/options.md for every option)';
      return { option: key, message: `is not an option of ${typeName}; ${hint}` };
    });
}
