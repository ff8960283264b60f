// DirectoryLookup over Graph: GET /users/{id}, where {id} is an object id or a UPN. 404 is an answer
// (nobody by that name), not a failure.
import type { Client } from '@microsoft/microsoft-graph-client';
import { field, text } from '../alerts/json';
import type { DirectoryLookup } from '../runbook/ports';
import { graphErrorFromException } from './errors';

export class GraphDirectoryLookup implements DirectoryLookup {
  constructor(private readonly client: Client) {}

  async findUser(id: string): Promise<{ objectId: string; upn: string } | undefined> {
    let user: unknown;
    try {
      user = (await this.client.api(`/users/${encodeURIComponent(id)}?$select=id,userPrincipalName`).get()) as unknown;
    } catch (error) {
      const graph = graphErrorFromException(error);
      if (graph.status === 404) return undefined;
      throw graph;
    }
    return { objectId: (text(field(user, 'id')) ?? id).toLowerCase(), upn: (text(field(user, 'userPrincipalName')) ?? '').toLowerCase() };
  }

  /** One cheap read that needs the app's ordinary permission (User.Read.All): is Graph answering? */
  async probe(): Promise<void> {
    try {
      await this.client.api('/users?$top=1&$select=id').get();
    } catch (error) {
      throw graphErrorFromException(error);
    }
  }
}
