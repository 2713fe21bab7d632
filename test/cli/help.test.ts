/**
 * `projen-gitops --help` and `projen-gitops help`: made from the one list `main` dispatches from
 * (`COMMANDS`), so no subcommand is left out of either (`help` printed no usage of
 * verify-images or check-manifests).
 */
import * as fs from 'fs';
import * as path from 'path';
import { cli, COMMANDS } from '../../src/cli/main';

/** What a command line prints on standard output, and its exit code. */
async function output(argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const spy = jest.spyOn(console, 'log').mockImplementation((line: unknown) => {
    lines.push(String(line));
  });
  try {
    const code = await cli(argv, (line) => lines.push(`stderr: ${line}`));
    return { code, out: lines.join('\n') };
  } finally {
    spy.mockRestore();
  }
}

/** The subcommand names `main` compares the first argument with, read from its source. */
function dispatchedNames(): string[] {
  const source = fs.readFileSync(path.join(__dirname, '..', '..', 'src', 'cli', 'main.ts'), 'utf-8');
  return [...source.matchAll(/command === '([a-z][a-z-]*)'/g)].map((m) => m[1]);
}

describe('projen-gitops --help', () => {
  test('names every command main() dispatches, each with one line', async () => {
    const { code, out } = await output(['--help']);
    expect(code).toBe(0);
    const section = out.split('\nCommands:\n')[1].split('\n\n')[0];
    const listed = [...section.matchAll(/^ {2}([a-z-]+)(?: \[dir\])? {2,}\S/gm)].map((m) => m[1]);
    expect(listed).toHaveLength(section.split('\n').length);
    expect(listed).toEqual([...COMMANDS.map((c) => c.name), 'help']);
    for (const name of dispatchedNames()) expect(listed).toContain(name);
    expect(listed).toEqual(expect.arrayContaining(['verify-images', 'check-manifests', 'template', 'fleet', 'upgrade']));
  });

  test.each(COMMANDS.map((c) => [c.name]))('%s --help prints its own usage through the dispatch', async (name) => {
    const { code, out } = await output([name, '--help']);
    expect(code).toBe(0);
    expect(out).toBe(COMMANDS.find((c) => c.name === name)!.usage);
  });
});

describe('projen-gitops help', () => {
  test('prints the command list and the usage of every command', async () => {
    const { code, out } = await output(['help']);
    expect(code).toBe(0);
    for (const command of COMMANDS) expect(out).toContain(command.usage);
    expect(out).toMatch(/^Usage: projen-gitops verify-images /m);
    expect(out).toMatch(/^Usage: projen-gitops check-manifests /m);
  });
});
