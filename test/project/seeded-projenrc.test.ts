import * as fs from 'fs';
import * as path from 'path';
import { LogLevel } from 'projen';
import * as ts from 'typescript';
import { DeployEngine, Iac, RepositoryVisibility, Runtime, TemplateDefaults } from '../../src';
import { seedProjenrc } from '../../src/project/seeded-projenrc';
import { tempdir } from '../util';

const ROOT = path.join(__dirname, '..', '..');

/** What `projen new --from projen-gitops` writes (projen 0.103), options as given. */
const written = (options: string, importNames = 'GitOpsProject') => `import { ${importNames} } from "projen-gitops";
const project = new GitOpsProject({
  devDeps: ["projen-gitops@file:/x.tgz"],
  name: "orders",
${options}
  // codeOwners: undefined,  /* Code owners of every file */
  // nodeVersion: "22",      /* The Node.js version (\`Runtime.NODE\`), used as the tag of the default base image. */
  // requiredApprovals: 1,   /* Approving reviews a pull request into the default branch needs (0 to 10). */
  // runtime: Runtime.NODE,  /* The service's runtime */
});
project.synth();`;

describe('the .projenrc.ts projen new writes', () => {
  test('imports Runtime for the commented runtime option (uncommenting gave "Runtime is not defined")', () => {
    const seeded = seedProjenrc(written(''), Runtime.NODE);
    expect(seeded).toMatch(/^import \{ GitOpsProject, Runtime \} from "projen-gitops";$/m);
    expect(seeded).toMatch(/\/\/ nodeVersion: "22",/);
  });

  test('lists no other runtime\'s version option (no nodeVersion for Python)', () => {
    const seeded = seedProjenrc(written('  runtime: Runtime.PYTHON,', 'GitOpsProject, Runtime'), Runtime.PYTHON);
    expect(seeded).not.toMatch(/nodeVersion/);
    expect(seeded).toMatch(/^import \{ GitOpsProject, Runtime \} from "projen-gitops";$/m); // not imported twice
    expect(seeded).toMatch(/\/\/ requiredApprovals: 1,/);
  });

  test('a file that is already right is left as it is', () => {
    const right = seedProjenrc(written(''), Runtime.NODE);
    expect(seedProjenrc(right, Runtime.NODE)).toBe(right);
  });
});

/**
 * The TypeScript errors of a `.projenrc.ts` of a repository made from a company template
 * (`@acme/gitops-template`, whose class extends this build's GitOpsProject: lib/*.d.ts of
 * `npx projen compile`), as tsc reports them.
 */
function typeErrors(projenrc: string): string[] {
  const dir = tempdir();
  fs.writeFileSync(path.join(dir, '.projenrc.ts'), projenrc);
  const template = path.join(dir, 'acme-gitops-template.d.ts');
  fs.writeFileSync(template, 'import { GitOpsProject } from "projen-gitops";\nexport declare class AcmeGitOpsProject extends GitOpsProject {}\n');
  const program = ts.createProgram([path.join(dir, '.projenrc.ts')], {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Preserve,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    paths: { 'projen-gitops': [path.join(ROOT, 'lib', 'index.d.ts')], 'projen': [path.join(ROOT, 'node_modules', 'projen', 'lib', 'index.d.ts')], '@acme/gitops-template': [template] },
    types: [],
  });
  const errors = ts.getPreEmitDiagnostics(program).map((d) => `${d.file ? `${path.basename(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start!).line + 1}: ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
  fs.rmSync(dir, { recursive: true, force: true });
  return errors;
}

/** Every commented option (`  // key: value,  /* ... *\/`) uncommented. */
const uncommented = (text: string) => text.replace(/^(\s*)\/\/ (\w+: .*,)\s+\/\*.*\*\/$/gm, '$1$2');

describe('the company template\'s defaults in the comments work when uncommented', () => {
  const ACME: TemplateDefaults = {
    template: '@acme/gitops-template',
    requiredApprovals: 2,
    environments: [{ name: 'qa' }, { name: 'live' }],
    npmRegistry: { url: 'https://npm.acme.example/', scope: '@acme' },
    options: {
      runtime: Runtime.PYTHON,
      iac: Iac.TERRAFORM,
      infraStateBucket: 'acme-state',
      deployEngine: DeployEngine.FLUX,
      visibility: RepositoryVisibility.PRIVATE,
      // An enum of projen's own, in a struct of projen's (an option GitOpsProjectOptions inherits).
      logging: { level: LogLevel.WARN },
      argocdOptions: { namespace: 'argocd' },
    },
  };
  const acmeWritten = `import { AcmeGitOpsProject } from "@acme/gitops-template";
const project = new AcmeGitOpsProject({
  name: "orders",
  // requiredApprovals: 1,   /* Approving reviews a pull request into the default branch needs (0 to 10). */
  // runtime: Runtime.NODE,  /* The service's runtime */
});
project.synth();
`;

  test('the file as written and seeded typechecks (the check below can pass)', () => {
    expect(typeErrors(seedProjenrc(acmeWritten, Runtime.PYTHON, ACME))).toEqual([]);
  });

  test('each enum is written as its member, imported from its module: a string in quotes failed the typecheck', () => {
    const seeded = seedProjenrc(acmeWritten, Runtime.PYTHON, ACME);
    expect(seeded).toMatch(/^ {2}\/\/ runtime: Runtime\.PYTHON, {2}\/\* default of @acme\/gitops-template \*\/$/m);
    expect(seeded).toMatch(/^ {2}\/\/ iac: Iac\.TERRAFORM,/m);
    expect(seeded).toMatch(/^ {2}\/\/ deployEngine: DeployEngine\.FLUX,/m);
    expect(seeded).toMatch(/^ {2}\/\/ visibility: RepositoryVisibility\.PRIVATE,/m);
    expect(seeded).toMatch(/^ {2}\/\/ logging: \{ level: LogLevel\.WARN \},/m);
    expect(seeded).toMatch(/^ {2}\/\/ environments: \[\{ name: "qa" \}, \{ name: "live" \}\],/m);
    expect(seeded).toMatch(/^import \{ Runtime, Iac, DeployEngine, RepositoryVisibility \} from "projen-gitops";$/m);
    expect(seeded).toMatch(/^import \{ LogLevel \} from "projen";$/m);
    expect(seeded).not.toMatch(/: "(python|terraform|flux|private|warn)"/);
  });

  test('uncommented, every default typechecks', () => {
    const seeded = uncommented(seedProjenrc(acmeWritten, Runtime.PYTHON, ACME));
    expect(seeded).toMatch(/^ {2}iac: Iac\.TERRAFORM,/m);
    expect(seeded.match(/^ {2}\w+: /gm)?.length).toBeGreaterThanOrEqual(10);
    expect(typeErrors(seeded)).toEqual([]);
  });

  test('a known-bad file fails the typecheck (an enum value as a string)', () => {
    expect(typeErrors(uncommented(seedProjenrc(acmeWritten, Runtime.PYTHON, ACME)).replace('iac: Iac.TERRAFORM', 'iac: "terraform"')).join('\n'))
      .toMatch(/Type '"terraform"' is not assignable to type 'Iac/);
  });
});
