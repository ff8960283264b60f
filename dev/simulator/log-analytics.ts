// A Log Analytics stand-in (`POST /v1/workspaces/{id}/query`, served over HTTPS as the SDK requires): the
// Sentinel tables of the seeded tenant (hunting-tables.ts). Each query is parsed by Microsoft's Kusto
// analyzer against the tables' schemas and evaluated (dev/kusto/evaluate.ts); a query that does not parse,
// or uses an operator the evaluator does not know, gets Log Analytics' 400 error shape, never a guess.
import { analyzeKusto } from '../kusto/parser';
import { KustoEvaluator, outputValue, UnsupportedQuery, type Table } from '../kusto/evaluate';
import { DEFENDER_TABLES, LOG_ANALYTICS_TABLES } from '../kusto/schemas';
import { GraphHttpError } from './errors';
import { defenderTables, logAnalyticsTables } from './hunting-tables';
import { isRecord } from './json';
import type { SimulatedTenant } from './tenant';

function refuse(message: string): GraphHttpError {
  return new GraphHttpError(400, 'BadArgumentError', message);
}

/** Runs one query over the tenant's tables for a workspace kind; errors become 400s. */
export function runKusto(tenant: SimulatedTenant, query: string, workspace: 'log-analytics' | 'defender', now: () => Date): Table {
  const analyzed = analyzeKusto(query, workspace === 'defender' ? DEFENDER_TABLES : LOG_ANALYTICS_TABLES);
  if (analyzed.errors.length > 0) {
    const first = analyzed.errors[0];
    throw refuse(`Query could not be parsed at position ${first.start}: ${first.code} ${first.message}`);
  }
  try {
    return new KustoEvaluator(workspace === 'defender' ? defenderTables(tenant) : logAnalyticsTables(tenant), () => now().getTime()).run(
      analyzed.syntax,
    );
  } catch (error) {
    if (error instanceof UnsupportedQuery) throw refuse(`The simulator's stand-in cannot evaluate this query: ${error.message}`);
    throw error;
  }
}

const LA_TYPES: Readonly<Record<string, string>> = {
  int: 'int',
  long: 'long',
  real: 'real',
  bool: 'bool',
  datetime: 'datetime',
  dynamic: 'dynamic',
  string: 'string',
};

export function answerLogAnalyticsQuery(tenant: SimulatedTenant, body: unknown, now: () => Date): object {
  if (!isRecord(body) || typeof body.query !== 'string') throw refuse('The request body must be {"query": "<KQL>", "timespan": "..."}.');
  if (typeof body.timespan !== 'string' || body.timespan === '') throw refuse('A timespan is required.');
  const table = runKusto(tenant, body.query, 'log-analytics', now);
  return {
    tables: [
      {
        name: 'PrimaryResult',
        columns: table.columns.map(([name, type]) => ({ name, type: LA_TYPES[type] ?? 'string' })),
        // The Query API sends dynamic values as JSON text.
        rows: table.rows.map((row) =>
          table.columns.map(([name, type]) =>
            type === 'dynamic' && row[name] !== null ? JSON.stringify(outputValue(row[name])) : outputValue(row[name]),
          ),
        ),
      },
    ],
  };
}

/** Log Analytics' error body: {"error": {"message", "code", "correlationId"}}. */
export function logAnalyticsErrorBody(error: GraphHttpError, correlationId: string): object {
  return { error: { message: error.message, code: error.code, correlationId } };
}
