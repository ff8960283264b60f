// Follows @odata.nextLink through every page of a Graph collection. graph-client v3 only strips the
// host from https:// URLs, so an absolute nextLink is turned back into a path under our own base URL;
// that works for real Graph and for the loopback simulator alike.
import { Client } from '@microsoft/microsoft-graph-client';
import { field, list, text } from '../alerts/json';
import { GRAPH_VERSION } from './client';
import { graphErrorFromException } from './errors';

export function nextLinkPath(nextLink: string, baseUrl: string): string {
  const url = new URL(nextLink);
  const base = new URL(baseUrl);
  if (url.origin !== base.origin) throw new Error(`refusing to follow a nextLink to another host: ${url.origin}`);
  const versionPrefix = `/${GRAPH_VERSION}/`;
  const pathname = url.pathname.startsWith(versionPrefix) ? url.pathname.slice(versionPrefix.length - 1) : url.pathname;
  return `${pathname}${url.search}`;
}

export interface PageLimits {
  /** Stop after this many items; the result says it was truncated. */
  maxItems?: number;
  /** Awaited before each page is requested, e.g. a rate limiter's turn. */
  beforePage?: () => Promise<unknown>;
}

export interface Collection<T> {
  items: T[];
  truncated: boolean;
}

export async function listAll(client: Client, baseUrl: string, firstPath: string, limits: PageLimits = {}): Promise<Collection<unknown>> {
  const items: unknown[] = [];
  const maxItems = limits.maxItems ?? 10_000;
  let next: string | undefined = firstPath;
  try {
    while (next !== undefined) {
      await limits.beforePage?.();
      const page: unknown = await client.api(next).get();
      items.push(...list(field(page, 'value')));
      if (items.length >= maxItems) {
        return { items: items.slice(0, maxItems), truncated: true };
      }
      const link = text(field(page, '@odata.nextLink'));
      next = link === undefined ? undefined : nextLinkPath(link, baseUrl);
    }
  } catch (error) {
    throw graphErrorFromException(error);
  }
  return { items, truncated: false };
}
