/**
 * Writes docs/options.md, the reference of every option, from the doc comments as jsii
 * recorded them in `.jsii` (run after compile: `npx projen docgen`). A unit test fails when
 * the committed page differs from what this renders.
 */
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');

interface TypeRef { primitive?: string; fqn?: string; collection?: { kind: string; elementtype: TypeRef }; union?: { types: TypeRef[] } }
interface Parameter { type: TypeRef }
interface Property { name: string; type: TypeRef; optional?: boolean; docs?: { summary?: string; remarks?: string; default?: string } }
interface JsiiType { kind: string; name: string; fqn: string; datatype?: boolean; interfaces?: string[]; properties?: Property[]; members?: { name: string; docs?: { summary?: string } }[]; docs?: { summary?: string }; locationInModule?: { filename: string }; initializer?: { parameters?: Parameter[] }; methods?: Array<{ parameters?: Parameter[] }> }

function typeName(ref: TypeRef): string {
  if (ref.primitive) return ref.primitive;
  if (ref.fqn) return ref.fqn.replace(/^projen-gitops\./, '');
  if (ref.collection) return ref.collection.kind === 'array' ? `${typeName(ref.collection.elementtype)}[]` : `Record<string, ${typeName(ref.collection.elementtype)}>`;
  return 'unknown';
}

function cell(text: string | undefined): string {
  return (text ?? '').replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|').trim();
}

/** The types a reference names (through arrays, maps and unions). */
function referenced(ref: TypeRef | undefined): string[] {
  if (!ref) return [];
  if (ref.fqn) return [ref.fqn];
  if (ref.collection) return referenced(ref.collection.elementtype);
  return (ref.union?.types ?? []).flatMap(referenced);
}

/**
 * The options: the structs and enums a constructor or method of a class takes, and everything
 * they hold. Structs that only describe what a component computed (`RepositoryFacts`,
 * `FileEntry`, ...) are read, never written, and stay in reference.md.
 */
export function optionTypes(types: Record<string, JsiiType>): Set<string> {
  const parameters = Object.values(types).filter((t) => t.kind === 'class')
    .flatMap((t) => [...(t.initializer?.parameters ?? []), ...(t.methods ?? []).flatMap((m) => m.parameters ?? [])]);
  const pending = parameters.flatMap((p) => referenced(p.type));
  const found = new Set<string>();
  while (pending.length) {
    const fqn = pending.pop()!;
    const type = types[fqn];
    if (!type || found.has(fqn)) continue;
    found.add(fqn);
    pending.push(...(type.interfaces ?? []), ...(type.properties ?? []).flatMap((p) => referenced(p.type)));
  }
  return found;
}

export function renderOptionsDoc(manifestPath = path.join(ROOT, '.jsii')): string {
  const types: Record<string, JsiiType> = JSON.parse(fs.readFileSync(manifestPath, 'utf-8')).types;
  const options = optionTypes(types);
  const sorted = Object.values(types).filter((t) => options.has(t.fqn)).sort((a, b) => a.name.localeCompare(b.name));
  const lines = [
    '# Options reference',
    '',
    '<!-- Generated from the doc comments by scripts/options-doc.ts (`npx projen docgen`). Do not edit. -->',
    '',
    'Every option of the project type and of each component, with its default. The full API',
    '(classes, methods, properties) is in [reference.md](reference.md).',
    '',
  ];
  for (const type of sorted.filter((t) => t.kind === 'interface' && t.datatype)) {
    lines.push(`## ${type.name}`, '');
    if (type.docs?.summary) lines.push(type.docs.summary, '');
    // Options of this package's structs it extends are listed in the table; projen's are named.
    const own = (t: JsiiType): Property[] => [
      ...(t.properties ?? []),
      ...(t.interfaces ?? []).filter((i) => types[i]).flatMap((i) => own(types[i])),
    ];
    const external = (type.interfaces ?? []).filter((i) => !types[i]).map((i) => `\`${i}\``);
    if (external.length) lines.push(`Also accepts every option of ${external.join(', ')} (e.g. \`name\`, \`outdir\`).`, '');
    lines.push('| Option | Type | Default | Description |', '|---|---|---|---|');
    const properties = [...new Map(own(type).map((p) => [p.name, p])).values()];
    for (const p of properties.sort((a, b) => a.name.localeCompare(b.name))) {
      const def = p.optional ? cell(p.docs?.default) || '-' : 'required';
      const description = [p.docs?.summary, p.docs?.remarks].filter(Boolean).join(' ');
      lines.push(`| \`${p.name}\` | \`${typeName(p.type)}\` | ${def.startsWith('-') ? cell(def) : `\`${def}\``} | ${cell(description)} |`);
    }
    lines.push('');
  }
  for (const type of sorted.filter((t) => t.kind === 'enum')) {
    lines.push(`## ${type.name} (enum)`, '');
    if (type.docs?.summary) lines.push(type.docs.summary, '');
    lines.push('| Value | Description |', '|---|---|');
    for (const m of type.members ?? []) lines.push(`| \`${type.name}.${m.name}\` | ${cell(m.docs?.summary)} |`);
    lines.push('');
  }
  return lines.join('\n');
}

if (require.main === module) {
  const target = path.join(ROOT, 'docs', 'options.md');
  fs.writeFileSync(target, renderOptionsDoc());
  console.log(`wrote ${path.relative(process.cwd(), target)}`);
}
