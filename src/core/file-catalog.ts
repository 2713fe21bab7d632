import { Component, Project } from 'projen';
import { componentOfType, indexComponent } from './component-index';

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

/**
 * What each file projen-gitops writes is for and who owns it, by path (a file, or a folder
 * ending in `/`): the generated README's file table, the sync guard's hand-over rules. Made by
 * the first component that describes a file.
 */
export class FileCatalog extends Component {
  /** The project's catalog, if a component described a file. */
  public static of(project: Project): FileCatalog | undefined {
    return componentOfType(project, FileCatalog);
  }

  private readonly entries = new Map<string, FileEntry>();

  constructor(project: Project) {
    super(project);
    indexComponent(this, FileCatalog);
  }

  /**
   * Records an entry; a later entry for the same path replaces it (components call
   * `describeFile`; an entry is a fact they compute, not an option).
   * @internal
   */
  public _describe(entry: FileEntry) {
    this.entries.set(entry.path, entry);
  }

  /** Every entry, in the order first described (a copy). */
  public get files(): FileEntry[] {
    return [...this.entries.values()];
  }

  /** The entry that describes `file`: its own, or the nearest folder's (`deploy/rendered/dev/`). */
  public entryOf(file: string): FileEntry | undefined {
    const own = this.entries.get(file);
    if (own) return own;
    const folders = [...this.entries.values()].filter((e) => e.path.endsWith('/') && file.startsWith(e.path));
    return folders.sort((a, b) => b.path.length - a.path.length)[0];
  }
}

/** Records what a file is for and who owns it, for the generated README. */
export function describeFile(project: Project, entry: FileEntry) {
  (FileCatalog.of(project) ?? new FileCatalog(project))._describe(entry);
}

/** The described files of a project (a copy). */
export function describedFiles(project: Project): FileEntry[] {
  return FileCatalog.of(project)?.files ?? [];
}

/** The entry that describes `file`: its own, or the nearest folder's (`deploy/rendered/dev/`). */
export function describedEntry(project: Project, file: string): FileEntry | undefined {
  return FileCatalog.of(project)?.entryOf(file);
}
