/*
 * The import structure of ARCHITECTURE.md, checked: every folder of src/ is on a floor, and a
 * file imports its own folder and folders on lower floors only. The rule stands for
 * eslint-plugin-import's `import/no-restricted-paths` (one zone per folder: the folders on its
 * own floor and above), with the zones read from ARCHITECTURE.md's table so that the document
 * and the check cannot drift apart.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.join(__dirname, '..');
const SRC = path.join(ROOT, 'src');

/** An import: the importing file and the file it names, both relative to src/. */
interface Arrow {
  readonly from: string;
  readonly to: string;
}

/** Floor of each folder, from the table in ARCHITECTURE.md (`| 2 | \`helm/\` | ...`). */
function floorsOf(markdown: string): Map<string, number> {
  const floors = new Map<string, number>();
  for (const match of markdown.matchAll(/^\| (\d+) \| `([a-z0-9-]+)\/` \|/gm)) floors.set(match[2], Number(match[1]));
  return floors;
}

/** The folder of a path relative to src/; the entry points at src/ itself have none. */
function folderOf(file: string): string | undefined {
  const parts = file.split('/');
  return parts.length > 1 ? parts[0] : undefined;
}

/** Every relative import of every .ts file under src/, resolved to a path relative to src/. */
function importsOf(dir: string): Arrow[] {
  const arrows: Arrow[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) {walk(full);} else if (entry.name.endsWith('.ts')) {
        const from = path.relative(dir, full).split(path.sep).join('/');
        // TypeScript's own scanner: import, export ... from, import() and require() all count.
        const { importedFiles } = ts.preProcessFile(fs.readFileSync(full, 'utf8'), true, true);
        for (const { fileName } of importedFiles) {
          if (!fileName.startsWith('.')) continue; // a package, not ours
          const to = path.relative(dir, path.resolve(path.dirname(full), fileName)).split(path.sep).join('/');
          arrows.push({ from, to });
        }
      }
    }
  };
  walk(dir);
  return arrows;
}

/**
 * Imports of projen's internals (`projen/lib/...`) in the .ts files under `dir`: only
 * `src/core/projen-adapter.ts` and its own test may reach them; everything else uses projen's
 * public entry (`import { javascript } from 'projen'`), so a projen release that moves a file
 * breaks one place.
 */
function deepProjenImports(dir: string, allowed: string[]): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== '__snapshots__') walk(full);
      } else if (entry.name.endsWith('.ts')) {
        const file = path.relative(dir, full).split(path.sep).join('/');
        if (allowed.includes(file)) continue;
        const { importedFiles } = ts.preProcessFile(fs.readFileSync(full, 'utf8'), true, true);
        for (const { fileName } of importedFiles) if (fileName.startsWith('projen/lib')) found.push(`${file} imports ${fileName}`);
      }
    }
  };
  walk(dir);
  return found;
}

/** The arrows that break the floors, each with what is wrong; empty when the layout holds. */
function violations(arrows: Arrow[], floors: Map<string, number>): string[] {
  const problems: string[] = [];
  const unplaced = new Set<string>();
  for (const { from, to } of arrows) {
    const [a, b] = [folderOf(from), folderOf(to)];
    for (const folder of [a, b]) {
      if (folder !== undefined && !floors.has(folder) && !unplaced.has(folder)) {
        unplaced.add(folder);
        problems.push(`src/${folder}/ is on no floor: add it to the table in ARCHITECTURE.md (a new renderer goes on floor 2)`);
      }
    }
    if (a === undefined || b === undefined || a === b || !floors.has(a) || !floors.has(b)) continue;
    const [fa, fb] = [floors.get(a)!, floors.get(b)!];
    if (fb === fa) problems.push(`src/${from} imports src/${to}: sideways (${a}/ and ${b}/ are both on floor ${fa}); move what both need into a lower floor (model/)`);
    else if (fb > fa) problems.push(`src/${from} imports src/${to}: upward (${a}/ is on floor ${fa}, ${b}/ on floor ${fb}); move what it needs down, or invert the dependency with a role in model/`);
  }
  return problems;
}

/** folder -> the folders it imports, for the report. */
function layout(arrows: Arrow[]): Record<string, string[]> {
  const edges: Record<string, Set<string>> = {};
  for (const { from, to } of arrows) {
    const [a, b] = [folderOf(from) ?? '(entry)', folderOf(to) ?? '(entry)'];
    if (a !== b) (edges[a] ??= new Set()).add(b);
  }
  return Object.fromEntries(Object.keys(edges).sort().map((k) => [k, [...edges[k]].sort()]));
}

const floors = floorsOf(fs.readFileSync(path.join(ROOT, 'ARCHITECTURE.md'), 'utf8'));

describe('architecture', () => {
  test('ARCHITECTURE.md places core/ and model/ under the renderers, and the project types and CLI on top', () => {
    expect(Object.fromEntries(floors)).toEqual({
      core: 0, model: 1, container: 2, github: 2, helm: 2, argocd: 2, flux: 2, infra: 2, project: 3, cli: 3,
    });
  });

  test('every folder of src/ is on a floor', () => {
    const folders = fs.readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(folders.filter((f) => !floors.has(f))).toEqual([]);
  });

  test('no import of src/ runs upward or sideways', () => {
    const arrows = importsOf(SRC);
    expect(arrows.length).toBeGreaterThan(300); // the scan found the imports at all
    expect(violations(arrows, floors)).toEqual([]);
  });

  test('renderers read the model and core only; the model reads core only', () => {
    const edges = layout(importsOf(SRC));
    for (const renderer of ['container', 'github', 'helm', 'argocd', 'flux', 'infra']) {
      expect(edges[renderer]?.filter((f) => f !== 'model' && f !== 'core') ?? []).toEqual([]);
    }
    expect(edges.model).toEqual(['core']);
    expect(edges.core).toBeUndefined();
  });

  test('the second deploy engine lives in one folder: flux/ reads the model and core, and only the project type reads flux/ (src/index.ts exports it)', () => {
    const edges = layout(importsOf(SRC));
    expect(edges.flux).toEqual(['core', 'model']);
    const readers = Object.keys(edges).filter((folder) => edges[folder].includes('flux'));
    expect(readers).toEqual(['project']);
  });

  describe('known-bad import lists fail', () => {
    test('a renderer importing another renderer (sideways)', () => {
      const bad: Arrow[] = [
        { from: 'helm/helm-chart.ts', to: 'model/service' },
        { from: 'argocd/image-policy.ts', to: 'container/container-image' },
      ];
      expect(violations(bad, floors)).toEqual([
        'src/argocd/image-policy.ts imports src/container/container-image: sideways (argocd/ and container/ are both on floor 2); move what both need into a lower floor (model/)',
      ]);
    });

    test('the model importing a renderer, and a renderer importing the CLI (upward)', () => {
      const bad: Arrow[] = [
        { from: 'model/service.ts', to: 'container/container-image' },
        { from: 'github/branch-protection.ts', to: 'cli/promote' },
        { from: 'core/checks.ts', to: 'model/repository' },
      ];
      const problems = violations(bad, floors);
      expect(problems).toHaveLength(3);
      expect(problems[0]).toMatch(/^src\/model\/service\.ts imports src\/container\/container-image: upward \(model\/ is on floor 1, container\/ on floor 2\)/);
      expect(problems[1]).toMatch(/^src\/github\/branch-protection\.ts imports src\/cli\/promote: upward/);
      expect(problems[2]).toMatch(/^src\/core\/checks\.ts imports src\/model\/repository: upward/);
    });

    test('the two top folders importing each other (sideways)', () => {
      expect(violations([{ from: 'cli/wizard.ts', to: 'project/gitops-project' }], floors)).toHaveLength(1);
    });

    test('a folder that is on no floor', () => {
      expect(violations([{ from: 'kustomize/overlay.ts', to: 'model/layout' }], floors)).toEqual([
        'src/kustomize/ is on no floor: add it to the table in ARCHITECTURE.md (a new renderer goes on floor 2)',
      ]);
    });

    test('the scanner sees export-from, import() and require() as imports', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architecture-'));
      try {
        fs.mkdirSync(path.join(dir, 'helm'));
        fs.writeFileSync(path.join(dir, 'helm', 'a.ts'), [
          "export { x } from '../github/x';",
          "const y = import('../argocd/y');",
          "const z = require('../infra/z');",
          "import type { W } from '../container/w';",
          "import { v } from 'projen';",
        ].join('\n'));
        const arrows = importsOf(dir);
        expect(arrows.map((a) => a.to).sort()).toEqual(['argocd/y', 'container/w', 'github/x', 'infra/z']);
        expect(violations(arrows, floors)).toHaveLength(4);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  test("tests and src/ reach projen's internals only through core/projen-adapter.ts", () => {
    expect(deepProjenImports(SRC, ['core/projen-adapter.ts'])).toEqual([]);
    expect(deepProjenImports(path.join(ROOT, 'test'), ['core/projen-adapter.test.ts'])).toEqual([]);
    // Known-bad: a deep import in a test file is found.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architecture-'));
    try {
      fs.writeFileSync(path.join(dir, 'a.test.ts'), "import { NodeProject } from 'projen/lib/javascript';\nimport { javascript } from 'projen';\n");
      expect(deepProjenImports(dir, [])).toEqual(['a.test.ts imports projen/lib/javascript']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the entry points (src/index.ts, src/template.ts) may import any folder', () => {
    expect(violations([{ from: 'index.ts', to: 'argocd/argo-cd' }, { from: 'template.ts', to: 'project/gitops-template-project' }], floors)).toEqual([]);
  });
});
