import { Project } from 'projen';

/** Who owns a file that projen-gitops writes. */
export enum FileOwner {
  /** Regenerated on every synth from `.projenrc.ts`; change the options, not the file. */
  MANAGED = 'managed',
  /** Written once when missing, then the user's to edit. */
  SEEDED = 'seeded',
  /** Never written by synth; listed because generated files use it (a custom Dockerfile). */
  YOURS = 'yours',
  /**
   * Written by a workflow of the repository (the image digests promotion pull requests set):
   * synth reads it, writes it only when missing, and never treats its changes as hand edits.
   */
  AUTOMATION = 'written by automation',
}

/** What the generated README says about one file. */
export interface FileEntry {
  /** The file's path, relative to the project root. */
  readonly path: string;
  /** Who owns the file: projen-gitops (managed), or the user after the first synth (seeded). */
  readonly owner: FileOwner;
  /** What the file is for, one sentence. */
  readonly purpose: string;
  /** How to change it, one sentence. */
  readonly change: string;
  /**
   * Why it cannot be handed over (`handOver`), when it cannot: a file a required check compares
   * with what synth computes (rendered manifests, chart templates) would fail that check for good.
   * @default - it can be handed over
   */
  readonly noHandOver?: string;
}

const catalogs = new WeakMap<Project, Map<string, FileEntry>>();

/** Records what a file is for and who owns it, for the generated README. */
export function describeFile(project: Project, entry: FileEntry) {
  let catalog = catalogs.get(project);
  if (!catalog) {
    catalog = new Map();
    catalogs.set(project, catalog);
  }
  catalog.set(entry.path, entry);
}

/** The described files of a project (a copy). */
export function describedFiles(project: Project): FileEntry[] {
  return [...(catalogs.get(project)?.values() ?? [])];
}

/** The entry that describes `file`: its own, or the nearest folder's (`deploy/rendered/dev/`). */
export function describedEntry(project: Project, file: string): FileEntry | undefined {
  const catalog = catalogs.get(project);
  if (!catalog) return undefined;
  const own = catalog.get(file);
  if (own) return own;
  const folders = [...catalog.values()].filter((e) => e.path.endsWith('/') && file.startsWith(e.path));
  return folders.sort((a, b) => b.path.length - a.path.length)[0];
}
