// Evaluates the KQL the project sends over in-memory tables, for the simulator's Log Analytics and
// Defender advanced hunting stand-ins. It walks the syntax tree Microsoft's analyzer produced (parser.ts)
// and knows only the operators the project uses: let, union (withsource, isfuzzy), where (==, !=, =~,
// <, <=, >, >=, and, or, in, has, has_any, ago(), tolower(), datetime - timespan), summarize (count,
// countif, min, max, make_set, dcount, take_any ... by columns), project, distinct, order by, take.
// Anything else throws UnsupportedQuery, which the stand-ins answer with the service's 400: they never
// guess what a query they cannot evaluate would have returned.
import type { KustoNode } from './parser';
import type { KustoType, TableSchema } from './schemas';

export class UnsupportedQuery extends Error {
  override readonly name = 'UnsupportedQuery';
}

/** A datetime value (ms since the epoch), kept apart from numbers so arithmetic and output know its type. */
export class KDate {
  constructor(readonly ms: number) {}
}

/** A timespan value in ms. */
export class KSpan {
  constructor(readonly ms: number) {}
}

export type Scalar = string | number | boolean | null | KDate | KSpan | unknown[] | Record<string, unknown>;

export interface Table {
  columns: Array<[string, KustoType]>;
  rows: Array<Record<string, Scalar>>;
}

/** Rows by table name; values as stored (datetimes as ISO strings are converted by the schema). */
export type TableSource = (name: string) => Table | undefined;

type Env = Map<string, Scalar | Table>;

function isTable(value: unknown): value is Table {
  return typeof value === 'object' && value !== null && 'columns' in value && 'rows' in value && Array.isArray((value as Table).rows);
}

function significant(node: KustoNode): KustoNode[] {
  return node.children.filter((c) => !(c.kind === 'Token' && c.text === ''));
}

function tokenText(node: KustoNode): string {
  if (node.kind === 'Token') return node.text ?? '';
  return significant(node).map(tokenText).join('');
}

function nameOf(node: KustoNode): string {
  // NameReference / NameDeclaration -> TokenName -> Token; bracketed names are not used by the project.
  const text = tokenText(node);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(text)) throw new UnsupportedQuery(`name ${text.slice(0, 40)} is not supported`);
  return text;
}

const UNITS: Readonly<Record<string, number>> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** A Kusto string literal: '...' or "..." with backslash escapes, or @'...' verbatim. */
export function unquoteKusto(text: string): string {
  if (/^@(['"])/.test(text)) return text.slice(2, -1).replace(/''|""/g, (q) => q[0]);
  const quote = text[0];
  if ((quote !== "'" && quote !== '"') || text.at(-1) !== quote)
    throw new UnsupportedQuery(`literal ${text.slice(0, 40)} is not supported`);
  const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", '"': '"' };
  return text.slice(1, -1).replace(/\\(.)/g, (_, ch: string) => escapes[ch] ?? ch);
}

function literal(text: string): Scalar {
  if (/^(['"]|@['"])/.test(text)) return unquoteKusto(text);
  if (/^-?\d+$/.test(text)) return Number(text);
  if (/^-?\d+\.\d+$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  const span = /^(\d+(?:\.\d+)?)(d|h|m|s|ms)$/.exec(text);
  if (span) return new KSpan(Number(span[1]) * UNITS[span[2]]);
  const dt = /^datetime\(([^)]+)\)$/.exec(text);
  if (dt) {
    const ms = Date.parse(dt[1].includes('T') || dt[1].length > 10 ? dt[1] : `${dt[1]}T00:00:00Z`);
    if (Number.isNaN(ms)) throw new UnsupportedQuery(`datetime ${dt[1]} is not readable`);
    return new KDate(ms);
  }
  throw new UnsupportedQuery(`literal ${text.slice(0, 40)} is not supported`);
}

/** A value as text for comparison: dynamic values as their JSON, null as empty. */
function textOf(v: Scalar): string {
  if (v === null) return '';
  if (v instanceof KDate || v instanceof KSpan) return String(v.ms);
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function compare(a: Scalar, b: Scalar): number {
  const x = a instanceof KDate || a instanceof KSpan ? a.ms : a;
  const y = b instanceof KDate || b instanceof KSpan ? b.ms : b;
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  return textOf(x).localeCompare(textOf(y));
}

function equal(a: Scalar, b: Scalar): boolean {
  if (a instanceof KDate || a instanceof KSpan || b instanceof KDate || b instanceof KSpan) return compare(a, b) === 0;
  // The engine compares a string column with a number literal by value; the project types its literals.
  return textOf(a) === textOf(b) && (a === null) === (b === null);
}

function asText(value: Scalar): string {
  if (value === null) return '';
  if (value instanceof KDate) return new Date(value.ms).toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** `has`: the term appears bounded by non-alphanumeric characters, case-insensitively. */
function has(haystack: Scalar, needle: Scalar): boolean {
  const h = asText(haystack).toLowerCase();
  const n = asText(needle).toLowerCase();
  if (n === '') return false;
  let at = h.indexOf(n);
  while (at >= 0) {
    const before = at === 0 ? '' : h[at - 1];
    const after = h[at + n.length] ?? '';
    if (!/[a-z0-9]/.test(before) && !/[a-z0-9]/.test(after)) return true;
    at = h.indexOf(n, at + 1);
  }
  return false;
}

function truthy(value: Scalar): boolean {
  return value === true;
}

export class KustoEvaluator {
  constructor(
    private readonly tables: TableSource,
    private readonly now: () => number,
  ) {}

  /** Runs a query block: its let statements, then its one expression statement. */
  run(syntax: KustoNode): Table {
    const env: Env = new Map();
    const statements = significant(syntax)
      .filter((c) => c.kind === 'List')
      .flatMap((c) => c.children);
    let result: Table | undefined;
    for (const statement of statements) {
      if (statement.kind === 'LetStatement') {
        const [, name, , value] = significant(statement);
        env.set(nameOf(name), this.isTabular(value, env) ? this.tabular(value, env) : this.scalar(value, {}, env));
      } else if (statement.kind === 'ExpressionStatement') {
        if (result) throw new UnsupportedQuery('only one query statement is supported');
        result = this.tabular(significant(statement)[0], env);
      } else {
        throw new UnsupportedQuery(`${statement.kind} is not supported`);
      }
    }
    if (!result) throw new UnsupportedQuery('the query has no tabular statement');
    return result;
  }

  private isTabular(node: KustoNode, env: Env): boolean {
    if (node.kind === 'PipeExpression' || node.kind === 'UnionOperator') return true;
    if (node.kind === 'NameReference') {
      const name = tokenText(node);
      return isTable(env.get(name)) || (!env.has(name) && this.tables(name) !== undefined);
    }
    return false;
  }

  private table(name: string, env: Env): Table {
    const bound = env.get(name);
    if (isTable(bound)) return bound;
    const table = this.tables(name);
    if (!table) throw new UnsupportedQuery(`table ${name} is not in this workspace`);
    return table;
  }

  private tabular(node: KustoNode, env: Env): Table {
    if (node.kind === 'NameReference') return this.table(nameOf(node), env);
    if (node.kind === 'ParenthesizedExpression') return this.tabular(significant(node)[1], env);
    if (node.kind === 'UnionOperator') return this.union(node, env);
    if (node.kind === 'PipeExpression') {
      const [left, , operator] = significant(node);
      return this.apply(this.tabular(left, env), operator, env);
    }
    throw new UnsupportedQuery(`${node.kind} is not supported as a table`);
  }

  private union(node: KustoNode, env: Env): Table {
    const [, parameters, tables] = significant(node);
    let source: string | undefined;
    for (const parameter of parameters.children) {
      const [name, , value] = significant(parameter);
      const key = nameOf(name);
      if (key === 'withsource') source = nameOf(value);
      else if (key !== 'isfuzzy') throw new UnsupportedQuery(`union ${key}= is not supported`);
    }
    const columns: Array<[string, KustoType]> = [];
    const rows: Array<Record<string, Scalar>> = [];
    for (const ref of tables.children) {
      const name = nameOf(ref);
      // isfuzzy: a table the workspace lacks is skipped, as the engine does.
      const table = env.has(name) ? this.table(name, env) : this.tables(name);
      if (!table) continue;
      for (const column of table.columns) if (!columns.some(([c]) => c === column[0])) columns.push(column);
      for (const row of table.rows) rows.push(source ? { ...row, [source]: name } : row);
    }
    if (source) columns.push([source, 'string']);
    return { columns, rows };
  }

  private apply(input: Table, operator: KustoNode, env: Env): Table {
    const parts = significant(operator);
    switch (operator.kind) {
      case 'FilterOperator': {
        const predicate = parts[parts.length - 1];
        return { columns: input.columns, rows: input.rows.filter((row) => truthy(this.scalar(predicate, row, env))) };
      }
      case 'ProjectOperator':
        return this.project(input, parts[1].children, env);
      case 'DistinctOperator': {
        const projected = this.project(input, parts[parts.length - 1].children, env);
        const seen = new Set<string>();
        return {
          columns: projected.columns,
          rows: projected.rows.filter((row) => !seen.has(JSON.stringify(row)) && seen.add(JSON.stringify(row)) !== undefined),
        };
      }
      case 'TakeOperator': {
        const count = this.scalar(parts[parts.length - 1], {}, env);
        if (typeof count !== 'number') throw new UnsupportedQuery('take needs a number');
        return { columns: input.columns, rows: input.rows.slice(0, count) };
      }
      case 'SortOperator':
        return this.sort(input, parts[parts.length - 1].children, env);
      case 'SummarizeOperator':
        return this.summarize(input, parts, env);
      default:
        throw new UnsupportedQuery(`operator ${operator.kind.replace(/Operator$/, '').toLowerCase()} is not supported`);
    }
  }

  private project(input: Table, items: KustoNode[], env: Env): Table {
    const outputs = items.map((item) => {
      if (item.kind === 'SimpleNamedExpression') {
        const [name, , expression] = significant(item);
        return { name: nameOf(name), expression };
      }
      if (item.kind === 'NameReference') return { name: nameOf(item), expression: item };
      throw new UnsupportedQuery(`project of ${item.kind} is not supported`);
    });
    const rows = input.rows.map((row) => Object.fromEntries(outputs.map((o) => [o.name, this.scalar(o.expression, row, env)])));
    const columns = outputs.map((o): [string, KustoType] => [
      o.name,
      input.columns.find(([c]) => c === o.name && o.expression.kind === 'NameReference')?.[1] ?? inferType(rows.map((r) => r[o.name])),
    ]);
    return { columns, rows };
  }

  private sort(input: Table, items: KustoNode[], env: Env): Table {
    const keys = items.map((item) => {
      const [expression, clause] = item.kind === 'OrderedExpression' ? significant(item) : [item, undefined];
      return { expression, desc: clause === undefined || tokenText(clause) !== 'asc' };
    });
    const rows = [...input.rows].sort((a, b) => {
      for (const key of keys) {
        const d = compare(this.scalar(key.expression, a, env), this.scalar(key.expression, b, env));
        if (d !== 0) return key.desc ? -d : d;
      }
      return 0;
    });
    return { columns: input.columns, rows };
  }

  private summarize(input: Table, parts: KustoNode[], env: Env): Table {
    const aggregates = parts[2].children.map((item, i) => {
      const [name, expression] =
        item.kind === 'SimpleNamedExpression' ? [nameOf(significant(item)[0]), significant(item)[2]] : [undefined, item];
      if (expression.kind !== 'FunctionCallExpression') throw new UnsupportedQuery('summarize needs aggregate functions');
      const [fn, args] = significant(expression);
      const fname = nameOf(fn).toLowerCase();
      return { name: name ?? `${fname}_${i === 0 ? '' : i}`.replace(/_$/, '_'), fn: fname, args: significant(args)[1]?.children ?? [] };
    });
    const by = parts[3] ? significant(parts[3])[1].children : [];
    const byNames = by.map((b) => {
      if (b.kind !== 'NameReference') throw new UnsupportedQuery('summarize by supports column names only');
      return nameOf(b);
    });
    const groups = new Map<string, Array<Record<string, Scalar>>>();
    for (const row of input.rows) {
      const key = JSON.stringify(byNames.map((n) => asText(row[n] ?? null)));
      groups.set(key, [...(groups.get(key) ?? []), row]);
    }
    if (byNames.length === 0 && groups.size === 0) groups.set('[]', []);
    const rows = [...groups.values()].map((members) => {
      const out: Record<string, Scalar> = {};
      for (const n of byNames) out[n] = members[0]?.[n] ?? null;
      for (const a of aggregates) out[a.name] = this.aggregate(a.fn, a.args, members, env);
      return out;
    });
    const columns: Array<[string, KustoType]> = [
      ...byNames.map((n): [string, KustoType] => [n, input.columns.find(([c]) => c === n)?.[1] ?? 'string']),
      ...aggregates.map((a): [string, KustoType] => [
        a.name,
        a.fn === 'make_set' ? 'dynamic' : a.fn.startsWith('count') || a.fn === 'dcount' ? 'long' : inferType(rows.map((r) => r[a.name])),
      ]),
    ];
    return { columns, rows };
  }

  private aggregate(fn: string, args: KustoNode[], rows: Array<Record<string, Scalar>>, env: Env): Scalar {
    const values = () => rows.map((row) => this.scalar(args[0], row, env));
    switch (fn) {
      case 'count':
        return rows.length;
      case 'countif':
        return rows.filter((row) => truthy(this.scalar(args[0], row, env))).length;
      case 'dcount':
        return new Set(values().map(asText)).size;
      case 'min':
      case 'max': {
        const present = values().filter((v) => v !== null && v !== '');
        if (present.length === 0) return null;
        return present.reduce((best, v) => ((fn === 'min' ? compare(v, best) < 0 : compare(v, best) > 0) ? v : best));
      }
      case 'take_any':
        return values()[0] ?? null;
      case 'make_set': {
        const limit = args[1] ? this.scalar(args[1], {}, env) : 1_048_576;
        const set: Scalar[] = [];
        for (const v of values()) if (v !== null && v !== '' && !set.some((s) => equal(s, v))) set.push(v);
        return set.slice(0, typeof limit === 'number' ? limit : undefined);
      }
      default:
        throw new UnsupportedQuery(`aggregate ${fn}() is not supported`);
    }
  }

  private list(node: KustoNode, row: Record<string, Scalar>, env: Env): Scalar[] {
    // ExpressionList -> "(" List ")": literals, a dynamic array, or a single-column table.
    const items = significant(node)[1]?.children ?? [];
    return items.flatMap((item): Scalar[] => {
      if (item.kind === 'NameReference' && isTable(env.get(tokenText(item)))) {
        const table = env.get(tokenText(item)) as Table;
        const column = table.columns[0]?.[0];
        return column === undefined ? [] : table.rows.map((r) => r[column]);
      }
      const value = this.scalar(item, row, env);
      return Array.isArray(value) ? (value as Scalar[]) : [value];
    });
  }

  scalar(node: KustoNode, row: Record<string, Scalar>, env: Env): Scalar {
    const parts = significant(node);
    switch (node.kind) {
      case 'LiteralExpression':
        return literal(tokenText(node));
      case 'ParenthesizedExpression':
        return this.scalar(parts[1], row, env);
      case 'NameReference': {
        const name = nameOf(node);
        if (name in row) return row[name];
        const bound = env.get(name);
        if (bound !== undefined && !isTable(bound)) return bound;
        throw new UnsupportedQuery(`name ${name} is not a column or scalar here`);
      }
      case 'DynamicExpression':
        return jsonValue(parts[2]);
      case 'InExpression': {
        const value = this.scalar(parts[0], row, env);
        const op = tokenText(parts[1]);
        const found = this.list(parts[2], row, env).some((v) =>
          op === 'in~' ? asText(v).toLowerCase() === asText(value).toLowerCase() : equal(v, value),
        );
        if (op === 'in' || op === 'in~') return found;
        if (op === '!in') return !found;
        throw new UnsupportedQuery(`${op} is not supported`);
      }
      case 'HasAnyExpression': {
        const value = this.scalar(parts[0], row, env);
        return this.list(parts[2], row, env).some((term) => has(value, term));
      }
      case 'FunctionCallExpression':
        return this.call(nameOf(parts[0]).toLowerCase(), significant(parts[1])[1]?.children ?? [], row, env);
      case 'BinaryExpression': {
        const op = tokenText(parts[1]);
        if (op === 'and') return truthy(this.scalar(parts[0], row, env)) && truthy(this.scalar(parts[2], row, env));
        if (op === 'or') return truthy(this.scalar(parts[0], row, env)) || truthy(this.scalar(parts[2], row, env));
        const a = this.scalar(parts[0], row, env);
        const b = this.scalar(parts[2], row, env);
        switch (op) {
          case '==':
            return equal(a, b);
          case '!=':
            return !equal(a, b);
          case '=~':
            return asText(a).toLowerCase() === asText(b).toLowerCase();
          case '!~':
            return asText(a).toLowerCase() !== asText(b).toLowerCase();
          case '<':
            return compare(a, b) < 0;
          case '<=':
            return compare(a, b) <= 0;
          case '>':
            return compare(a, b) > 0;
          case '>=':
            return compare(a, b) >= 0;
          case 'has':
            return has(a, b);
          case '!has':
            return !has(a, b);
          case '-':
            if (a instanceof KDate && b instanceof KSpan) return new KDate(a.ms - b.ms);
            break;
          case '+':
            if (a instanceof KDate && b instanceof KSpan) return new KDate(a.ms + b.ms);
            break;
        }
        throw new UnsupportedQuery(`operator ${op} is not supported for these operands`);
      }
      default:
        throw new UnsupportedQuery(`${node.kind} is not supported`);
    }
  }

  private call(fn: string, args: KustoNode[], row: Record<string, Scalar>, env: Env): Scalar {
    const arg = (i: number) => this.scalar(args[i], row, env);
    switch (fn) {
      case 'ago': {
        const span = arg(0);
        if (!(span instanceof KSpan)) throw new UnsupportedQuery('ago() needs a timespan');
        return new KDate(this.now() - span.ms);
      }
      case 'now':
        return new KDate(this.now());
      case 'tolower':
        return asText(arg(0)).toLowerCase();
      case 'toupper':
        return asText(arg(0)).toUpperCase();
      case 'tostring':
        return asText(arg(0));
      case 'isnotempty':
        return asText(arg(0)) !== '';
      case 'isempty':
        return asText(arg(0)) === '';
      default:
        throw new UnsupportedQuery(`function ${fn}() is not supported`);
    }
  }
}

/** A dynamic literal: arrays of literals (the only shape the project writes), or a single literal. */
function jsonValue(node: KustoNode): Scalar {
  if (node.kind === 'JsonArrayExpression') return (significant(node)[1]?.children ?? []).map(jsonValue);
  if (node.kind === 'LiteralExpression') return literal(tokenText(node));
  throw new UnsupportedQuery(`dynamic ${node.kind} is not supported`);
}

function inferType(values: readonly Scalar[]): KustoType {
  const sample = values.find((v) => v !== null);
  if (sample instanceof KDate) return 'datetime';
  if (typeof sample === 'number') return 'long';
  if (typeof sample === 'boolean') return 'bool';
  if (typeof sample === 'object' && sample !== null) return 'dynamic';
  return 'string';
}

/** Builds a table from plain rows, reading datetime columns (ISO strings) as datetimes. */
export function tableOf(schema: TableSchema, rows: ReadonlyArray<Readonly<Record<string, unknown>>>): Table {
  return {
    columns: schema.map(([name, type]): [string, KustoType] => [name, type]),
    rows: rows.map((row) =>
      Object.fromEntries(
        schema.map(([name, type]) => {
          const value = row[name];
          if (type === 'datetime' && typeof value === 'string') return [name, new KDate(Date.parse(value))];
          return [name, (value ?? null) as Scalar];
        }),
      ),
    ),
  };
}

/** A value as the services serialize it: datetimes as ISO strings, the rest as JSON. */
export function outputValue(value: Scalar): unknown {
  if (value instanceof KDate) return new Date(value.ms).toISOString();
  if (value instanceof KSpan) return `${Math.floor(value.ms / 86_400_000)}.${new Date(value.ms % 86_400_000).toISOString().slice(11, 19)}`;
  return value;
}
