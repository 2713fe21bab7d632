/**
 * Line editing for the wizard's text questions, on top of prompts' text prompt: Ctrl-U clears
 * the text before the cursor (prompts inserted it as a character), other control keys are not
 * typed into the answer, and after an answer is rejected the next character typed replaces
 * it instead of being appended to it (arrows and Backspace still edit it).
 */
interface TextPromptLike {
  [method: string]: unknown;
  value: string;
  cursor: number;
  red: boolean;
  bell(): void;
  render(): void;
  _(c: string, key: { ctrl?: boolean; name?: string } | undefined): void;
}

let patched = false;

/** Installs the editing keys once per process. */
export function installLineEditing(): void {
  if (patched) return;
  patched = true;
  // prompts has no key map option; its text element is the class every `text` question uses.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const TextPrompt: { prototype: TextPromptLike } = require('prompts/lib/elements/text');
  const insert = TextPrompt.prototype._;
  TextPrompt.prototype._ = function (this: TextPromptLike, c, key) {
    if (key?.ctrl && key.name === 'u') {
      this.value = this.value.slice(this.cursor);
      this.cursor = 0;
      this.red = false;
      this.render();
      return;
    }
    if (key?.ctrl || /[\u0000-\u001f\u007f]/.test(c ?? '')) return this.bell();
    if (this.red) {
      this.value = '';
      this.cursor = 0;
    }
    insert.call(this, c, key);
  };
  // Moving the cursor means editing the rejected text, not replacing it (Backspace and Delete
  // already end the rejected state in prompts).
  for (const move of ['left', 'right', 'first', 'last']) {
    const original = TextPrompt.prototype[move] as (this: TextPromptLike) => void;
    TextPrompt.prototype[move] = function (this: TextPromptLike) {
      this.red = false;
      original.call(this);
    };
  }
}
