process.env.PROJEN_DISABLE_POST = 'true';

import * as fs from 'fs';
import * as path from 'path';
import { JsonPatch, ObjectFile, Project, Testing } from 'projen';
import { FileOwner } from '../../src/core/file-catalog';
import { ManagedFile, YamlLayout } from '../../src/core/managed-file';
import { renderFile } from '../../src/core/projen-adapter';
import { tempdir } from '../util';

const project = (outdir?: string) => new Project({ name: 'p', outdir });

describe('ManagedFile: YAML files are projen ObjectFiles', () => {
  test('GIVEN a lazy object WHEN synthesized THEN the header, then the YAML; the object is read when written', () => {
    const p = project();
    let port = 8080;
    ManagedFile.yaml(p, 'values.yaml', { obj: () => ({ port, on: 'on' }), version: '1.1', header: () => ['The values.'] });
    port = 9090;
    // YAML 1.1 for Kubernetes tools: `on` is quoted (a boolean there).
    expect(Testing.synth(p)['values.yaml']).toBe('# The values.\nport: 9090\n"on": "on"\n');
  });

  test('the layouts: one bare document, one after ---, a list of documents each after ---', () => {
    const p = project();
    ManagedFile.yaml(p, 'bare.yaml', { obj: () => ({ a: 1 }), version: '1.2' });
    ManagedFile.yaml(p, 'one.yaml', { obj: () => ({ a: 1 }), version: '1.2', layout: YamlLayout.DOCUMENT, header: () => ['h'] });
    ManagedFile.yaml(p, 'many.yaml', { obj: () => [{ a: 1 }, { b: 2 }], version: '1.2', layout: YamlLayout.DOCUMENTS, header: () => ['h'] });
    const out = Testing.synth(p);
    expect(out['bare.yaml']).toBe('a: 1\n');
    expect(out['one.yaml']).toBe('# h\n---\na: 1\n');
    expect(out['many.yaml']).toBe('# h\n---\na: 1\n---\nb: 2\n');
  });

  test('addOverride, addDeletionOverride, addToArray and patch change what is written, reachable by tryFindObjectFile', () => {
    const p = project();
    ManagedFile.yaml(p, 'one.yaml', { obj: () => ({ spec: { a: 1, b: 2, list: ['x'] } }), version: '1.1', layout: YamlLayout.DOCUMENT });
    const file = p.tryFindObjectFile('one.yaml')!;
    expect(file).toBeInstanceOf(ObjectFile);
    file.addOverride('spec.a', 10);
    file.addDeletionOverride('spec.b');
    file.addToArray('spec.list', 'z');
    file.patch(JsonPatch.add('/spec/c', 'new'));
    expect(Testing.synth(p)['one.yaml']).toBe('---\nspec:\n  a: 10\n  list:\n    - x\n    - z\n  c: new\n');
    expect((file as ManagedFile).hasOverrides).toBe(true);
  });

  test('a list of documents is overridden by index first (projen\'s path syntax)', () => {
    const p = project();
    const file = ManagedFile.yaml(p, 'many.yaml', { obj: () => [{ kind: 'A' }, { kind: 'B', spec: { count: 1 } }], version: '1.1', layout: YamlLayout.DOCUMENTS });
    file.addOverride('1.spec.count', 2);
    expect(Testing.synth(p)['many.yaml']).toBe('---\nkind: A\n---\nkind: B\nspec:\n  count: 2\n');
  });

  test('render() and resolvedObject() are what the file writes, overrides applied, and write nothing', () => {
    const p = project();
    const file = ManagedFile.yaml(p, 'values.yaml', { obj: () => ({ replicas: 2 }), version: '1.1', header: () => ['h'] });
    file.addOverride('replicas', 3);
    expect(file.render()).toBe('# h\nreplicas: 3\n');
    expect(renderFile(file)).toBe(file.render());
    expect(file.resolvedObject()).toEqual({ replicas: 3 });
    expect(fs.existsSync(path.join(p.outdir, 'values.yaml'))).toBe(false);
  });

  test('a multi-document file whose object is no list says so', () => {
    const p = project();
    const file = ManagedFile.yaml(p, 'many.yaml', { obj: () => ({ kind: 'A' }), version: '1.1', layout: YamlLayout.DOCUMENTS });
    expect(() => file.render()).toThrow(/many\.yaml: the documents of a multi-document file must be a list, got object/);
  });

  test('the owner tier is on the file: managed by default, or as given', () => {
    const p = project();
    expect(ManagedFile.yaml(p, 'a.yaml', { obj: () => ({}), version: '1.2' }).owner).toBe(FileOwner.MANAGED);
    expect(ManagedFile.text(p, 'b.txt', () => 'b\n', { noOverride: 'why', owner: FileOwner.SEEDED }).owner).toBe(FileOwner.SEEDED);
  });

  test('GIVEN an override WHEN synthesized twice into the same folder THEN the second synth changes nothing', () => {
    const outdir = tempdir();
    const build = () => {
      const p = project(outdir);
      ManagedFile.yaml(p, 'values.yaml', { obj: () => ({ replicas: 2, resources: { cpu: '100m' } }), version: '1.1' }).addOverride('resources.cpu', '250m');
      p.synth();
      return fs.readFileSync(path.join(outdir, 'values.yaml'), 'utf-8');
    };
    const first = build();
    expect(first).toBe('replicas: 2\nresources:\n  cpu: 250m\n');
    expect(build()).toBe(first);
  });
});

describe('ManagedFile: text files take no override', () => {
  test('GIVEN a text file WHEN an escape hatch is used THEN it throws with the file, the call and what to do instead', () => {
    const p = project();
    const file = ManagedFile.text(p, 'main.tf', () => 'resource "x" "y" {}\n', { noOverride: 'write main_override.tf next to it' });
    expect(file.overridable).toBe(false);
    expect(() => file.addOverride('resource.x', 1)).toThrow(/^main\.tf takes no addOverride \(got "resource\.x"\): write main_override\.tf next to it$/);
    expect(() => file.addDeletionOverride('resource')).toThrow(/main\.tf takes no addDeletionOverride/);
    expect(() => file.addToArray('a', 1)).toThrow(/main\.tf takes no addToArray/);
    expect(() => file.patch(JsonPatch.remove('/a'))).toThrow(/main\.tf takes no patch \(got "a JSON patch"\)/);
    expect(Testing.synth(p)['main.tf']).toBe('resource "x" "y" {}\n');
  });
});
