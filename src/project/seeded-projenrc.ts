import * as fs from 'fs';
import * as path from 'path';
import { Component, Project } from 'projen';
import { Runtime } from '../container/runtime';
import { runtimeFacts, VERSION_OPTIONS } from '../container/runtime-facts';

/**
 * The `.projenrc.ts` that `projen new` writes, made to work when its comments are uncommented:
 * projen comments out the featured options with their defaults (`// runtime: Runtime.NODE,`)
 * but imports only the project class, and lists every runtime's version option. Internal.
 */
export function seedProjenrc(text: string, runtime: Runtime): string {
  const own = runtimeFacts(runtime)?.version?.option;
  let out = text;
  // Version options of other runtimes would be rejected for this one.
  for (const option of VERSION_OPTIONS.filter((o) => o !== own)) {
    out = out.replace(new RegExp(`^[ \\t]*// ${option}: .*\\n`, 'gm'), '');
  }
  // A commented `Runtime.X` needs `Runtime` imported to work once uncommented.
  if (/\bRuntime\.[A-Z_]+/.test(out)) {
    out = out.replace(/^import \{ ([^}]*) \} from "projen-gitops";$/m, (line, names: string) =>
      (names.split(',').map((n) => n.trim()).includes('Runtime') ? line : `import { ${names.trim()}, Runtime } from "projen-gitops";`));
  }
  return out;
}

/** Rewrites the new `.projenrc.ts` once, when the project is created (after projen writes it). */
export class SeededProjenrc extends Component {
  constructor(project: Project, private readonly file: string, private readonly runtime: Runtime) {
    super(project);
  }

  public projectCreation(): void {
    const file = path.join(this.project.outdir, this.file);
    if (!fs.existsSync(file)) return;
    const text = fs.readFileSync(file, 'utf-8');
    const seeded = seedProjenrc(text, this.runtime);
    if (seeded !== text) fs.writeFileSync(file, seeded);
  }
}
