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

const manifests = new Map<string, Record<string, JsiiType> | undefined>();

function manifestTypes(assembly: string): Record<string, JsiiType> | undefined {
  if (!manifests.has(assembly)) {
    let file: string | undefined;
    try {
      file = assembly === 'projen-gitops'
        ? path.join(__dirname, '..', '..', '.jsii')
        : path.join(path.dirname(require.resolve(`${assembly}/package.json`)), '.jsii');
      manifests.set(assembly, fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf-8')).types : undefined);
    } catch {
      manifests.set(assembly, undefined);
    }
  }
  return manifests.get(assembly);
}

/** Property names of a struct and the structs it extends; `undefined` when a manifest is missing. */
function structProperties(fqn: string, names = new Set<string>()): Set<string> | undefined {
  const type = manifestTypes(fqn.split('.')[0])?.[fqn];
  if (!type) return undefined;
  for (const property of type.properties ?? []) names.add(property.name);
  for (const parent of type.interfaces ?? []) {
    if (!structProperties(parent, names)) return undefined;
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

/** A problem for every key of `options` that the struct `fqn` does not declare. */
export function unknownOptions(fqn: string, options: object, typeName: string): Problem[] {
  const keys = Object.keys(options).filter((key) => !key.startsWith('__')); // __new__: projen's creation marker
  // Most keys are this package's own: projen's 3 MB manifest is read only when one is not.
  const own = new Set(manifestTypes(fqn.split('.')[0])?.[fqn]?.properties?.map((p) => p.name) ?? []);
  if (keys.every((key) => own.has(key))) return [];
  const known = structProperties(fqn);
  if (!known) return []; // no manifest next to the code (e.g. not compiled): nothing to compare against
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
