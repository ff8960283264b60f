// Reads back what a query's literals hold, through Microsoft's Kusto parser: the proof that a hostile value
// stayed one literal is that the parsed query has exactly the expected literals and pipes.
import { analyzeKusto, type KustoNode } from '../../dev/kusto/parser';
import { unquoteKusto } from '../../dev/kusto/evaluate';
import type { TableSchema } from '../../dev/kusto/schemas';

function collect(node: KustoNode, kind: string, out: KustoNode[]): KustoNode[] {
  if (node.kind === kind) out.push(node);
  node.children.forEach((c) => collect(c, kind, out));
  return out;
}

function text(node: KustoNode): string {
  return node.kind === 'Token' ? (node.text ?? '') : node.children.map(text).join('');
}

export function parsedQuery(query: string, tables: Readonly<Record<string, TableSchema>>) {
  const analyzed = analyzeKusto(query, tables);
  return {
    errors: analyzed.errors,
    strings: collect(analyzed.syntax, 'LiteralExpression', [])
      .map(text)
      .filter((t) => /^['"]/.test(t))
      .map(unquoteKusto),
    pipes: collect(analyzed.syntax, 'PipeExpression', []).length,
  };
}
