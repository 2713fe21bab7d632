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
