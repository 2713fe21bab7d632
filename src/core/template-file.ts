import { IConstruct } from 'constructs';
import { FileBase, FileBaseOptions, IResolver } from 'projen';
import { renderTemplate } from './templates';

/**
 * A managed file rendered from a handlebars template at synth time, so the context is read
 * after every component has been configured (add order never matters).
 */
export class TemplateFile extends FileBase {
  constructor(
    scope: IConstruct,
    filePath: string,
    private readonly template: string,
    private readonly context: () => object,
    options: FileBaseOptions = {},
  ) {
    super(scope, filePath, options);
  }

  protected synthesizeContent(_resolver: IResolver): string | undefined {
    return renderTemplate(this.template, { marker: this.marker ?? '', ...this.context() });
  }
}
