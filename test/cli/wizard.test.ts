import * as fs from 'fs';
import * as path from 'path';
import prompts from 'prompts';
import { ownSpec } from '../../src/cli/own-spec';
import { parseProtectArgs } from '../../src/cli/protect';
import { coerce, forTemplate, QUESTIONS, toProjenArgs } from '../../src/cli/questions';
import { parseArgs, promptOf, runWizard, WizardIo } from '../../src/cli/wizard';
import { gitopsProject, readTree, synth, tempdir } from '../util';

/** Runs the wizard with injected answers and a creator that records instead of creating. */
async function wizard(argv: string[], answers: unknown[] = [], interactive = true) {
  const lines: string[] = [];
  const errors: string[] = [];
  const created: Array<{ dir: string; spec: string; args: string[] }> = [];
  const io: WizardIo = { log: (l) => lines.push(l), error: (l) => errors.push(l), interactive };
  prompts.inject(answers as any[]);
  const code = await runWizard(argv, io, 'projen-gitops@9.9.9', async (dir, spec, args, _io, env) => {
    created.push({ dir, spec, args });
    // What projen new makes of the further services: their folders.
    for (const svc of JSON.parse(env?.PROJEN_GITOPS_NEW_OPTIONS ?? '{}').services ?? []) fs.mkdirSync(path.join(dir, 'services', svc.name), { recursive: true });
    return 0;
  });
  return { code, lines, errors, created };
}

const question = (name: string) => QUESTIONS.find((q) => q.name === name)!;

describe('the question table', () => {
  test('every default passes its own check', () => {
    for (const q of QUESTIONS) {
      expect({ name: q.name, problem: q.check(q.initial({}, {})) }).toEqual({ name: q.name, problem: undefined });
    }
  });

  test.each<[string, unknown, RegExp]>([
    ['name', 'My Service', /must be lowercase letters.*got 'My Service'; try 'my-service'/],
    ['runtime', 'ruby', /must be one of 'node', 'python', 'python-pyproject', 'go', 'java-maven', 'java-gradle', 'static', 'custom', got "ruby"/],
    ['registry', 'https://ghcr.io', /must be a registry host.*try 'ghcr.io'/],
    ['imageName', 'Acme/Orders', /got 'Acme\/Orders'; try 'acme\/orders'/],
    ['port', '70000', /must be an integer from 1 to 65535, got 70000; try 8080/],
    ['port', 'abc', /got null; try 8080|got NaN/],
    ['healthPath', 'healthz', /must be an absolute URL path.*try '\/healthz'/],
    ['requiredApprovals', '11', /must be an integer from 0 to 10/],
    ['codeOwners', 'acme, @ok', /got 'acme'; try '@acme'/],
    ['services', 'worker:ruby', /'worker:ruby': runtime must be one of 'node', 'node-pnpm', 'node-yarn', 'python', 'python-pyproject', 'go', 'java-maven', 'java-gradle', 'static', 'custom', got 'ruby'/],
    ['services', 'worker, worker:go', /'worker' is listed twice/],
  ])('%s rejects %p with the same message as the project option', (name, raw, message) => {
    const q = question(name);
    expect(q.check(coerce(q, raw))).toMatch(message);
  });

  test('the checks are the project\'s: a bad port fails both the same way', () => {
    const project = gitopsProject({ port: 70000 });
    expect(() => project.synth()).toThrow(`port: ${question('port').check(70000)}`);
  });

  test('every question is a GitOpsProject option (the misspelt-option check would say otherwise)', () => {
    const answers = ['orders', 'node', 'ghcr.io', 'acme/orders', 9090, '/ready', 2, '@acme/orders', 'acme/orders'];
    const switches = QUESTIONS.filter((q) => !q.afterCreation);
    const options: Record<string, unknown> = Object.fromEntries(switches.map((q, i) => [q.name, coerce(q, answers[i])]));
    // Written into .projenrc.ts after creation.
    options.services = [{ name: 'worker', runtime: 'go' }];
    options.environments = [{ name: 'dev' }, { name: 'prod' }];
    expect(Object.keys(options).sort()).toEqual(QUESTIONS.map((q) => q.name).sort());
    const project = gitopsProject(options as any);
    expect(() => synth(project)).not.toThrow();
  });

  test('projen new switches leave defaults out where the table says so', () => {
    expect(toProjenArgs({ name: 'orders', runtime: 'node', registry: 'ghcr.io', imageName: '', port: 8080, healthPath: '/healthz', requiredApprovals: 1, codeOwners: [] }))
      .toEqual(['--name', 'orders', '--port', '8080', '--health-path', '/healthz', '--required-approvals', '1']);
    expect(toProjenArgs({ codeOwners: ['@a', '@b/c'], imageName: 'acme/x' })).toEqual(['--image-name', 'acme/x', '--code-owners', '@a', '--code-owners', '@b/c']);
  });
});

describe('protect flags', () => {
  test('parse, and an option is not taken for a value', () => {
    expect(parseProtectArgs(['--repo', 'acme/x', '--dry-run'])).toEqual({ dir: '.github/rulesets', repo: 'acme/x', apiUrl: undefined, dryRun: true });
    expect(parseProtectArgs(['-h'])).toBe('help');
    expect(() => parseProtectArgs(['--repo', '--dry-run'])).toThrow(/--repo needs a value/);
    expect(() => parseProtectArgs(['--bogus'])).toThrow(/unknown option '--bogus'/);
  });
});

describe('the package to create from', () => {
  const pkg = (dir: string, json: object) => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(json));
  };

  test('a release creates from its own version', () => {
    const root = tempdir();
    pkg(root, { name: 'projen-gitops', version: '1.2.3' });
    expect(ownSpec(root)).toBe('projen-gitops@1.2.3');
  });

  test('an unreleased build installed from a local tarball creates from that tarball', () => {
    const owner = tempdir();
    pkg(owner, { dependencies: { 'projen-gitops': 'file:/somewhere/projen-gitops-0.0.0.tgz' } });
    const root = path.join(owner, 'node_modules', 'projen-gitops');
    pkg(root, { name: 'projen-gitops', version: '0.0.0' });
    expect(ownSpec(root)).toBe('projen-gitops@file:/somewhere/projen-gitops-0.0.0.tgz');
  });

  test('a checkout creates from its packed tarball, or says at once how to pack it', () => {
    const root = tempdir();
    pkg(root, { name: 'projen-gitops', version: '0.0.0' });
    fs.writeFileSync(path.join(root, '.projenrc.ts'), '');
    expect(() => ownSpec(root)).toThrow(/unreleased build .* run `npx projen build` in .* or pass --from projen-gitops@file:/);
    fs.mkdirSync(path.join(root, 'dist', 'js'), { recursive: true });
    fs.writeFileSync(path.join(root, 'dist', 'js', 'projen-gitops@0.0.0.jsii.tgz'), 'packed');
    expect(ownSpec(root)).toMatch(/^projen-gitops@file:.*projen-gitops-[0-9a-f]{16}\.tgz$/);
  });

  test('an unresolvable build fails before any question is asked', async () => {
    const io: WizardIo = { log: () => undefined, error: () => undefined, interactive: true };
    const asked = jest.fn();
    await expect(runWizard(['x'], io, () => { throw new Error('unreleased build'); }, asked)).rejects.toThrow(/unreleased build/);
    expect(asked).not.toHaveBeenCalled();
  });
});

describe('flags', () => {
  test('parse', () => {
    expect(parseArgs(['orders', '--port', '3000', '--health-path=/ready', '-y', '--force', '--from', 'x@file:/t.tgz'])).toEqual({
      dir: 'orders', flags: new Map([['port', '3000'], ['health-path', '/ready']]), yes: true, force: true, from: 'x@file:/t.tgz', help: false, templateArgs: [],
    });
  });

  test.each<[string[], RegExp]>([
    [['--prot', '1'], /unknown option '--prot' \(see --help\)/],
    [['a', 'b'], /unexpected argument 'b': give one directory/],
    [['--port'], /--port needs a value/],
    // util.parseArgs: an option is never taken as the value of the one before it.
    [['--port', '--yes'], /--port needs a value \(see --help\); a value that starts with '-' is written --port=-value/],
    [['--yes=1'], /--yes takes no value/],
  ])('%p is refused', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message);
  });

  test('flags answer their questions and --yes takes the other defaults', async () => {
    const dir = path.join(tempdir(), 'billing');
    const { code, created } = await wizard([dir, '--yes', '--port', '3000', '--code-owners', '@acme/billing,@alice']);
    expect(code).toBe(0);
    expect(created).toEqual([{ dir, spec: 'projen-gitops@9.9.9', args: ['--name', 'billing', '--port', '3000', '--health-path', '/healthz', '--required-approvals', '1', '--code-owners', '@acme/billing', '--code-owners', '@alice'] }]);
  });

  test('a bad flag fails before any question, naming the flag, the value and the fix', async () => {
    await expect(wizard(['x', '--port', '0', '--health-path', 'x'])).rejects.toThrow(/--port must be an integer from 1 to 65535, got 0; try 8080\n--health-path .*got 'x'; try '\/x'/);
  });

  test('without a terminal, --yes is required', async () => {
    await expect(wizard(['x'], [], false)).rejects.toThrow(/not a terminal: pass --yes/);
  });

  test('--from overrides the package spec', async () => {
    const { created } = await wizard([path.join(tempdir(), 'a'), '-y', '--from', 'projen-gitops@file:/tmp/p.tgz']);
    expect(created[0].spec).toBe('projen-gitops@file:/tmp/p.tgz');
  });
});

describe('questions', () => {
  const valid = ['orders', 'node', 'ghcr.io', 'acme/orders', 9090, '/ready', 2, '@acme/orders', '', 'acme/orders', 'dev,staging,prod'];

  test('valid answers become projen new switches', async () => {
    const dir = path.join(tempdir(), 'orders');
    const { code, created } = await wizard([dir], valid);
    expect(code).toBe(0);
    expect(created[0].args).toEqual(['--name', 'orders', '--image-name', 'acme/orders', '--port', '9090', '--health-path', '/ready', '--required-approvals', '2', '--code-owners', '@acme/orders', '--repository', 'acme/orders']);
  });

  test('an invalid answer is asked again with the reason', async () => {
    const dir = path.join(tempdir(), 'orders');
    const { code, errors, created } = await wizard([dir], ['orders', 'node', 'ghcr.io', '', 70000, 8080, 'healthz', '/healthz', 1, '', 'Bad Name', '', 'acme', '', 'dev,Prod', 'dev,staging,prod']);
    expect(code).toBe(0);
    expect(errors).toEqual([
      'port must be an integer from 1 to 65535, got 70000; try 8080',
      expect.stringMatching(/^healthPath must be an absolute URL path.*, got 'healthz'; try '\/healthz'$/),
      // The grammar synth checks a service name with (a DNS label), not the project name's.
      expect.stringMatching(/^services 'Bad Name': must be a lowercase name of letters, digits and '-'.*try 'bad-name'$/),
      expect.stringMatching(/^repository must be a GitHub repository as 'owner\/name'/),
      expect.stringMatching(/^environments 'Prod': must be a DNS label/),
    ]);
    expect(created[0].args).toEqual(['--name', 'orders', '--port', '8080', '--health-path', '/healthz', '--required-approvals', '1']);
  });

  test('cancelling creates nothing', async () => {
    const dir = path.join(tempdir(), 'orders');
    const { code, errors, created } = await wizard([dir], ['orders', new Error('cancelled')]);
    expect(code).toBe(130);
    expect(errors).toEqual(['Cancelled: nothing was created.']);
    expect(created).toEqual([]);
    expect(fs.existsSync(dir)).toBe(false);
  });

  test('the folder name is the default service name', async () => {
    const dir = path.join(tempdir(), 'payments');
    const { created } = await wizard([dir, '-y']);
    expect(created[0].args.slice(0, 2)).toEqual(['--name', 'payments']);
  });

  test('a non-empty folder needs a confirmation', async () => {
    const dir = tempdir();
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    const refused = await wizard([dir], [...valid, false]);
    expect(refused.code).toBe(130);
    expect(refused.created).toEqual([]);
    const confirmed = await wizard([dir], [...valid, true]);
    expect(confirmed.created).toHaveLength(1);
    await expect(wizard([dir, '--yes'])).rejects.toThrow(/exists and is not empty; choose another folder, or pass --force/);
    expect((await wizard([dir, '--yes', '--force'])).created).toHaveLength(1);
    expect(fs.readFileSync(path.join(dir, 'notes.txt'), 'utf-8')).toBe('mine');
  });
});

describe('with a company template (--from @acme/gitops-template)', () => {
  /** The creator's environment too: services and environments go in through it. */
  async function templateWizard(argv: string[], answers: unknown[] = [], interactive = true) {
    const errors: string[] = [];
    const created: Array<{ args: string[]; env?: Record<string, string> }> = [];
    prompts.inject(answers as any[]);
    const code = await runWizard(argv, { log: () => undefined, error: (l) => errors.push(l), interactive }, 'projen-gitops@9.9.9', async (_dir, _spec, args, _io, env) => {
      created.push({ args, env });
      return 0;
    });
    return { code, errors, created };
  }

  test('a template that does not add the services fails after projen new: what it made is taken back, the user\'s files are as they were', async () => {
    // A new folder: gone, with the parent it made.
    const root = tempdir();
    const dir = path.join(root, 'new-parent', 'orders');
    const errors: string[] = [];
    const dropsServices = async (at: string) => {
      fs.mkdirSync(path.join(at, 'src'), { recursive: true });
      fs.writeFileSync(path.join(at, 'README.md'), '# made');
      fs.writeFileSync(path.join(at, 'src', 'main.ts'), '// made');
      return 0;
    };
    const io: WizardIo = { log: () => undefined, error: (l) => errors.push(l), interactive: false };
    expect(await runWizard([dir, '--yes', '--from', '@acme/gitops-template', '--services', 'worker:go'], io, 'projen-gitops@9.9.9', dropsServices)).toBe(1);
    expect(errors.join('\n')).toMatch(/projen new did not add worker: does @acme\/gitops-template pass its options on to GitOpsProject\? Nothing was left behind in /);
    expect(fs.readdirSync(root)).toEqual([]);
    // A folder with the user's work (--force): the added files go, the overwritten one is put back.
    const own = tempdir();
    fs.mkdirSync(path.join(own, 'src'));
    fs.writeFileSync(path.join(own, 'README.md'), 'my notes, not committed');
    fs.writeFileSync(path.join(own, 'src', 'work.ts'), 'uncommitted work');
    expect(await runWizard([own, '--yes', '--force', '--from', '@acme/gitops-template', '--services', 'worker:go'], io, 'projen-gitops@9.9.9', dropsServices)).toBe(1);
    expect(readTree(own)).toEqual({ 'README.md': 'my notes, not committed', 'src/work.ts': 'uncommitted work' });
  });

  test('--yes writes only what was answered: the template\'s defaults stay defaults', async () => {
    const dir = path.join(tempdir(), 'orders');
    const { code, created } = await templateWizard([dir, '--yes', '--from', '@acme/gitops-template@1.0.0']);
    expect(code).toBe(0);
    expect(created[0].args).toEqual(['--name', 'orders']);
    expect(created[0].env).toEqual({});
  });

  test('empty answers keep the template\'s defaults; typed ones are written', async () => {
    const dir = path.join(tempdir(), 'orders');
    // name, runtime (first choice), registry, image, port, health path, approvals, owners, services, repository, environments
    const { code, created } = await templateWizard([dir, '--from', '@acme/gitops-template'], ['orders', 'node', '', '', '', '', 3, '', '', '', '']);
    expect(code).toBe(0);
    expect(created[0].args).toEqual(['--name', 'orders', '--runtime', 'node', '--required-approvals', '3']);
  });

  test('the template\'s own options pass on to projen new as flags', async () => {
    const dir = path.join(tempdir(), 'orders');
    const { created } = await templateWizard([dir, '--yes', '--from', '@acme/gitops-template', '--team', 'payments', '--cost-center=42']);
    expect(created[0].args).toEqual(['--name', 'orders', '--team', 'payments', '--cost-center', '42']);
  });

  test('without a template an unknown flag is still refused', async () => {
    await expect(templateWizard([path.join(tempdir(), 'o'), '--yes', '--team', 'payments'])).rejects.toThrow(/unknown option '--team'/);
  });

  test('services and environments go to the project through its creation options, not an edit of .projenrc.ts', async () => {
    const dir = path.join(tempdir(), 'orders');
    const { created } = await templateWizard([dir, '--yes', '--from', '@acme/gitops-template', '--services', 'worker:python', '--environments', 'qa,live']);
    expect(JSON.parse(created[0].env!.PROJEN_GITOPS_NEW_OPTIONS)).toEqual({
      services: [{ name: 'worker', runtime: 'python' }],
      environments: [{ name: 'qa' }, { name: 'live' }],
    });
  });

  test('a failure prints the command that gives the same answers without questions', async () => {
    const errors: string[] = [];
    const dir = path.join(tempdir(), 'orders');
    const code = await runWizard([dir, '--yes', '--from', '@acme/gitops-template', '--port', '3000', '--team', 'payments'],
      { log: () => undefined, error: (l) => errors.push(l), interactive: false }, 'projen-gitops@9.9.9', async () => 1);
    expect(code).toBe(1);
    expect(errors.join('\n')).toContain(`npx projen-gitops new ${dir} --yes --from @acme/gitops-template --name orders --port 3000 --team payments`);
  });
});

describe('the creation options reach the new .projenrc.ts', () => {
  test('services become an option of the file projen new wrote, with Runtime imported', () => {
    const { seedProjenrc } = jest.requireActual('../../src/project/seeded-projenrc');
    const written = 'import { AcmeProject } from "@acme/gitops-template";\nconst project = new AcmeProject({\n  name: "orders",\n  // runtime: Runtime.NODE,\n});\nproject.synth();';
    const seeded = seedProjenrc(written, 'node', undefined, { services: [{ name: 'worker', runtime: 'python' }] });
    expect(seeded).toMatch(/^ {2}name: "orders",\n {2}services: \[\{ name: "worker", runtime: Runtime\.PYTHON \}\],$/m);
    expect(seeded).toMatch(/^import \{ Runtime \} from "projen-gitops";$/m);
  });
});

describe('names are checked with the grammar synth uses', () => {
  test('a main name that cannot name jobs fails before anything is created when there are further services', async () => {
    const created: string[] = [];
    await expect(runWizard([path.join(tempdir(), 'x'), '--yes', '--name', 'my.service', '--services', 'worker'], { log: () => undefined, error: () => undefined, interactive: false },
      'projen-gitops@9.9.9', async (dir) => { created.push(dir); return 0; })).rejects.toThrow(/name must be a lowercase name of letters, digits and '-'.*once there are further services, got 'my\.service'; try 'my-service'/);
    expect(created).toEqual([]);
  });

  test('the suggested name is one a service name accepts too', () => {
    expect(QUESTIONS[0].initial({}, { folderName: 'orders_v2' })).toBe('my-service');
    expect(QUESTIONS[0].initial({}, { folderName: 'orders' })).toBe('orders');
  });
});

describe('the main name is checked as soon as an answer makes synth check it with the service grammar', () => {
  // name, runtime, registry, image, port, health path, approvals, owners, services, repository, environments
  test('interactive: further services make it name jobs; it is asked again at once, and the answers are kept', async () => {
    const dir = path.join(tempdir(), 'orders');
    const { code, errors, created } = await wizard([dir], ['my.service', 'node', 'ghcr.io', '', 9090, '/healthz', 2, '', 'worker', 'orders', '', 'dev,staging,prod']);
    expect(code).toBe(0);
    expect(errors).toEqual([expect.stringMatching(/^name must be a lowercase name of letters, digits and '-'.* once there are further services, got 'my\.service'; try 'my-service'$/)]);
    expect(created[0].args).toEqual(['--name', 'orders', '--port', '9090', '--health-path', '/healthz', '--required-approvals', '2']);
  });

  test('interactive: a repository (deployed: the name names Kubernetes objects) makes it checked too', async () => {
    const dir = path.join(tempdir(), 'orders');
    const { code, errors, created } = await wizard([dir], ['orders.v2', 'node', 'ghcr.io', '', 8080, '/healthz', 1, '', '', 'acme/orders', 'orders-v2', 'dev,staging,prod']);
    expect(code).toBe(0);
    expect(errors).toEqual([expect.stringMatching(/^name must be a lowercase name .* once the repository deploys \(repository 'acme\/orders'\), got 'orders\.v2'; try 'orders-v2'$/)]);
    expect(created[0].args).toEqual(expect.arrayContaining(['--name', 'orders-v2', '--repository', 'acme/orders']));
  });

  test('the grammar is synth\'s: the same name fails synth when deployed, and passes when not', () => {
    expect(() => gitopsProject({ name: 'orders.v2', repository: 'acme/orders' }).synth()).toThrow(/- name: must be a lowercase name of letters, digits and '-'.*got 'orders\.v2'; try 'orders-v2'/);
    expect(() => synth(gitopsProject({ name: 'orders.v2' }))).not.toThrow();
  });

  test('with flags and --yes it fails at once, before any question, naming the flag', async () => {
    const created: string[] = [];
    await expect(runWizard([path.join(tempdir(), 'x'), '--yes', '--name', 'orders.v2', '--repository', 'acme/orders'], { log: () => undefined, error: () => undefined, interactive: false },
      'projen-gitops@9.9.9', async (dir) => { created.push(dir); return 0; })).rejects.toThrow(/^--name must be a lowercase name .* once the repository deploys \(repository 'acme\/orders'\), got 'orders\.v2'; try 'orders-v2'$/);
    expect(created).toEqual([]);
  });

  test('a further service named like the main one is asked again at the services question', async () => {
    const dir = path.join(tempdir(), 'orders');
    const { code, errors, created } = await wizard([dir], ['orders', 'node', 'ghcr.io', '', 8080, '/healthz', 1, '', 'orders:go', 'worker:go', '', 'dev,staging,prod']);
    expect(code).toBe(0);
    expect(errors).toEqual(["services 'orders' is the main service's name; give the further service another name, e.g. 'orders-worker'"]);
    expect(created).toHaveLength(1);
  });

  test('a failure after answers prints the command that gives them without questions', async () => {
    const dir = tempdir();
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    const { code, errors, created } = await wizard([dir], ['orders', 'node', 'ghcr.io', '', 9090, '/ready', 2, '@acme/orders', 'worker:go', 'acme/orders', 'dev,prod', false]);
    expect(code).toBe(130);
    expect(created).toEqual([]);
    expect(errors.join('\n')).toContain(`To try again without questions:\n  npx projen-gitops new ${dir} --yes --from projen-gitops@9.9.9 --name orders --runtime node --registry ghcr.io --port 9090 --health-path /ready --required-approvals 2 --code-owners @acme/orders --services worker:go --repository acme/orders --environments dev,prod`);
  });
});

describe('with a company template, the runtime question can keep the template\'s default', () => {
  const runtime = forTemplate(QUESTIONS.find((q) => q.name === 'runtime')!);

  test('its first choice, the one selected, is the template\'s default (it selected node, written over a template defaulting to Python)', () => {
    const prompt = promptOf(runtime, runtime.initial({}, {}), {}) as any;
    expect(prompt.choices[prompt.initial]).toEqual({ title: "(the template's default)", value: '' });
    expect(prompt.choices.slice(1).map((c: any) => c.value)).toEqual(QUESTIONS.find((q) => q.name === 'runtime')!.choices);
  });

  test('chosen, nothing is written; a runtime chosen is written', async () => {
    const run = async (answer: string) => {
      const created: string[][] = [];
      prompts.inject(['orders', answer, '', '', '', '', '', '', '', '', ''] as any[]);
      await runWizard([path.join(tempdir(), 'orders'), '--from', '@acme/gitops-template'], { log: () => undefined, error: () => undefined, interactive: true }, 'projen-gitops@9.9.9', async (_d, _s, args) => {
        created.push(args);
        return 0;
      });
      return created[0];
    };
    expect(await run('')).toEqual(['--name', 'orders']);
    expect(await run('python')).toEqual(['--name', 'orders', '--runtime', 'python']);
  });

  test('without a template the runtime question has no such choice', () => {
    const prompt = promptOf(QUESTIONS.find((q) => q.name === 'runtime')!, 'node', {}) as any;
    expect(prompt.choices.map((c: any) => c.value)).not.toContain('');
    expect(prompt.choices[prompt.initial].value).toBe('node');
  });
});
