import * as fs from 'fs';
import * as path from 'path';
import { Component, Project } from 'projen';
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
  let out = showTemplateDefaults(writeCreated(text, created), defaults);
  // Version options of other runtimes would be rejected for this one.
  for (const option of VERSION_OPTIONS.filter((o) => o !== own)) {
    out = out.replace(new RegExp(`^[ \\t]*// ${option}: .*\\n`, 'gm'), '');
  }
  // A commented `Runtime.X` needs `Runtime` imported to work once uncommented.
  if (/\bRuntime\.[A-Z_]+/.test(out)) {
    const ours = /^import \{ ([^}]*) \} from "projen-gitops";$/m;
    if (ours.test(out)) {
      out = out.replace(ours, (line, names: string) =>
        (names.split(',').map((n) => n.trim()).includes('Runtime') ? line : `import { ${names.trim()}, Runtime } from "projen-gitops";`));
    } else if (!/^import \{[^}]*\bRuntime\b[^}]*\} from /m.test(out)) {
      // A template's project class comes from the template's package; Runtime from ours (its peer dependency).
      out = out.replace(/^(import [^\n]*;\n)/m, '$1import { Runtime } from "projen-gitops";\n');
    }
  }
  return out;
}

/** `Runtime.GO` for 'go': the enum member, as a person writes it. */
function runtimeSource(value: unknown): string {
  const key = Object.entries(Runtime).find(([, v]) => v === value)?.[0];
  return key ? `Runtime.${key}` : JSON.stringify(value);
}

/** A value as TypeScript source, runtimes as `Runtime.X`. */
function source(value: unknown, key?: string): string {
  if (key === 'runtime') return runtimeSource(value);
  if (Array.isArray(value)) return `[${value.map((v) => source(v)).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{ ${Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}: ${source(v, k)}`).join(', ')} }`;
  }
  return JSON.stringify(value);
}

/**
 * Options given at creation that `projen new` has no switch for (the wizard's services and
 * environments), written as options right after the name, once.
 */
function writeCreated(text: string, created: Record<string, unknown>): string {
  const lines = Object.entries(created).filter(([key, value]) => value !== undefined && !new RegExp(`^[ \\t]*${key}:`, 'm').test(text))
    .map(([key, value]) => `  ${key}: ${source(value)},`);
  if (lines.length === 0) return text;
  return text.replace(/^( {2}name: .*\n)/m, (line) => `${line}${lines.join('\n')}\n`);
}

/**
 * The company template's defaults in the comments, where people look: projen writes the
 * `@default` of our documentation (`// requiredApprovals: 1,`), which the template overrides.
 * An option written in the file is left alone.
 */
function showTemplateDefaults(text: string, defaults: TemplateDefaults | undefined): string {
  if (!defaults) return text;
  let out = text;
  const marker = `/* default of ${defaults.template} */`;
  const missing: string[] = [];
  for (const [key, value] of Object.entries(templateOptionDefaults(defaults))) {
    const line = `  // ${key}: ${JSON.stringify(value)},  ${marker}`;
    const commented = new RegExp(`^[ \\t]*// ${key}: .*$`, 'm');
    if (commented.test(out)) {
      out = out.replace(commented, () => line);
    } else if (!new RegExp(`^[ \\t]*${key}:`, 'm').test(out)) {
      missing.push(line);
    }
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
