/**
 * Every projen member outside its public API that projen-gitops relies on, checked against the
 * installed projen. A failure here means a projen update broke src/core/projen-adapter.ts.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Construct } from 'constructs';
import { Component, FileBase, github, IgnoreFile, JsonFile, Project, TextFile, YamlFile } from 'projen';
import {
  afterAllPreSynthesize, atSynthStart, createAtSynthStart, indexedComponents, indexedFindFile, indexIgnorePatterns, lazyValue, ProjenAdapterError,
  renderFile, transformRendered, withFastYaml, withReadonlyFromMode, workflowTriggers,
} from '../../src/core/projen-adapter';
import { addValidation } from '../../src/core/validation';
import { synth, tempdir } from '../util';

const project = () => new Project({ name: 'p', outdir: tempdir() });

describe('renderFile: FileBase#synthesizeContent with projen\'s resolver', () => {
  test('renders lazy values exactly as synth writes them, and writes nothing', () => {
    const p = project();
    let port = 1;
    const file = new JsonFile(p, 'x.json', { obj: { port: () => port, empty: {}, list: [] }, omitEmpty: true, marker: false });
    port = 2;
    const rendered = renderFile(file);
    expect(rendered).toBe('{\n  "port": 2\n}\n');
    expect(fs.existsSync(path.join(p.outdir, 'x.json'))).toBe(false);
    p.synth();
    expect(fs.readFileSync(path.join(p.outdir, 'x.json'), 'utf-8')).toBe(rendered);
    expect(renderFile(new YamlFile(p, 'y.yml', { obj: { a: [1] }, marker: false }))).toBe('\na:\n  - 1\n');
  });

  test('the members it relies on exist', () => {
    const file = new TextFile(project(), 't.txt', { lines: ['a'] });
    expect(typeof (file as any).synthesizeContent).toBe('function');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(typeof require('projen/lib/_resolve').resolve).toBe('function');
  });

  test('fails loudly when a file has no synthesizeContent', () => {
    const file = new TextFile(project(), 't.txt', { lines: ['a'] });
    Object.defineProperty(file, 'synthesizeContent', { value: undefined });
    expect(() => renderFile(file)).toThrow(ProjenAdapterError);
    expect(() => renderFile(file)).toThrow(/the installed projen changed FileBase \(no synthesizeContent method\)/);
  });
});

describe('transformRendered', () => {
  test('what synth writes is transformed, once however often it is applied', () => {
    const p = project();
    const file = new TextFile(p, 't.txt', { lines: ['a'] });
    transformRendered(file, 'upper', (t) => t.toUpperCase() + '!');
    transformRendered(file, 'upper', (t) => t.toUpperCase() + '!');
    expect(renderFile(file)).toBe('A!');
    expect(synth(p)['t.txt']).toBe('A!');
  });

  test('the transform sees the content before projen writes it (the sync journal stands on this), last transform outermost', () => {
    const p = project();
    const file = new TextFile(p, 't.txt', { lines: ['new'] });
    const target = path.join(p.outdir, 't.txt');
    fs.writeFileSync(target, 'old\n');
    transformRendered(file, 'first', (t) => `${t}1`);
    const seen: Array<{ content: string; onDisk: string }> = [];
    transformRendered(file, 'journal', (content) => {
      seen.push({ content, onDisk: fs.readFileSync(target, 'utf-8') });
      return content;
    });
    p.synth();
    expect(seen).toEqual([{ content: 'new1', onDisk: 'old\n' }]);
    expect(fs.readFileSync(target, 'utf-8')).toBe('new1');
  });
});

describe('workflowTriggers: GithubWorkflow#events', () => {
  test('returns the triggers given with on(), a copy', () => {
    const p = new Project({ name: 'p', outdir: tempdir() });
    const workflow = new github.GithubWorkflow(new github.GitHub(p), 'w');
    workflow.on({ pullRequest: { branches: ['main'] } });
    workflow.on({ push: {} });
    const triggers = workflowTriggers(workflow);
    expect(triggers).toEqual({ pullRequest: { branches: ['main'] }, push: {} });
    (triggers as any).schedule = [];
    expect(workflowTriggers(workflow)).not.toHaveProperty('schedule');
  });

  test('fails loudly when projen no longer keeps them there', () => {
    const p = new Project({ name: 'p', outdir: tempdir() });
    const workflow = new github.GithubWorkflow(new github.GitHub(p), 'w');
    Object.defineProperty(workflow, 'events', { value: undefined });
    expect(() => workflowTriggers(workflow)).toThrow(/changed GithubWorkflow \(no events member/);
  });
});

describe('afterAllPreSynthesize', () => {
  class Probe extends Component {
    constructor(p: Project, private readonly log: string[], private readonly name: string, private readonly deferred = false) {
      super(p);
    }
    preSynthesize() {
      this.log.push(this.name);
      if (this.deferred) afterAllPreSynthesize(this, () => this.log.push(`${this.name} after all`));
    }
  }

  test.each([0, 1, 2])('runs after every preSynthesize, before any file is written, with the caller at position %i', (position) => {
    const p = project();
    const log: string[] = [];
    const names = ['a', 'b', 'c'];
    names.forEach((name, i) => new Probe(p, log, name, i === position));
    new (class extends Component {
      synthesize() {
        log.push('synthesize');
      }
    })(p);
    p.synth();
    expect(log).toEqual(['a', 'b', 'c', `${names[position]} after all`, 'synthesize']);
    // and leaves the last component as it was: a second synth runs it once more, not twice
    log.length = 0;
    p.synth();
    expect(log).toEqual(['a', 'b', 'c', `${names[position]} after all`, 'synthesize']);
  });

  test('projen calls preSynthesize in project.components order (the assumption it stands on)', () => {
    const p = project();
    const log: string[] = [];
    const probes = ['x', 'y', 'z'].map((n) => new Probe(p, log, n));
    expect(p.components.filter((c) => c instanceof Probe)).toEqual(probes);
    p.synth();
    expect(log).toEqual(['x', 'y', 'z']);
  });
});

describe('lazyValue: a function where projen expects a value', () => {
  test('a workflow\'s triggers, runner and step env are read when it is written, and render as the value would', () => {
    const p = project();
    const workflow = new github.GithubWorkflow(new github.GitHub(p), 'w');
    let branch = 'main';
    let runner = 'ubuntu-24.04';
    let env: Record<string, string> | undefined;
    workflow.on({ pullRequest: { branches: lazyValue(() => [branch]) } });
    workflow.addJobs({ j: { runsOn: [lazyValue(() => runner)], permissions: {}, steps: [{ name: 's', env: lazyValue(() => env), run: 'true' }] } });
    const plain = new github.GithubWorkflow(new github.GitHub(project()), 'w');
    plain.on({ pullRequest: { branches: ['trunk'] } });
    plain.addJobs({ j: { runsOn: ['acme-runner'], permissions: {}, steps: [{ name: 's', env: { A: 'b' }, run: 'true' }] } });
    branch = 'trunk';
    runner = 'acme-runner';
    env = { A: 'b' };
    expect(renderFile(workflow.file!)).toBe(renderFile(plain.file!));
    // A value of undefined leaves the key out, as projen does with a plain one.
    env = undefined;
    expect(renderFile(workflow.file!)).not.toMatch(/env:/);
  });

  test('a task step\'s command is read when tasks.json is written', () => {
    const p = project();
    let repo = 'unknown';
    p.addTask('t', { exec: lazyValue(() => `run --repo ${repo}`) });
    repo = 'acme/orders';
    expect(synth(p)['.projen/tasks.json'].tasks.t.steps).toEqual([{ exec: 'run --repo acme/orders' }]);
  });
});

describe('atSynthStart: when every component has been added, before any wires itself', () => {
  class Probe extends Component {
    constructor(p: Project, private readonly log: string[], private readonly name: string) {
      super(p);
    }
    preSynthesize() {
      this.log.push(`${this.name} preSynthesize`);
    }
  }

  test('runs before every preSynthesize and the option checks, once, in order; what it creates is wired and written', () => {
    const p = project();
    const log: string[] = [];
    addValidation(p, () => {
      log.push('option checks');
      return [];
    });
    new Probe(p, log, 'early');
    atSynthStart(p, () => {
      log.push('first');
      // Given while they run: runs too.
      atSynthStart(p, () => log.push('nested'));
      new Probe(p, log, 'made at the start');
      new TextFile(p, 'late.txt', { lines: ['late'] });
    });
    atSynthStart(p, () => log.push('second'));
    new Probe(p, log, 'late');
    p.synth();
    expect(log).toEqual(['first', 'second', 'nested', 'option checks', 'early preSynthesize', 'late preSynthesize', 'made at the start preSynthesize']);
    expect(fs.readFileSync(path.join(p.outdir, 'late.txt'), 'utf-8')).toBe('late');
    // A second synth of the same project runs nothing again (the files exist).
    log.length = 0;
    p.synth();
    expect(log).toEqual(['option checks', 'early preSynthesize', 'late preSynthesize', 'made at the start preSynthesize']);
  });

  test('a subclass\'s own preSynthesize still runs, after', () => {
    const log: string[] = [];
    const p = new (class extends Project {
      preSynthesize() {
        log.push('project preSynthesize');
      }
    })({ name: 'p', outdir: tempdir() });
    atSynthStart(p, () => log.push('start'));
    p.synth();
    expect(log).toEqual(['start', 'project preSynthesize']);
  });

  test('projen calls the project\'s preSynthesize before any component\'s (the assumption it stands on)', () => {
    const log: string[] = [];
    const p = new (class extends Project {
      preSynthesize() {
        log.push('project');
      }
    })({ name: 'p', outdir: tempdir() });
    new Probe(p, log, 'component');
    p.synth();
    expect(log).toEqual(['project', 'component preSynthesize']);
  });
});

describe('createAtSynthStart: files made late keep their .gitignore lines where they were reserved', () => {
  const lines = (p: Project) => fs.readFileSync(path.join(p.outdir, '.gitignore'), 'utf-8').split('\n').filter((l) => l.startsWith('!/'));

  test('the lines of the files it creates take the place of the call, whatever came after', () => {
    const p = project();
    new TextFile(p, 'a.txt', { lines: ['a'] });
    createAtSynthStart(p, () => ['b1.txt', 'b2.txt'].forEach((f) => new TextFile(p, f, { lines: ['b'] })));
    new TextFile(p, 'c.txt', { lines: ['c'] });
    createAtSynthStart(p, () => undefined);
    new TextFile(p, 'd.txt', { lines: ['d'] });
    p.synth();
    // Made in the order of the calls, the files would give the same lines; a reservation that made nothing leaves none.
    const eager = project();
    for (const f of ['a.txt', 'b1.txt', 'b2.txt', 'c.txt', 'd.txt']) new TextFile(eager, f, { lines: ['x'] });
    eager.synth();
    expect(lines(p)).toEqual(lines(eager));
    expect(fs.readFileSync(path.join(p.outdir, '.gitignore'), 'utf-8')).not.toMatch(/\0|reserved/);
  });

  test('with indexIgnorePatterns, a pattern added afterwards still replaces its earlier copy', () => {
    const p = project();
    indexIgnorePatterns(p.gitignore);
    createAtSynthStart(p, () => new TextFile(p, 'b.txt', { lines: ['b'] }));
    atSynthStart(p, () => p.gitignore.exclude('/b.txt'));
    p.synth();
    const all = fs.readFileSync(path.join(p.outdir, '.gitignore'), 'utf-8').split('\n');
    expect(all.filter((l) => l.endsWith('/b.txt'))).toEqual(['/b.txt']);
  });

  test('fails loudly when projen no longer keeps the lines in _patterns', () => {
    const p = project();
    expect(Array.isArray((p.gitignore as any)._patterns)).toBe(true);
    Object.defineProperty(p.gitignore, '_patterns', { value: undefined });
    expect(() => createAtSynthStart(p, () => undefined)).toThrow(/changed IgnoreFile \(no _patterns list\)/);
  });
});

describe('indexedComponents and indexedFindFile: the tree index', () => {
  // projen's own answers, walking the tree (what the index must always agree with).
  const projenComponents = (p: Project) => Object.getOwnPropertyDescriptor(Project.prototype, 'components')!.get!.call(p) as Component[];
  const agrees = (p: Project, paths: string[]) => {
    expect(indexedComponents(p)).toEqual(projenComponents(p));
    for (const file of paths) {
      expect(indexedFindFile(p, file)).toBe(p.tryFindFile(file));
      expect(indexedFindFile(p, path.join(p.outdir, file))).toBe(p.tryFindFile(file));
    }
  };

  test('agrees with projen as files and components are added, nested and removed, in a subproject too', () => {
    const p = project();
    agrees(p, ['package.json', 'a.txt']);
    const a = new TextFile(p, 'a.txt', { lines: ['a'] });
    agrees(p, ['a.txt']);
    // A component that makes files in its own scope, before and after a lookup.
    class Group extends Component {
      constructor(scope: Construct, id: string, files: string[]) {
        super(scope, id);
        for (const f of files) new TextFile(this, f, { lines: [f] });
      }
    }
    const group = new Group(p, 'g', ['g1.txt', 'g2.txt']);
    agrees(p, ['g1.txt', 'g2.txt', 'g3.txt']);
    new TextFile(group, 'g3.txt', { lines: ['g3'] });
    new Group(group, 'inner', ['i1.txt']);
    agrees(p, ['g1.txt', 'g3.txt', 'i1.txt']);
    const sub = new Project({ name: 'sub', parent: p, outdir: 'sub' });
    new TextFile(sub, 's.txt', { lines: ['s'] });
    agrees(p, ['sub/s.txt', 'a.txt']);
    expect(indexedFindFile(p, 'sub/s.txt')).toBeInstanceOf(FileBase);
    // Removal: the file is gone from both answers.
    expect(p.tryRemoveFile('a.txt')).toBe(a);
    agrees(p, ['a.txt', 'g1.txt']);
    expect(indexedFindFile(p, 'a.txt')).toBeUndefined();
    group.node.tryRemoveChild('inner');
    agrees(p, ['i1.txt', 'g3.txt']);
    expect(indexedFindFile(p, 'i1.txt')).toBeUndefined();
  });

  test('a second file at a path is still refused (the uniqueness check reads the index)', () => {
    const p = project();
    new TextFile(p, 'dup.txt', { lines: ['a'] });
    const lookups = jest.spyOn(p, 'tryFindFile').mockImplementation((f: string) => indexedFindFile(p, f));
    expect(() => new TextFile(p, 'dup.txt', { lines: ['b'] })).toThrow(/There is already a file under dup.txt/);
    expect(lookups).toHaveBeenCalled();
  });

  test('returns a copy', () => {
    const p = project();
    const list = indexedComponents(p);
    list.length = 0;
    expect(indexedComponents(p).length).toBeGreaterThan(0);
  });

  test('fails loudly when constructs no longer adds children through Node#addChild', () => {
    const p = project();
    Object.defineProperty(p.node, 'addChild', { value: undefined });
    expect(() => indexedFindFile(p, 'x')).toThrow(/changed constructs Node \(no addChild\/tryRemoveChild method\)/);
  });

  test('the members it relies on exist: Node#addChild is how a construct joins the tree', () => {
    const p = project();
    const added: string[] = [];
    const original = (p.node as any).addChild;
    expect(typeof original).toBe('function');
    (p.node as any).addChild = (child: Construct, id: string) => {
      added.push(id);
      original.call(p.node, child, id);
    };
    new TextFile(p, 'seen.txt', { lines: ['x'] });
    expect(added).toContain('TextFile@seen.txt');
    expect(typeof Object.getOwnPropertyDescriptor(Project.prototype, 'components')?.get).toBe('function');
  });
});

describe('withReadonlyFromMode: projen\'s unchanged-file check, right for root too', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const util = require('projen/lib/util');

  test('an unchanged read-only file is not written again; one whose mode or content changed is', () => {
    const p = project();
    let text = 'x';
    new JsonFile(p, 'r.json', { obj: { v: () => text }, readonly: true });
    p.synth();
    const target = path.join(p.outdir, 'r.json');
    fs.utimesSync(target, 1000, 1000);
    withReadonlyFromMode(() => p.synth());
    expect(fs.statSync(target).mtimeMs).toBe(1000 * 1000);
    // Made writable by hand: written again, read-only.
    fs.chmodSync(target, 0o644);
    withReadonlyFromMode(() => p.synth());
    expect(fs.statSync(target).mode.toString(8).slice(-3)).toBe('444');
    fs.utimesSync(target, 1000, 1000);
    text = 'y';
    withReadonlyFromMode(() => p.synth());
    expect(JSON.parse(fs.readFileSync(target, 'utf-8')).v).toBe('y');
    expect(fs.statSync(target).mtimeMs).not.toBe(1000 * 1000);
  });

  test('projen decides with isWritable (the member it relies on), and gets its own back afterwards', () => {
    const original = util.isWritable;
    expect(typeof original).toBe('function');
    const p = project();
    new TextFile(p, 'r.txt', { lines: ['x'], readonly: true });
    p.synth();
    const asked: string[] = [];
    util.isWritable = (file: string) => {
      asked.push(file);
      return original(file);
    };
    try {
      p.synth();
    } finally {
      util.isWritable = original;
    }
    expect(asked).toContain(path.join(p.outdir, 'r.txt'));
    withReadonlyFromMode(() => undefined);
    expect(util.isWritable).toBe(original);
    expect(() => withReadonlyFromMode(() => {
      throw new Error('boom');
    })).toThrow('boom');
    expect(util.isWritable).toBe(original);
  });

  test('fails loudly when projen no longer has it', () => {
    const original = util.isWritable;
    util.isWritable = undefined;
    try {
      expect(() => withReadonlyFromMode(() => undefined)).toThrow(/changed its file utilities \(no isWritable/);
    } finally {
      util.isWritable = original;
    }
  });
});

describe('withFastYaml: projen\'s YamlFile written through fastYaml', () => {
  // The `yaml` package projen bundles and writes its YAML files with.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const projenYaml = require(require.resolve('yaml', { paths: [path.dirname(require.resolve('projen'))] }));

  test('a YAML file renders the same bytes inside and outside, and projen gets its stringify back', () => {
    const p = project();
    const obj = { on: { push: { branches: ['main'] } }, jobs: { a: { steps: [{ run: 'echo a\necho "b"\n' }, { if: 'yes', with: { x: '0x1', y: 'a: b' } }] } } };
    const file = new YamlFile(p, 'w.yml', { obj });
    const outside = renderFile(file);
    const original = projenYaml.stringify;
    let inside: string | undefined;
    let swapped = false;
    withFastYaml(() => {
      swapped = projenYaml.stringify !== original;
      inside = renderFile(file);
    });
    expect(swapped).toBe(true);
    expect(inside).toBe(outside);
    expect(projenYaml.stringify).toBe(original);
  });

  test('other calls of stringify get the yaml package\'s own answer', () => {
    withFastYaml(() => {
      expect(projenYaml.stringify({ a: 'x y' }, { lineWidth: 10 })).toBe('a: x y\n');
      expect(projenYaml.stringify({ a: ['b'] }, { indent: 4, lineWidth: 0 })).toBe('a:\n    - b\n');
    });
  });

  test('fails loudly when projen\'s yaml package no longer has stringify', () => {
    const original = projenYaml.stringify;
    projenYaml.stringify = undefined;
    try {
      expect(() => withFastYaml(() => undefined)).toThrow(/changed its YAML writer/);
    } finally {
      projenYaml.stringify = original;
    }
  });
});

describe('indexIgnorePatterns: projen\'s duplicate removal without the scan', () => {
  test('writes what projen writes for any mix of exclude, include, addPatterns and removePatterns', () => {
    // A fixed pseudo-random walk (the same on every run) over few patterns, so duplicates,
    // negations, folders and the patterns under them keep meeting.
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const words = ['a', 'b/', 'b/c', '!b/c', '/d', 'e/', 'e/f/g', '# note', '', '!a'];
    for (let round = 0; round < 20; round++) {
      const plain = new IgnoreFile(project(), '.ignore');
      const indexed = new IgnoreFile(project(), '.ignore');
      indexIgnorePatterns(indexed);
      for (let step = 0; step < 60; step++) {
        const word = words[next(words.length)];
        const op = next(4);
        for (const f of [plain, indexed]) {
          if (op === 0) f.exclude(word);
          else if (op === 1) f.include(word);
          else if (op === 2) f.addPatterns(word, words[(step + round) % words.length]);
          else f.removePatterns(word);
        }
        expect(renderFile(indexed)).toBe(renderFile(plain));
      }
    }
  });

  test('the members it relies on exist, and it fails loudly without them', () => {
    const file = new IgnoreFile(project(), '.ignore');
    expect(typeof (file as any).normalizePatterns).toBe('function');
    expect(Array.isArray((file as any)._patterns)).toBe(true);
    Object.defineProperty(file, 'normalizePatterns', { value: undefined });
    expect(() => indexIgnorePatterns(file)).toThrow(/changed IgnoreFile \(no normalizePatterns/);
  });
});
