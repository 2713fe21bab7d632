import * as fs from 'fs';
import * as path from 'path';
import { Component, Project } from 'projen';

/** Who owns a file that projen-gitops writes. */
export enum FileOwner {
  /** Regenerated on every synth from `.projenrc.ts`; change the options, not the file. */
  MANAGED = 'managed',
  /** Written once when missing, then the user's to edit. */
  SEEDED = 'seeded',
}

/** What the generated README says about one file. */
export interface FileEntry {
  readonly path: string;
  readonly owner: FileOwner;
  /** What the file is for, one sentence. */
  readonly purpose: string;
  /** How to change it, one sentence. */
  readonly change: string;
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

/**
 * A file written once, when it does not exist, then the user's. The contents are rendered
 * only when the file is actually written.
 */
class SeededFile extends Component {
  constructor(project: Project, private readonly filePath: string, private readonly contents: () => string) {
    super(project);
  }

  synthesize() {
    const target = path.join(this.project.outdir, this.filePath);
    if (fs.existsSync(target)) return;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, this.contents());
  }
}

/** Writes a seeded file (only when it does not exist yet) and describes it. */
export function seedFile(project: Project, filePath: string, contents: () => string, purpose: string) {
  new SeededFile(project, filePath, contents);
  describeFile(project, {
    path: filePath,
    owner: FileOwner.SEEDED,
    purpose,
    change: 'Edit it directly: it is yours, and synth never touches it again.',
  });
}
