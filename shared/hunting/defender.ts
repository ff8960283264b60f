// Runs a Defender XDR advanced hunting query through Microsoft Graph (`POST /security/runHuntingQuery`,
// ThreatHunting.Read.All), over the app's Graph client so retries and throttling are handled as for every
// other Graph read: one KQL query in, rows as objects out. Failures are our UpstreamError (service 'graph').
// One limiter per process paces the calls (diagnosis and the hunt share it): Graph documents no quota of
// its own for runHuntingQuery, so the advanced hunting API's 45 calls per minute per tenant is kept.
import type { Client } from '@microsoft/microsoft-graph-client';
import { field, isObject, list } from '../alerts/json';
import { SlidingWindowLimiter, type RateLimiter } from '../diagnosis/rate-limiter';
import { graphErrorFromException } from '../graph/errors';
import type { Row } from './log-analytics';

export const RUN_HUNTING_QUERY_PATH = '/security/runHuntingQuery';

export const HUNTING_QUERIES_PER_MINUTE = 45;

export class DefenderHunting {
  constructor(
    private readonly client: Client,
    private readonly limiter: RateLimiter = new SlidingWindowLimiter({ max: HUNTING_QUERIES_PER_MINUTE, windowMs: 60_000 }),
  ) {}

  /** The `results` rows of a huntingQueryResults ({"schema": [...], "results": [{...}]}). */
  async query(kql: string): Promise<Row[]> {
    await this.limiter.acquire();
    let body: unknown;
    try {
      body = (await this.client.api(RUN_HUNTING_QUERY_PATH).post({ Query: kql })) as unknown;
    } catch (error) {
      throw graphErrorFromException(error);
    }
    return list(field(body, 'results')).filter(isObject);
  }
}
