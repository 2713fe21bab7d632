/** Command-line parsing for the CLI commands: Node's `util.parseArgs`, with messages for people. */
import { parseArgs as nodeParseArgs, ParseArgsConfig } from 'util';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs {
  readonly values: Record<string, string | boolean | undefined>;
  readonly positionals: string[];
}

/**
 * Parses `argv` strictly: an unknown option, an option without its value (`--port --yes` is
 * `--port` without a value, never the port `--yes`) and a value for a switch are errors,
 * thrown as `fail(message)`.
 */
export function parseCommandLine(argv: string[], options: Options, fail: (message: string) => Error): ParsedArgs {
  try {
    const { values, positionals } = nodeParseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as ParsedArgs['values'], positionals };
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    // Node names the option as written in its table: '--port', '--port <value>' or '-y, --yes'.
    const option = /'(?:-\w, )?(--?[\w-]+)/.exec(message)?.[1] ?? '';
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw fail(`unknown option '${option}' (see --help)`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      if (/does not take an argument/.test(message)) throw fail(`${option} takes no value (see --help)`);
      throw fail(`${option} needs a value (see --help); a value that starts with '-' is written ${option}=-value`);
    }
    throw error;
  }
}

/** The one value of an option given at most once (`multiple: true` in its table), or a `fail`. */
export function single(values: ParsedArgs['values'], name: string, fail: (message: string) => Error): string | undefined {
  const given = values[name] as unknown as string[] | undefined;
  if (given === undefined) return undefined;
  if (given.length > 1) throw fail(`--${name} is given ${given.length} times (${given.map((v) => JSON.stringify(v)).join(', ')}); give it once`);
  return given[0];
}

/** A whole number written in plain decimal digits (no sign, space, exponent, `0x`), within `max`. */
export function strictInteger(value: string, min: number, max: number): number | undefined {
  if (!/^[0-9]{1,16}$/.test(value) || (value.length > 1 && value.startsWith('0'))) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) && n >= min && n <= max ? n : undefined;
}

/** A message as one line of at most `max` characters (text from git or an API can be long and multi-line). */
export function oneLine(message: string, max = 1000): string {
  const line = message.replace(/\s*\r?\n\s*/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 30)}... (${line.length} characters in all)` : line;
}

/** GITHUB_API_URL, checked: an http(s) URL with no credentials, query or fragment. */
export function apiUrlOf(env: NodeJS.ProcessEnv, fail: (message: string) => Error): string {
  const value = env.GITHUB_API_URL || 'https://api.github.com';
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.username || url.password || url.search || url.hash) {
    throw fail(`GITHUB_API_URL must be the REST API's http(s) URL with no credentials, query or fragment, got ${JSON.stringify(oneLine(value, 200))}; try https://api.github.com`);
  }
  return value;
}
