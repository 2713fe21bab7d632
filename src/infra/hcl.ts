/**
 * A small HCL object model rendered the way `terraform fmt` / `tofu fmt` lay it out: two-space
 * indents, the `=` of consecutive one-line attributes aligned, blocks set apart by blank lines.
 * Values are expressions; `str()` quotes text for an HCL string (no interpolation reaches it).
 */

/** An HCL expression, rendered verbatim. */
export class Expr {
  constructor(readonly text: string) {}
}

/** A map value (`{ key = value }`), one entry a line. */
export class HclMap {
  constructor(readonly entries: Array<[string, Value]>) {}
}

export type Value = Expr | HclMap | string | number | boolean | Value[];

export interface Block {
  readonly type: string;
  readonly labels?: string[];
  readonly body: Item[];
  /** Comment lines above the block (without `#`). */
  readonly comment?: string[];
}

export type Item = Block | { readonly attr: string; readonly value: Value; readonly comment?: string } | { readonly note: string };

/** An expression (a reference, a function call). */
export function expr(text: string): Expr {
  return new Expr(text);
}

/** Text as an HCL string literal: `"`, `\` escaped, `${` and `%{` doubled so nothing interpolates. */
export function str(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\$\{/g, () => '$${').replace(/%\{/g, '%%{')}"`;
}

/** A block. */
export function block(type: string, labels: string[], body: Item[], comment?: string[]): Block {
  return { type, labels, body, comment };
}

/** An attribute. */
export function attr(name: string, value: Value, comment?: string): Item {
  return { attr: name, value, comment };
}

/** A comment line in a block's body (e.g. a scanner's inline skip, which must be inside the block). */
export function note(text: string): Item {
  return { note: text };
}

function isBlock(item: Item): item is Block {
  return 'type' in item;
}

function renderValue(value: Value, indent: string): string {
  if (value instanceof Expr) return value.text;
  if (typeof value === 'string') return str(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map((v) => renderValue(v, indent)).join(', ')}]`;
  if (value.entries.length === 0) return '{}';
  const width = Math.max(...value.entries.map(([k]) => mapKey(k).length));
  const inner = indent + '  ';
  return `{\n${value.entries.map(([k, v]) => `${inner}${mapKey(k).padEnd(width)} = ${renderValue(v, inner)}`).join('\n')}\n${indent}}`;
}

function mapKey(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? key : str(key);
}

function renderBody(items: Item[], indent: string): string[] {
  const lines: string[] = [];
  let group: Array<{ readonly attr: string; readonly value: Value; readonly comment?: string }> = [];
  const flush = () => {
    // fmt aligns a run of one-line attributes; a multi-line value ends the run.
    let run: typeof group = [];
    const emit = () => {
      const width = Math.max(0, ...run.map((a) => a.attr.length));
      for (const a of run) {
        if (a.comment) lines.push(`${indent}# ${a.comment}`);
        lines.push(`${indent}${a.attr.padEnd(width)} = ${renderValue(a.value, indent)}`);
      }
      run = [];
    };
    for (const a of group) {
      const text = renderValue(a.value, indent);
      if (text.includes('\n')) {
        emit();
        if (a.comment) lines.push(`${indent}# ${a.comment}`);
        lines.push(`${indent}${a.attr} = ${text}`);
      } else {
        if (a.comment && run.length > 0) emit();
        run.push(a);
      }
    }
    emit();
    group = [];
  };
  items.forEach((item) => {
    if ('note' in item) {
      flush();
      lines.push(`${indent}#${item.note}`);
    } else if (isBlock(item)) {
      flush();
      if (lines.length > 0) lines.push('');
      lines.push(...renderBlock(item, indent));
    } else {
      if (group.length === 0 && lines.length > 0) lines.push('');
      group.push(item);
    }
  });
  flush();
  return lines;
}

function renderBlock(b: Block, indent: string): string[] {
  const head = [b.type, ...(b.labels ?? []).map(str)].join(' ');
  const comments = (b.comment ?? []).map((c) => `${indent}#${c ? ' ' + c : ''}`);
  if (b.body.length === 0) return [...comments, `${indent}${head} {}`];
  return [...comments, `${indent}${head} {`, ...renderBody(b.body, indent + '  '), `${indent}}`];
}

/** An HCL file: the header comment lines, then the top-level blocks. */
export function renderHcl(header: string[], blocks: Block[]): string {
  const lines = [...header.map((h) => `#${h ? ' ' + h : ''}`), ''];
  blocks.forEach((b, i) => {
    if (i > 0) lines.push('');
    lines.push(...renderBlock(b, ''));
  });
  return lines.join('\n') + '\n';
}
