/**
 * GitHub Actions expressions (docs.github.com, "Evaluate expressions in workflows and actions"),
 * evaluated as far as the event is known: which events a job's `if:` can run on. Everything but
 * `github.event_name` is unknown, and an unknown value keeps the outcome open, so the answer is
 * "definitely not" only when the expression is false whatever the unknown values are.
 *
 * The grammar is the documented one: literals (`true`, `false`, `null`, numbers, '...' strings
 * with '' escapes), context paths (`a.b`, `a['b']`, `a.*`), function calls, `( )`, `!`,
 * `< <= > >= == !=`, `&&`, `||`; comparisons of strings ignore case, and values of different
 * types compare as numbers.
 */

/** A value that may be unknown: `known` false means any value. */
interface Value {
  readonly known: boolean;
  readonly value?: unknown;
}

const UNKNOWN: Value = { known: false };
const known = (value: unknown): Value => ({ known: true, value });

type Token = { kind: 'num' | 'str' | 'id' | 'op'; text: string; value?: unknown };

/** Thrown for a text that is not an expression of the documented grammar. */
export class ExpressionSyntaxError extends Error {}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const str = /^'((?:[^']|'')*)'/.exec(rest);
    if (str) {
      tokens.push({ kind: 'str', text: str[0], value: str[1].replace(/''/g, "'") });
      i += str[0].length;
      continue;
    }
    const num = /^(?:0x[0-9a-fA-F]+|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)/.exec(rest);
    if (num && !(tokens.length > 0 && ['num', 'str', 'id'].includes(tokens[tokens.length - 1].kind) && /^[-+]/.test(num[0]))) {
      tokens.push({ kind: 'num', text: num[0], value: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(rest);
    if (id) {
      tokens.push({ kind: 'id', text: id[0] });
      i += id[0].length;
      continue;
    }
    const op = /^(?:&&|\|\||==|!=|<=|>=|[<>!().[\],*])/.exec(rest);
    if (!op) throw new ExpressionSyntaxError(`unexpected '${rest[0]}' at ${i}`);
    tokens.push({ kind: 'op', text: op[0] });
    i += op[0].length;
  }
  return tokens;
}

/** Truthiness by GitHub's rules: false, 0, -0, '', null and NaN are falsy. */
function truthy(v: unknown): boolean {
  return !(v === false || v === 0 || v === '' || v === null || v === undefined || Number.isNaN(v));
}

function toNumber(v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return v.trim() === '' ? 0 : Number(v);
  return NaN;
}

/** GitHub's loose equality: strings ignore case; different types compare as numbers. */
function equal(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  if (typeof a === typeof b && typeof a !== 'object') return a === b;
  if (a === null && b === null) return true;
  return toNumber(a) === toNumber(b);
}

class Parser {
  private at = 0;
  constructor(private readonly tokens: Token[], private readonly context: (path: string[]) => Value) {}

  parse(): Value {
    const value = this.or();
    if (this.at < this.tokens.length) throw new ExpressionSyntaxError(`unexpected '${this.tokens[this.at].text}'`);
    return value;
  }

  private peek(text: string): boolean {
    const t = this.tokens[this.at];
    return t !== undefined && t.kind === 'op' && t.text === text;
  }

  private expect(text: string) {
    if (!this.peek(text)) throw new ExpressionSyntaxError(`expected '${text}'`);
    this.at++;
  }

  private or(): Value {
    let left = this.and();
    while (this.peek('||')) {
      this.at++;
      const right = this.and();
      // a || b: a when a is truthy, else b (unknown when a is).
      if (left.known && truthy(left.value)) continue;
      left = left.known ? right : UNKNOWN;
    }
    return left;
  }

  private and(): Value {
    let left = this.comparison();
    while (this.peek('&&')) {
      this.at++;
      const right = this.comparison();
      // a && b: a when a is falsy, else b; falsy whatever a is when b is (taken as false, the only use being truthiness).
      if (left.known && !truthy(left.value)) continue;
      if (left.known) left = right;
      else left = right.known && !truthy(right.value) ? known(false) : UNKNOWN;
    }
    return left;
  }

  private comparison(): Value {
    let left = this.unary();
    for (;;) {
      const t = this.tokens[this.at];
      if (!t || t.kind !== 'op' || !['==', '!=', '<', '<=', '>', '>='].includes(t.text)) return left;
      this.at++;
      const right = this.unary();
      if (!left.known || !right.known) {
        left = UNKNOWN;
        continue;
      }
      const [a, b] = [left.value, right.value];
      const bothStrings = typeof a === 'string' && typeof b === 'string';
      const [x, y] = bothStrings ? [(a as string).toLowerCase(), (b as string).toLowerCase()] : [toNumber(a), toNumber(b)];
      switch (t.text) {
        case '==': left = known(equal(a, b)); break;
        case '!=': left = known(!equal(a, b)); break;
        case '<': left = known(x < y); break;
        case '<=': left = known(x <= y); break;
        case '>': left = known(x > y); break;
        default: left = known(x >= y);
      }
    }
  }

  private unary(): Value {
    if (this.peek('!')) {
      this.at++;
      const v = this.unary();
      return v.known ? known(!truthy(v.value)) : UNKNOWN;
    }
    return this.primary();
  }

  private primary(): Value {
    const t = this.tokens[this.at++];
    if (!t) throw new ExpressionSyntaxError('unexpected end');
    if (t.kind === 'op' && t.text === '(') {
      const v = this.or();
      this.expect(')');
      return this.postfix(v, undefined);
    }
    if (t.kind === 'num' || t.kind === 'str') return known(t.value);
    if (t.kind === 'id') {
      if (t.text === 'true' || t.text === 'false') return known(t.text === 'true');
      if (t.text === 'null') return known(null);
      if (this.peek('(')) return this.call(t.text);
      return this.postfix(UNKNOWN, [t.text]);
    }
    throw new ExpressionSyntaxError(`unexpected '${t.text}'`);
  }

  /** `.name`, `['name']`, `[expr]` and `.*` after a value; `path` is the context path while it is one. */
  private postfix(value: Value, path: string[] | undefined): Value {
    let current = path;
    for (;;) {
      if (this.peek('.')) {
        this.at++;
        const t = this.tokens[this.at++];
        if (t?.kind === 'id') current = current ? [...current, t.text] : undefined;
        else if (t?.kind === 'op' && t.text === '*') current = undefined;
        else throw new ExpressionSyntaxError("expected a property name after '.'");
      } else if (this.peek('[')) {
        this.at++;
        const index = this.or();
        this.expect(']');
        current = current && index.known && typeof index.value === 'string' ? [...current, index.value] : undefined;
      } else {
        return current ? this.context(current) : value;
      }
    }
  }

  private call(name: string): Value {
    this.expect('(');
    const args: Value[] = [];
    if (!this.peek(')')) {
      args.push(this.or());
      while (this.peek(',')) {
        this.at++;
        args.push(this.or());
      }
    }
    this.expect(')');
    const fn = name.toLowerCase();
    if (['success', 'always', 'cancelled', 'failure'].includes(fn)) {
      // What the run's jobs did is not known here; always() is.
      return fn === 'always' ? known(true) : UNKNOWN;
    }
    const all = args.every((a) => a.known);
    const text = (v: unknown) => (v === null || v === undefined ? '' : String(v)).toLowerCase();
    switch (fn) {
      case 'contains':
        if (!all || args.length !== 2) return UNKNOWN;
        if (Array.isArray(args[0].value)) return known((args[0].value as unknown[]).some((x) => equal(x, args[1].value)));
        return known(text(args[0].value).includes(text(args[1].value)));
      case 'startswith':
        return all && args.length === 2 ? known(text(args[0].value).startsWith(text(args[1].value))) : UNKNOWN;
      case 'endswith':
        return all && args.length === 2 ? known(text(args[0].value).endsWith(text(args[1].value))) : UNKNOWN;
      case 'format': case 'join': case 'tojson': case 'fromjson': case 'hashfiles':
        return UNKNOWN;
      default:
        throw new ExpressionSyntaxError(`unknown function '${name}'`);
    }
  }
}

/**
 * Whether a job with this `if:` can run on `event` (as `github.event_name` says). `undefined`
 * when the text is not an expression of the grammar (the caller decides what that means).
 * A job's `if:` without a status function is `success() && (<if>)`, by GitHub's rule; what
 * `success()` is depends on the jobs it needs, unknown here, so it changes no "definitely not".
 */
export function canRunOn(condition: string | undefined, event: string): boolean | undefined {
  if (condition === undefined || condition.trim() === '') return true;
  const text = condition.trim().replace(/^\$\{\{([\s\S]*)\}\}$/, '$1');
  let result: Value;
  try {
    result = new Parser(tokenize(text), (path) => {
      const [head, ...rest] = path.map((p) => p.toLowerCase());
      return head === 'github' && rest.length === 1 && rest[0] === 'event_name' ? known(event) : UNKNOWN;
    }).parse();
  } catch (e) {
    if (e instanceof ExpressionSyntaxError) return undefined;
    throw e;
  }
  return !result.known || truthy(result.value);
}
