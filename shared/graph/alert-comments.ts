// Write-back for Defender XDR through the Graph security API: a comment on the alert
// (POST /security/alerts_v2/{id}/comments, SecurityAlert.ReadWrite.All) or on the incident
// (POST /security/incidents/{id}/comments, SecurityIncident.ReadWrite.All). Graph comments carry no id of
// ours, so before posting, the record's comments are read and a comment ending in the same tag line means
// an earlier attempt posted it (its answer was lost): nothing is sent twice.
import { Client, ResponseType } from '@microsoft/microsoft-graph-client';
import type { AlertOrigin } from '../alerts/types';
import { field, list, text } from '../alerts/json';
import type { CommentReceipt, SourceComments } from '../runbook/ports';
import { graphErrorFromException, graphErrorFromResponse, requestIdOf } from './errors';

/** Graph shows long comments, but a comment pane is for reading: the rest is in the console. */
const MAX_COMMENT_CHARS = 4_000;

export class DefenderComments implements SourceComments {
  readonly name = 'Microsoft Defender XDR';
  readonly permission = 'SecurityAlert.ReadWrite.All (alert comments) or SecurityIncident.ReadWrite.All (incident comments)';

  constructor(private readonly client: Client) {}

  /** The alert the payload was, else the Defender incident it belongs to (a Sentinel copy included). */
  target(origin: AlertOrigin | undefined): string | undefined {
    if (origin?.defenderAlert !== undefined) return `/security/alerts_v2/${encodeURIComponent(origin.defenderAlert)}`;
    if (origin?.defenderIncident !== undefined) return `/security/incidents/${encodeURIComponent(origin.defenderIncident)}`;
    return undefined;
  }

  async comment(target: string, _commentId: string, message: string): Promise<CommentReceipt> {
    const tag = message.slice(message.lastIndexOf('\n') + 1);
    const existing = await this.read(`${target}?$select=id,comments`);
    const posted = list(field(existing, 'comments')).some((c) => text(field(c, 'comment'))?.includes(tag) === true);
    if (posted) return { status: 200, alreadyPresent: true };
    const body = message.length <= MAX_COMMENT_CHARS ? message : `${message.slice(0, MAX_COMMENT_CHARS - tag.length - 2)}…\n${tag}`;
    let response: Response;
    try {
      response = (await this.client
        .api(`${target}/comments`)
        .responseType(ResponseType.RAW)
        .post({ '@odata.type': 'microsoft.graph.security.alertComment', comment: body })) as Response;
    } catch (error) {
      throw graphErrorFromException(error);
    }
    if (response.status >= 200 && response.status < 300) {
      await response.arrayBuffer().catch(() => undefined);
      return { status: response.status, requestId: requestIdOf(response) };
    }
    throw await graphErrorFromResponse(response);
  }

  private async read(path: string): Promise<unknown> {
    let response: Response;
    try {
      response = (await this.client.api(path).responseType(ResponseType.RAW).get()) as Response;
    } catch (error) {
      throw graphErrorFromException(error);
    }
    if (response.status >= 200 && response.status < 300) return response.json();
    throw await graphErrorFromResponse(response);
  }
}
