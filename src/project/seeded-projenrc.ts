import * as fs from 'fs';
import * as path from 'path';
import { Component, Project } from 'projen';
import { optionSource, SourceImports } from '../core/known-options';
import { Runtime } from '../model/runtime';
import { runtimeFacts, VERSION_OPTIONS } from '../model/runtime-facts';
import { templateOptionDefaults, TemplateDefaults } from '../model/template-defaults';

/**
 * The `.projenrc.ts` that `projen new` writes, made to work when its comments are uncommented:
 * projen comments out the featured options with their defaults (`// runtime: Runtime.NODE,`)
 * but imports only the project class, and lists every runtime's version option. Internal.
 */
export function seedProjenrc(text: string, runtime: Runtime, defaults?: TemplateDefaults, created: Record<string, unknown> = {}): string {
  const own = runtimeFacts(runtime)?.version?.option;
  const imports: SourceImports = new Map();
  let out = showTemplateDefaults(writeCreated(text, created, imports), defaults, imports);
  // Version options of other runtimes would be rejected for this one.
  for (const option of VERSION_OPTIONS.filter((o) => o !== own)) {
    out = out.replace(new RegExp(`^[ \\t]*// ${option}: .*\\n`, 'gm'), '');
  }
  // projen's own comment `// runtime: Runtime.NODE` needs `Runtime` too, once uncommented.
  if (/\bRuntime\.[A-Z_]+/.test(out)) imports.set(OWN, new Set([...(imports.get(OWN) ?? []), 'Runtime']));
  for (const [module, names] of imports) {
    for (const name of names) out = withImport(out, module, name);
  }
  return out;
}

const OWN = 'projen-gitops';

/**
 * The file with `name` imported from `module`: added to its import line, else on a line of its
 * own after the first import (a template's project class comes from the template's package;
 * our enums from ours, its peer dependency).
 */
function withImport(text: string, module: string, name: string): string {
  const quoted = module.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const line = new RegExp(`^import \\{ ([^}]*) \\} from "${quoted}";$`, 'm');
  if (line.test(text)) {
    return text.replace(line, (all, names: string) =>
      (names.split(',').map((n) => n.trim()).includes(name) ? all : `import { ${names.trim()}, ${name} } from "${module}";`));
  }
  if (new RegExp(`^import \\{[^}]*\\b${name}\\b[^}]*\\} from `, 'm').test(text)) return text;
  return text.replace(/^(import [^\n]*;\n)/m, `$1import { ${name} } from "${module}";\n`);
}

/** A `GitOpsProjectOptions` option's value as TypeScript source: enums by member (`Iac.TERRAFORM`), at any depth. */
function source(key: string, value: unknown, imports: SourceImports): string {
  return optionSource('projen-gitops.GitOpsProjectOptions', key, value, imports);
}

/**
 * Options given at creation that `projen new` has no switch for (the wizard's services and
 * environments), written as options right after the name, once.
 */
function writeCreated(text: string, created: Record<string, unknown>, imports: SourceImports): string {
  const lines = Object.entries(created).filter(([key, value]) => value !== undefined && !new RegExp(`^[ \\t]*${key}:`, 'm').test(text))
    .map(([key, value]) => `  ${key}: ${source(key, value, imports)},`);
  if (lines.length === 0) return text;
  return text.replace(/^( {2}name: .*\n)/m, (line) => `${line}${lines.join('\n')}\n`);
}

/**
 * The company template's defaults in the comments, where people look: projen writes the
 * `@default` of our documentation (`// requiredApprovals: 1,`), which the template overrides.
 * Each is written as TypeScript that works once uncommented (`// iac: Iac.TERRAFORM,`, not
 * `"terraform"`). An option written in the file is left alone.
 */
function showTemplateDefaults(text: string, defaults: TemplateDefaults | undefined, imports: SourceImports): string {
  if (!defaults) return text;
  let out = text;
  const marker = `/* default of ${defaults.template} */`;
  const missing: string[] = [];
  for (const [key, value] of Object.entries(templateOptionDefaults(defaults))) {
    const commented = new RegExp(`^[ \\t]*// ${key}: .*$`, 'm');
    const written = new RegExp(`^[ \\t]*${key}:`, 'm').test(out);
    if (!commented.test(out) && written) continue;
    const line = `  // ${key}: ${source(key, value, imports)},  ${marker}`;
    if (commented.test(out)) out = out.replace(commented, () => line);
    else missing.push(line);
  }
  if (missing.length > 0) {
    // Before the end of the options object of `new X({ ... })`.
    out = out.replace(/^(const \w+ = new [\w.]+\(\{\n(?:.*\n)*?)(\}\);)$/m, (_all, head: string, end: string) => `${head}${missing.join('\n')}\n${end}`);
  }
  return out;
}

/** Rewrites the new `.projenrc.ts` once, when the project is created (after projen writes it). */
export class SeededProjenrc extends Component {
  constructor(project: Project, private readonly file: string, private readonly runtime: Runtime, private readonly defaults?: TemplateDefaults,
    private readonly created: Record<string, unknown> = {}) {
    super(project);
  }

  public projectCreation(): void {
    const file = path.join(this.project.outdir, this.file);
    if (!fs.existsSync(file)) return;
    const text = fs.readFileSync(file, 'utf-8');
    const seeded = seedProjenrc(text, this.runtime, this.defaults, this.created);
    if (seeded !== text) fs.writeFileSync(file, seeded);
  }
}
