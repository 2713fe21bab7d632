import { IConstruct } from 'constructs';
import { IResolver, JsonPatch, ObjectFile } from 'projen';
import { stringifyYaml, YamlVersion } from './fast-yaml';
import { FileOwner } from './file-catalog';
import { projenResolver } from './projen-adapter';

/** How the documents of a YAML file are laid out. */
export enum YamlLayout {
  /** One document, right under the header (values.yaml, Chart.yaml). */
  BARE = 'bare',
  /** One document after `---` (a Kubernetes object a cluster admin applies). Overrides: `spec.x`. */
  DOCUMENT = 'document',
  /** The object is a list of documents, each after `---`. Overrides start with the index: `0.spec.x`. */
  DOCUMENTS = 'documents',
}

/** Options of a YAML `ManagedFile`. */
export interface ManagedYamlOptions {
  /** The object, computed when the file is written (projen resolves it and applies the overrides). */
  readonly obj: () => unknown;
  /** YAML 1.1 for what Kubernetes tools read (kubectl, helm, Argo CD), 1.2 otherwise. */
  readonly version: YamlVersion;
  /** @default YamlLayout.BARE */
  readonly layout?: YamlLayout;
  /** Comment lines above the content (without `# `), computed when the file is written. */
  readonly header?: () => string[];
  /** @default FileOwner.MANAGED */
  readonly owner?: FileOwner;
}

/** Options of a text `ManagedFile`. */
export interface ManagedTextOptions {
  /** Why the file takes no override, and what to change instead (the error of `addOverride` says it). */
  readonly noOverride: string;
  /** @default FileOwner.MANAGED */
  readonly owner?: FileOwner;
}

type Content =
  | { kind: 'yaml'; header?: () => string[]; version: YamlVersion; layout: YamlLayout }
  | { kind: 'text'; text: () => string; noOverride: string };

/**
 * A file projen-gitops writes, computed when the synth writes it (so the order components are
 * added in never matters), with its owner tier on the file. Object-shaped files (YAML) are
 * projen `ObjectFile`s: `project.tryFindObjectFile(path)?.addOverride(...)`,
 * `addDeletionOverride`, `addToArray` and `patch` change what is written, as for projen's own
 * JSON and YAML files. Text files (chart templates, rendered manifests, HCL) take no override:
 * each says why and what to change instead.
 */
export class ManagedFile extends ObjectFile {
  /** A YAML file built from a lazy object model, open to projen's overrides. */
  public static yaml(scope: IConstruct, filePath: string, options: ManagedYamlOptions): ManagedFile {
    return new ManagedFile(scope, filePath, options.owner ?? FileOwner.MANAGED, options.obj,
      { kind: 'yaml', header: options.header, version: options.version, layout: options.layout ?? YamlLayout.BARE });
  }

  /** A text file computed when it is written; overrides are refused with `noOverride`. */
  public static text(scope: IConstruct, filePath: string, text: () => string, options: ManagedTextOptions): ManagedFile {
    return new ManagedFile(scope, filePath, options.owner ?? FileOwner.MANAGED, undefined, { kind: 'text', text, noOverride: options.noOverride });
  }

  /** Who owns the file (the catalog's tier, on the file itself). */
  public readonly owner: FileOwner;
  private readonly content: Content;
  private overridden = false;

  private constructor(scope: IConstruct, filePath: string, owner: FileOwner, obj: (() => unknown) | undefined, content: Content) {
    super(scope, filePath, { obj: obj ?? {}, marker: false });
    this.owner = owner;
    this.content = content;
  }

  /** Whether `addOverride` and the other escape hatches apply to this file (object-shaped files). */
  public get overridable(): boolean {
    return this.content.kind === 'yaml';
  }

  /** Whether an escape hatch changed the object (then readers of the file read what it writes, not the model). */
  public get hasOverrides(): boolean {
    return this.overridden;
  }

  public addOverride(path: string, value: any) {
    this.refuseText('addOverride', path);
    this.overridden = true;
    super.addOverride(path, value);
  }

  public addDeletionOverride(path: string) {
    this.refuseText('addDeletionOverride', path);
    this.overridden = true;
    super.addDeletionOverride(path);
  }

  public addToArray(path: string, ...values: any) {
    this.refuseText('addToArray', path);
    this.overridden = true;
    super.addToArray(path, ...values);
  }

  public patch(...patches: JsonPatch[]) {
    this.refuseText('patch', patches.length === 1 ? 'a JSON patch' : `${patches.length} JSON patches`);
    this.overridden = true;
    super.patch(...patches);
  }

  /**
   * What the file writes now, overrides applied, with projen's resolver; writes nothing. For a
   * reader of the file's text (a content hash): it goes round the wrappers of `synthesizeContent`.
   */
  public render(): string | undefined {
    return this.renderWith(projenResolver());
  }

  /** The object the file writes now, overrides applied (`undefined` for a text file). */
  public resolvedObject(): unknown {
    if (this.content.kind !== 'yaml') return undefined;
    const json = super.synthesizeContent(projenResolver());
    return json === undefined ? undefined : JSON.parse(json);
  }

  protected synthesizeContent(resolver: IResolver): string | undefined {
    return this.renderWith(resolver);
  }

  private renderWith(resolver: IResolver): string | undefined {
    const content = this.content;
    if (content.kind === 'text') return content.text();
    const json = super.synthesizeContent(resolver);
    if (json === undefined) return undefined;
    const value = JSON.parse(json);
    const header = (content.header?.() ?? []).map((line) => `# ${line}\n`).join('');
    switch (content.layout) {
      case YamlLayout.DOCUMENTS:
        if (!Array.isArray(value)) throw new Error(`${this.path}: the documents of a multi-document file must be a list, got ${typeof value}`);
        return header + value.map((doc) => `---\n${stringifyYaml(doc, content.version)}`).join('');
      case YamlLayout.DOCUMENT:
        return `${header}---\n${stringifyYaml(value, content.version)}`;
      default:
        return header + stringifyYaml(value, content.version);
    }
  }

  private refuseText(method: string, what: string) {
    if (this.content.kind === 'text') {
      throw new Error(`${this.path} takes no ${method} (got ${JSON.stringify(what)}): ${this.content.noOverride}`);
    }
  }
}
