// The blast-radius limiter over Table Storage: one counter row per fixed window, incremented with ETag
// optimistic concurrency so the limit holds across any number of function instances.
import { RestError, TableClient } from '@azure/data-tables';
import type { BlastRadiusLimiter, BlastRadiusSlot } from '../runbook/ports';

export const LIMITS_TABLE = 'Limits';
const PARTITION = 'blast-radius';
/** Enough for a hundred concurrent instances to get an answer; past it we fail closed. */
const MAX_ATTEMPTS = 200;

function statusOf(error: unknown): number | undefined {
  return error instanceof RestError ? error.statusCode : undefined;
}

export class TableBlastRadiusLimiter implements BlastRadiusLimiter {
  private ready?: Promise<void>;

  constructor(
    private readonly client: TableClient,
    readonly max: number,
    readonly windowMinutes: number,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  windowOf(at: Date): string {
    const windowMs = this.windowMinutes * 60_000;
    return new Date(Math.floor(at.getTime() / windowMs) * windowMs).toISOString();
  }

  private ensureTable(): Promise<void> {
    this.ready ??= this.client.createTable().then(
      () => undefined,
      (error: unknown) => {
        if (statusOf(error) === 409) return;
        this.ready = undefined;
        throw error;
      },
    );
    return this.ready;
  }

  async acquire(at: Date): Promise<BlastRadiusSlot> {
    const window = this.windowOf(at);
    await this.ensureTable();
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.read(window);
      if (current === undefined) {
        if (await this.tryCreate(window)) return { granted: true, window, count: 1, max: this.max };
      } else if (current.count >= this.max) {
        return { granted: false, window, count: current.count, max: this.max };
      } else if (await this.tryWrite(window, current.count + 1, current.etag)) {
        return { granted: true, window, count: current.count + 1, max: this.max };
      }
      // Lost a race with another instance: back off a little, randomly, and read again.
      await this.sleep(Math.random() * Math.min(50, 2 + attempt * 2));
    }
    throw new Error(`blast-radius counter for ${window} stayed contended for ${MAX_ATTEMPTS} attempts`);
  }

  async release(window: string): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.read(window);
      if (current === undefined || current.count === 0) return;
      if (await this.tryWrite(window, current.count - 1, current.etag)) return;
      await this.sleep(Math.random() * Math.min(50, 2 + attempt * 2));
    }
  }

  private async read(window: string): Promise<{ count: number; etag: string } | undefined> {
    try {
      const entity = await this.client.getEntity<{ count: number }>(PARTITION, window);
      return { count: Number(entity.count) || 0, etag: entity.etag };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  private async tryCreate(window: string): Promise<boolean> {
    try {
      await this.client.createEntity({ partitionKey: PARTITION, rowKey: window, count: 1 });
      return true;
    } catch (error) {
      if (statusOf(error) === 409) return false;
      throw error;
    }
  }

  private async tryWrite(window: string, count: number, etag: string): Promise<boolean> {
    try {
      await this.client.updateEntity({ partitionKey: PARTITION, rowKey: window, count }, 'Replace', { etag });
      return true;
    } catch (error) {
      if (statusOf(error) === 412) return false;
      throw error;
    }
  }
}
