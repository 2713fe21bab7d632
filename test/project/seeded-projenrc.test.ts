import { Runtime } from '../../src';
import { seedProjenrc } from '../../src/project/seeded-projenrc';

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
