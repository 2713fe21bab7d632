/**
 * The YAML emitter synth writes with (src/core/fast-yaml.ts) against the `yaml` package it
 * stands in for: wherever it writes, it writes the same bytes as `stringify(value, { lineWidth:
 * 0, version })` (projen's YamlFile: `{ indent: 2, lineWidth: 0 }`), on random data and on
 * every YAML document the test configurations generate; what it cannot write it leaves to the
 * `yaml` package.
 */
import { parseAllDocuments, stringify } from 'yaml';
import { fastYaml, stringifyYaml, YamlVersion } from '../../src/core/fast-yaml';
import { configurationProject, CONFIGURATIONS } from '../configurations';
import { synth } from '../util';

process.env.PROJEN_DISABLE_POST = 'true';

const VERSIONS: YamlVersion[] = ['1.1', '1.2'];
const lib = (value: unknown, version: YamlVersion) => stringify(value, { lineWidth: 0, version });

/** A small seeded generator, so a failure shows the same case on every run. */
function generator(seed: number) {
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  // Pieces that hit the `yaml` package's rules: indicators, YAML 1.1 booleans and numbers,
  // quotes, comments, document markers, line breaks.
  const pieces = ['a', 'y', 'n', 'on', 'No', 'x', '0', '9', '.', '-', '+', '_', ':', ' ', '#', "'", '"', '?', '{', ']', ',', '&', '*', '!',
    '|', '>', '%', '@', '`', '/', '=', '~', '\\', 'é', 'true', 'null', 'yes', '0x1f', '1e3', '.inf', '---', '...', '<<', '0o7', '1_000',
    '12:30', '2001-12-14', '\n', 'line\n', '\n\n', ' \n', '- x\n', '\t', '\u0085'];
  const text = () => Array.from({ length: next(6) }, () => pieces[next(pieces.length)]).join('');
  const value = (depth: number): unknown => {
    const r = next(10);
    if (depth > 3 || r < 4) return text();
    if (r === 4) return [1, -1, 0, 1.5, -0, 1e21, 3000000000, 0.1][next(8)];
    if (r === 5) return [true, false, null][next(3)];
    if (r < 8) return Array.from({ length: next(4) }, () => value(depth + 1));
    return Object.fromEntries(Array.from({ length: next(4) }, () => [text(), value(depth + 1)]));
  };
  return value;
}

describe('fastYaml', () => {
  test.each(VERSIONS)('writes what the yaml package writes, on random data (YAML %s)', (version) => {
    const value = generator(version === '1.1' ? 11 : 12);
    let written = 0;
    for (let i = 0; i < 5000; i++) {
      const data = i % 2 ? { key: value(0), list: [value(0)] } : [value(0), { key: value(0) }];
      const fast = fastYaml(data, version);
      if (fast === undefined) continue;
      written++;
      expect(fast).toBe(lib(data, version));
    }
    // Most of it is written by the emitter: the comparison above is not vacuous.
    expect(written).toBeGreaterThan(3000);
  });

  test('writes every YAML document the test configurations generate as the yaml package does', () => {
    let documents = 0;
    for (const configuration of CONFIGURATIONS.filter((c) => ['multi-service', 'deploy'].includes(c.name))) {
      const out = synth(configurationProject(configuration));
      for (const [file, content] of Object.entries(out)) {
        if (!/\.ya?ml$/.test(file) || typeof content !== 'string' || file.includes('/templates/')) continue;
        for (const doc of parseAllDocuments(content)) {
          const data = doc.toJS();
          if (data === null || typeof data !== 'object') continue;
          for (const version of VERSIONS) {
            const fast = fastYaml(data, version);
            expect(fast).toBeDefined(); // every generated document is within the emitter
            expect(fast).toBe(lib(data, version));
          }
          documents++;
        }
      }
    }
    expect(documents).toBeGreaterThan(20);
  });

  test('quotes what YAML 1.1 reads as another type, and only there', () => {
    expect(fastYaml({ a: 'on', b: 'yes', c: '0x1f', d: 'true', e: '1.5', f: 'plain' }, '1.1')).toBe('a: "on"\nb: "yes"\nc: "0x1f"\nd: "true"\ne: "1.5"\nf: plain\n');
    expect(fastYaml({ a: 'on', b: 'yes', c: '0x1f', d: 'true', e: '1.5', f: 'plain' }, '1.2')).toBe('a: on\nb: yes\nc: "0x1f"\nd: "true"\ne: "1.5"\nf: plain\n');
  });

  test('writes multi-line strings as literal blocks', () => {
    expect(fastYaml({ run: 'a\nb', steps: ['x\n\ny\n'] }, '1.2')).toBe('run: |-\n  a\n  b\nsteps:\n  - |\n    x\n\n    y\n');
  });

  test.each([
    ['an object met twice (the yaml package writes an anchor)', (() => {
      const shared = { a: 1 };
      return { x: shared, y: shared };
    })()],
    ['a line break in a key', { 'a\nb': 1 }],
    ['a multi-line string ending in a space', { a: 'x\ny ' }],
    ['a multi-line string starting with a space', { a: ' x\ny' }],
    ['a control character', { a: 'x\ty' }],
    ['undefined', { a: undefined }],
    ['NaN', { a: Number.NaN }],
    ['a Date', { a: new Date(0) }],
    ['a document marker', { a: '--- x' }],
    ['a scalar document', 'text'],
  ])('leaves %s to the yaml package', (_what, data) => {
    expect(fastYaml(data, '1.2')).toBeUndefined();
    expect(stringifyYaml(data, '1.2')).toBe(lib(data, '1.2'));
  });
});
