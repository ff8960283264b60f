// Runs a Defender XDR advanced hunting query through Microsoft Graph (`POST /security/runHuntingQuery`,
// ThreatHunting.Read.All), over the app's Graph client so retries and throttling are handled as for every
// other Graph read: one KQL query in, rows as objects out. Failures are our UpstreamError (service 'graph').
import type { Client } from '@microsoft/microsoft-graph-client';
import { field, isObject, list } from '../alerts/json';
import { graphErrorFromException } from '../graph/errors';
import type { Row } from './log-analytics';

export const RUN_HUNTING_QUERY_PATH = '/security/runHuntingQuery';

export class DefenderHunting {
  constructor(private readonly client: Client) {}

  /** The `results` rows of a huntingQueryResults ({"schema": [...], "results": [{...}]}). */
  async query(kql: string): Promise<Row[]> {
    let body: unknown;
    try {
      body = (await this.client.api(RUN_HUNTING_QUERY_PATH).post({ Query: kql })) as unknown;
    } catch (error) {
      throw graphErrorFromException(error);
    }
    return list(field(body, 'results')).filter(isObject);
  }
}
