// Microsoft's Kusto analyzer (@kusto/language-service-next, the Bridge.NET build of Kusto.Language),
// loaded lazily: it is ~30 MB and takes a second to load, so only tests and the simulator use it, never the
// function app. It answers two things: the diagnostics of a query against declared table schemas, and a
// plain syntax tree the simulator's stand-ins evaluate.
import type { TableSchema } from './schemas';

/** A syntax node with the Kusto class name (`FilterOperator`, `BinaryExpression`), or a token with its text. */
export interface KustoNode {
  kind: string;
  text?: string;
  children: KustoNode[];
}

export interface KustoDiagnostic {
  code: string;
  severity: string;
  message: string;
  start: number;
}

export interface AnalyzedQuery {
  errors: KustoDiagnostic[];
  syntax: KustoNode;
}

interface BridgeNode {
  ChildCount: number;
  GetChild(i: number): BridgeNode | null;
  Text?: string;
  constructor: { $$name?: string };
}

interface BridgeDiagnostics {
  Count: number;
  getItem(i: number): { Severity: string; Code: string; Message: string; Start: number };
}

interface KustoLanguage {
  Symbols: {
    TableSymbol: { $ctor7: new (name: string, schema: string, description: null) => unknown };
    DatabaseSymbol: { $ctor1: new (name: string, tables: unknown[], isOpen: boolean) => unknown };
  };
  GlobalState: { Default: { WithDatabase(db: unknown): unknown } };
  KustoCode: { ParseAndAnalyze(text: string, globals: unknown): { Syntax: BridgeNode; GetDiagnostics(): BridgeDiagnostics } };
}

let language: KustoLanguage | undefined;

function load(): KustoLanguage {
  if (language) return language;
  const host = globalThis as unknown as { Bridge?: unknown; Kusto?: { Language: KustoLanguage } };
  // The Bridge.NET runtime expects itself as a global before Kusto.Language loads.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  host.Bridge = require('@kusto/language-service-next/bridge.js') as unknown;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('@kusto/language-service-next/Kusto.Language.Bridge.js');
  if (!host.Kusto) throw new Error('@kusto/language-service-next did not load');
  language = host.Kusto.Language;
  return language;
}

/**
 * Loads the analyzer and builds its global state now (together they block the event loop for seconds),
 * before requests are waiting on it.
 */
export function warmUpKusto(): void {
  const K = load();
  K.KustoCode.ParseAndAnalyze(
    'print x = ago(1d)',
    K.GlobalState.Default.WithDatabase(new K.Symbols.DatabaseSymbol.$ctor1('db', [], false)),
  );
}

const globalsCache = new Map<Readonly<Record<string, TableSchema>>, unknown>();

function globalsFor(tables: Readonly<Record<string, TableSchema>>): unknown {
  const cached = globalsCache.get(tables);
  if (cached) return cached;
  const K = load();
  const symbols = Object.entries(tables).map(
    ([name, columns]) => new K.Symbols.TableSymbol.$ctor7(name, `(${columns.map(([c, t]) => `${c}:${t}`).join(', ')})`, null),
  );
  const globals = K.GlobalState.Default.WithDatabase(new K.Symbols.DatabaseSymbol.$ctor1('db', symbols, false));
  globalsCache.set(tables, globals);
  return globals;
}

function convert(node: BridgeNode): KustoNode {
  const name = (node.constructor.$$name ?? '').replace(/^Kusto\.Language\.Syntax\./, '');
  if (name.startsWith('SyntaxToken')) return { kind: 'Token', text: node.Text ?? '', children: [] };
  const children: KustoNode[] = [];
  for (let i = 0; i < node.ChildCount; i++) {
    const child = node.GetChild(i);
    if (child) children.push(convert(child));
  }
  // Lists and separated elements carry no meaning of their own: keep their elements, drop separators.
  if (name.startsWith('SyntaxList') || name.startsWith('SeparatedElement')) {
    return {
      kind: 'List',
      children: children.flatMap((c) =>
        c.kind === 'List' ? c.children : c.kind === 'Token' && (c.text === ',' || c.text === ';') ? [] : [c],
      ),
    };
  }
  return { kind: name.replace(/\$.*$/, ''), children };
}

/** Parses and analyzes a query against the given tables; errors are the analyzer's error diagnostics. */
export function analyzeKusto(query: string, tables: Readonly<Record<string, TableSchema>>): AnalyzedQuery {
  const code = load().KustoCode.ParseAndAnalyze(query, globalsFor(tables));
  const diagnostics = code.GetDiagnostics();
  const errors: KustoDiagnostic[] = [];
  for (let i = 0; i < diagnostics.Count; i++) {
    const d = diagnostics.getItem(i);
    if (d.Severity === 'Error') errors.push({ code: d.Code, severity: d.Severity, message: d.Message, start: d.Start });
  }
  return { errors, syntax: convert(code.Syntax) };
}
