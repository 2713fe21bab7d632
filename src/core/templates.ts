import * as fs from 'fs';
import * as path from 'path';
import type * as Handlebars from 'handlebars';

/** `templates/` at the package root; compiled code lives in `lib/core/`. */
export const TEMPLATES_DIR = path.join(__dirname, '..', '..', 'templates');

let engine: typeof Handlebars | undefined;

/** Handlebars, loaded on the first render: a synth that renders nothing never loads it. */
function handlebars(): typeof Handlebars {
  if (!engine) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    engine = (require('handlebars') as typeof Handlebars).create();
    // Quote a value as a double-quoted string that is valid in Dockerfiles, shells and JSON alike.
    engine.registerHelper('quote', (value: unknown) => JSON.stringify(String(value)));
    engine.registerHelper('json', (value: unknown) => JSON.stringify(value));
  }
  return engine;
}

const compiled = new Map<string, Handlebars.TemplateDelegate>();

/**
 * Renders `templates/<name>` with handlebars. Each template is read and compiled once per
 * process, on first use, and handlebars itself is loaded then, so loading the module costs nothing.
 */
export function renderTemplate(name: string, context: object): string {
  let template = compiled.get(name);
  if (!template) {
    template = handlebars().compile(readTemplate(name), { noEscape: true, strict: true });
    compiled.set(name, template);
  }
  return template(context);
}

const texts = new Map<string, string>();

/**
 * Reads `templates/<name>` verbatim (files without the `.hbs` suffix are copied as they are),
 * once per process like the compiled templates: every chart copies the same nine files.
 */
export function readTemplate(name: string): string {
  let text = texts.get(name);
  if (text === undefined) {
    text = fs.readFileSync(path.join(TEMPLATES_DIR, name), 'utf-8');
    texts.set(name, text);
  }
  return text;
}
