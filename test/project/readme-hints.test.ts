import { ContainerImage, Runtime } from '../../src';
import { gitopsProject, synth } from '../util';

describe('the generated README\'s hints', () => {
  test('each service\'s .dockerignore hint, run as written, changes that service\'s file and no other', () => {
    const readme: string = synth(gitopsProject({ services: [{ name: 'worker', runtime: Runtime.PYTHON }] }))['README.md'];
    const hint = (file: string) => {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${file}\` |`));
      return /In \.projenrc\.ts: `([^`]+)`/.exec(row ?? '')?.[1];
    };
    for (const [file, other] of [['services/worker/.dockerignore', '.dockerignore'], ['.dockerignore', 'services/worker/.dockerignore']]) {
      const code = hint(file);
      expect(code).toBeDefined();
      const project = gitopsProject({ services: [{ name: 'worker', runtime: Runtime.PYTHON }] });
      // The hint exactly as a user pastes it into .projenrc.ts, with a pattern for `...`.
      new Function('ContainerImage', 'project', code!.replace('(...)', '("hint-pattern")'))(ContainerImage, project);
      const out = synth(project);
      expect({ file, has: out[file].includes('hint-pattern') }).toEqual({ file, has: true });
      expect({ other, has: out[other].includes('hint-pattern') }).toEqual({ other, has: false });
    }
  });
});
