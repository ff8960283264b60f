// Blast-radius grants as the storage holds them: one `slot` row per slot granted (shared/store/table-blast-radius.ts).
// In a run shorter than the window no slot is granted twice, so the rows count the grants.
import { TableClient } from '@azure/data-tables';

export async function slotsTaken(connectionString: string): Promise<number> {
  const client = TableClient.fromConnectionString(connectionString, 'Limits', { allowInsecureConnection: true });
  let taken = 0;
  try {
    for await (const row of client.listEntities<{ kind?: string }>()) if (row.kind === 'slot') taken++;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return 0;
    throw error;
  }
  return taken;
}
