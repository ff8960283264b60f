// A deliberately tiny OData `$filter` evaluator: comparisons with eq/ge/le joined by `and`, over fields a
// collection declares. Anything else is rejected, so callers learn early that Graph would not accept it.

export type FilterOperator = 'eq' | 'ge' | 'le';

export type FilterLiteral = { type: 'string'; value: string } | { type: 'dateTime'; value: number };

export interface FilterClause {
  field: string;
  operator: FilterOperator;
  literal: FilterLiteral;
}

export interface FilterField<T> {
  type: FilterLiteral['type'];
  operators: readonly FilterOperator[];
  get(item: T): string;
}

/** Field names are matched case-insensitively, as Graph does. */
export type FilterFields<T> = Readonly<Record<string, FilterField<T>>>;

export class FilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FilterError';
  }
}

const OPERATOR_KINDS: Record<FilterOperator, string> = { eq: 'Equal', ge: 'GreaterThanOrEqual', le: 'LessThanOrEqual' };
const EDM_TYPES: Record<FilterLiteral['type'], string> = { string: 'Edm.String', dateTime: 'Edm.DateTimeOffset' };
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_/]*/;

/** Splits on top-level ` and `, leaving quoted strings and parenthesised groups whole. */
export function splitConjunction(filter: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < filter.length; i++) {
    const c = filter[i];
    if (c === "'") quoted = !quoted;
    else if (quoted) continue;
    else if (c === '(') depth++;
    else if (c === ')' && --depth < 0) throw new FilterError('unbalanced parentheses');
    else if (depth === 0 && /\s/.test(c)) {
      const and = /^\s+and(\s+|$)/i.exec(filter.slice(i));
      if (!and) continue;
      parts.push(filter.slice(start, i));
      i += and[0].length - 1;
      start = i + 1;
    }
  }
  if (quoted) throw new FilterError('unterminated string literal');
  if (depth !== 0) throw new FilterError('unbalanced parentheses');
  parts.push(filter.slice(start));
  return parts.map((p) => p.trim());
}

/** The leading property path of a clause, e.g. `targetResources/any` for a lambda clause. */
export function clauseField(clause: string): string {
  return IDENTIFIER.exec(clause.trim())?.[0] ?? '';
}

export function parseClause(text: string): FilterClause {
  const clause = text.trim();
  if (!clause) throw new FilterError("empty clause, e.g. a dangling 'and'");
  const field = clauseField(clause);
  if (!field) throw new FilterError(`syntax error at '${clause}'`);
  const rest = clause.slice(field.length);
  const op = /^\s+(eq|ge|le)\s+/i.exec(rest);
  if (!op) throw new FilterError(`expected eq, ge or le after '${field}'`);
  const operator = op[1].toLowerCase() as FilterOperator;
  return { field, operator, literal: parseLiteral(rest.slice(op[0].length).trim()) };
}

function parseLiteral(text: string): FilterLiteral {
  if (text.startsWith("'")) {
    if (text.length < 2 || !text.endsWith("'")) throw new FilterError(`unterminated string literal ${text}`);
    const body = text.slice(1, -1);
    if (body.replace(/''/g, '').includes("'")) throw new FilterError(`unexpected text after string literal in ${text}`);
    return { type: 'string', value: body.replace(/''/g, "'") };
  }
  if (DATE_TIME.test(text)) {
    const value = Date.parse(text);
    if (!Number.isNaN(value)) return { type: 'dateTime', value };
  }
  throw new FilterError(`unsupported literal '${text}'`);
}

export function parseFilter(filter: string): FilterClause[] {
  if (!filter.trim()) throw new FilterError('empty $filter');
  return splitConjunction(filter).map(parseClause);
}

/** Compiles a filter into a predicate; throws FilterError for anything the collection does not support. */
export function compileFilter<T>(filter: string, fields: FilterFields<T>): (item: T) => boolean {
  const byName = new Map(Object.entries(fields).map(([name, f]) => [name.toLowerCase(), f]));
  const tests = parseFilter(filter).map((clause) => {
    const field = byName.get(clause.field.toLowerCase());
    if (!field) throw new FilterError(`filtering on '${clause.field}' is not supported`);
    if (!field.operators.includes(clause.operator)) {
      throw new FilterError(`operator '${clause.operator}' is not supported on '${clause.field}'`);
    }
    if (field.type !== clause.literal.type) {
      throw new FilterError(
        `A binary operator with incompatible types was detected. Found operand types '${EDM_TYPES[field.type]}' and '${EDM_TYPES[clause.literal.type]}' for operator kind '${OPERATOR_KINDS[clause.operator]}'.`,
      );
    }
    return predicate(field, clause.operator, clause.literal);
  });
  return (item) => tests.every((test) => test(item));
}

function predicate<T>(field: FilterField<T>, operator: FilterOperator, literal: FilterLiteral): (item: T) => boolean {
  const order = (item: T): number => {
    if (literal.type === 'dateTime') return Date.parse(field.get(item)) - literal.value;
    const actual = field.get(item).toLowerCase();
    const wanted = literal.value.toLowerCase();
    return actual === wanted ? 0 : actual < wanted ? -1 : 1;
  };
  if (operator === 'eq') return (item) => order(item) === 0;
  if (operator === 'ge') return (item) => order(item) >= 0;
  return (item) => order(item) <= 0;
}
