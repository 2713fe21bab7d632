import * as path from 'path';
import { someOptionsProblems } from '../../src/core/known-options';

describe('someOptionsProblems', () => {
  test('a misspelt option gets the closest name', () => {
    expect(someOptionsProblems('projen-gitops.GitOpsProjectOptions', { name: 'x', prot: 3000 }, 'GitOpsProject'))
      .toEqual([{ option: 'prot', message: "is not an option of GitOpsProject; did you mean 'port'?" }]);
  });

  test('each key is walked at every depth, wrong types too, under the path given; none is required', () => {
    expect(someOptionsProblems('projen-gitops.GitOpsProjectOptions', { signImages: 'false', deployment: { replcas: 2 } }, 'GitOpsProject', 'templateDefaults.options')).toEqual([
      { option: 'templateDefaults.options.signImages', message: "must be true or false (a boolean, not a string in quotes), got 'false'; try false" },
      { option: 'templateDefaults.options.deployment.replcas', message: "is not an option of ServiceDeploymentOptions; did you mean 'replicas'?" },
    ]);
  });

  test('options inherited from projen are known (its manifest is read too)', () => {
    expect(someOptionsProblems('projen-gitops.GitOpsProjectOptions', { name: 'x', outdir: 'o', logging: {}, port: 1 }, 'GitOpsProject')).toEqual([]);
  });

  test('a type the manifest does not have fails loudly', () => {
    expect(() => someOptionsProblems('projen-gitops.NoSuchOptions', { name: 'x' }, 'X')).toThrow(/cannot check option names: the jsii manifest has no type projen-gitops\.NoSuchOptions/);
  });

  test('an assembly without a manifest fails loudly', () => {
    expect(() => someOptionsProblems('no-such-assembly.Options', { a: 1 }, 'X')).toThrow(/cannot check option names: the package no-such-assembly \(its jsii manifest describes the options\) cannot be found/);
  });

  test("without this package's compiled .jsii the check throws instead of finding nothing", () => {
    jest.isolateModules(() => {
      const realFs = jest.requireActual<typeof import('fs')>('fs');
      const manifest = path.resolve(__dirname, '..', '..', '.jsii');
      jest.doMock('fs', () => ({
        ...realFs,
        readFileSync: (file: string, ...rest: any[]) => {
          if (path.resolve(String(file)) === manifest) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${file}'`), { code: 'ENOENT' });
          return (realFs.readFileSync as any)(file, ...rest);
        },
      }));
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const isolated = require('../../src/core/known-options') as typeof import('../../src/core/known-options');
      expect(() => isolated.someOptionsProblems('projen-gitops.GitOpsProjectOptions', { name: 'x', prot: 1 }, 'GitOpsProject'))
        .toThrow(/cannot check option names: the jsii manifest .*\.jsii is missing or unreadable \(ENOENT[^)]*\)\. In a checkout of projen-gitops run `npx projen compile` first/);
    });
  });
});
