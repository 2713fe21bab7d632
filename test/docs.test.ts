import * as fs from 'fs';
import * as path from 'path';
import { optionTypes, renderOptionsDoc } from '../scripts/options-doc';
import { renderRuntimeDoc } from '../scripts/runtime-docs';
import { Runtime } from '../src';
import { gitopsProject, synth } from './util';
import { runtimeFacts } from '../src/model/runtime-facts';

const ROOT = path.join(__dirname, '..');

describe('docs', () => {
  test('docs/options.md matches the doc comments (run `npx projen docgen` after changing them)', () => {
    expect(fs.existsSync(path.join(ROOT, '.jsii'))).toBe(true);
    expect(fs.readFileSync(path.join(ROOT, 'docs', 'options.md'), 'utf-8')).toBe(renderOptionsDoc());
  });

  test('every option of every struct a constructor or method takes is documented, with a default when optional', () => {
    const doc = fs.readFileSync(path.join(ROOT, 'docs', 'options.md'), 'utf-8');
    const types: Record<string, any> = JSON.parse(fs.readFileSync(path.join(ROOT, '.jsii'), 'utf-8')).types;
    const options = optionTypes(types);
    const undocumented: string[] = [];
    for (const type of Object.values(types).filter((t) => t.kind === 'interface' && t.datatype && options.has(t.fqn))) {
      const section = doc.split(`## ${type.name}\n`)[1]?.split('\n## ')[0] ?? '';
      for (const p of type.properties ?? []) {
        if (!p.docs?.summary) undocumented.push(`${type.name}.${p.name}: no doc comment`);
        else if (p.optional && !p.docs?.default) undocumented.push(`${type.name}.${p.name}: no @default`);
        else if (!section.includes(`| \`${p.name}\` |`)) undocumented.push(`${type.name}.${p.name}: not in docs/options.md`);
      }
    }
    expect(undocumented).toEqual([]);
  });

  test('docs/options.md lists what a user writes, not the facts a component computed', () => {
    const types: Record<string, any> = JSON.parse(fs.readFileSync(path.join(ROOT, '.jsii'), 'utf-8')).types;
    const listed = [...optionTypes(types)].map((fqn) => types[fqn].name);
    expect(listed).toEqual(expect.arrayContaining(['GitOpsProjectOptions', 'ServiceOptions', 'EnvironmentOptions', 'NpmRegistry', 'TemplateDefaults', 'Runtime', 'SigningMode']));
    // Read-only results (issue 23: internal types out of the options reference); reference.md has them.
    for (const fact of ['EnvironmentFacts', 'FileEntry', 'InfraRoot', 'OidcRefs', 'RepositoryFacts', 'SigningFacts']) expect(listed).not.toContain(fact);
    // Known-bad: a struct only a class property returns is not an option, one a method takes is.
    const fixture = {
      'x.Made': { kind: 'class', fqn: 'x.Made', name: 'Made', initializer: { parameters: [{ type: { fqn: 'x.MadeOptions' } }] }, methods: [{ parameters: [{ type: { collection: { kind: 'array', elementtype: { fqn: 'x.Added' } } } }] }] },
      'x.MadeOptions': { kind: 'interface', datatype: true, fqn: 'x.MadeOptions', name: 'MadeOptions', properties: [{ name: 'mode', type: { fqn: 'x.Mode' } }] },
      'x.Mode': { kind: 'enum', fqn: 'x.Mode', name: 'Mode' },
      'x.Added': { kind: 'interface', datatype: true, fqn: 'x.Added', name: 'Added' },
      'x.MadeFacts': { kind: 'interface', datatype: true, fqn: 'x.MadeFacts', name: 'MadeFacts' },
    };
    expect([...optionTypes(fixture as any)].sort()).toEqual(['x.Added', 'x.MadeOptions', 'x.Mode']);
  });

  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf-8');

  test('the README names every runtime preset where it lists the Dockerfiles, and links its page', () => {
    const bullet = readme.split('- a multi-stage `Dockerfile`')[1].split('\n- ')[0].replace(/\s+/g, ' ');
    for (const runtime of Object.values(Runtime)) {
      expect(readme).toContain(`(docs/runtimes/${runtime}.md)`);
      if (runtime === Runtime.CUSTOM) continue;
      // "# Java (Gradle) preset": the language and the variant's first word.
      const title = fs.readFileSync(path.join(ROOT, 'docs', 'runtimes', `${runtime}.md`), 'utf-8').split('\n')[0];
      const [, language, variant] = /^# (.+?) (?:\((\S+).*?\) )?preset/.exec(title)!;
      expect({ runtime, found: bullet.toLowerCase().includes(language.toLowerCase()) && (!variant || bullet.includes(variant)) })
        .toEqual({ runtime, found: true });
    }
  });

  test('the README\'s Debian packages are the ones scripts/tools.json installs', () => {
    const packages = Object.values(JSON.parse(fs.readFileSync(path.join(ROOT, 'scripts', 'tools.json'), 'utf-8')).debian as Record<string, string>);
    const listed = /Debian's ([^(]+) \(apt/.exec(readme)![1].split(/,\s*|\s+and\s+/).map((p) => p.trim()).filter(Boolean);
    // One package may give several commands (util-linux: unshare and nsenter): each is named once.
    expect(listed.sort()).toEqual([...new Set(packages)].sort());
  });

  test('the API reference has one home, docs/reference.md (no stale copy at the root, none shipped)', () => {
    const copies = fs.readdirSync(ROOT).filter((f) => f.endsWith('.md') && /^# API Reference/m.test(fs.readFileSync(path.join(ROOT, f), 'utf-8')));
    expect(copies).toEqual([]);
    expect(fs.readFileSync(path.join(ROOT, 'docs', 'reference.md'), 'utf-8')).toMatch(/^# API Reference/m);
  });

  test('the dependabot option names the ecosystems Dependabot is configured for, and no other', () => {
    const types: Record<string, any> = JSON.parse(fs.readFileSync(path.join(ROOT, '.jsii'), 'utf-8')).types;
    const option = types['projen-gitops.GitOpsProjectOptions'].properties.find((p: any) => p.name === 'dependabot');
    const text: string = [option.docs.summary, option.docs.remarks].join(' ');
    const ecosystems = new Set(['npm', ...Object.values(Runtime).map((r) => runtimeFacts(r)?.ecosystem).filter((e): e is string => !!e)]);
    for (const e of ecosystems) expect(text).toContain(e);
    // Named only as excluded.
    expect(text).toMatch(/Not github-actions/);
  });

  const gettingStarted = fs.readFileSync(path.join(ROOT, 'docs', 'getting-started.md'), 'utf-8');
  const block = (after: string) => gettingStarted.split(after)[1].split('```')[1].replace(/^\n/, '').trimEnd();

  test('getting started: the error sample is what synth prints', () => {
    const project = gitopsProject({ prot: 8080, healthPath: 'healthz', imageName: 'Acme/Orders' } as any);
    let message = '';
    try {
      project.synth();
    } catch (error) {
      message = `${(error as Error).name}: ${(error as Error).message}`;
    }
    expect(block('A wrong value stops synth')).toBe(message.trimEnd());
  });

  test('getting started: the required-check list is the one the default project requires', () => {
    const ruleset = synth(gitopsProject())['.github/rulesets/protect-main.json'];
    const contexts = ruleset.rules.find((r: any) => r.type === 'required_status_checks').parameters.required_status_checks.map((c: any) => `- \`${c.context}\``);
    expect(block('The required checks are computed')).toBe(contexts.join('\n'));
  });

  test.each(Object.values(Runtime))('docs/runtimes/%s.md shows the preset as it renders', (runtime) => {
    expect(fs.readFileSync(path.join(ROOT, 'docs', 'runtimes', `${runtime}.md`), 'utf-8')).toBe(renderRuntimeDoc(runtime));
  });
});
