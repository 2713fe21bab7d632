/**
 * Every projen member outside its public API that projen-gitops relies on, checked against the
 * installed projen. A failure here means a projen update broke src/core/projen-adapter.ts.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Component, github, JsonFile, Project, TextFile, YamlFile } from 'projen';
import { afterAllPreSynthesize, ProjenAdapterError, renderFile, transformRendered, workflowTriggers } from '../../src/core/projen-adapter';
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
