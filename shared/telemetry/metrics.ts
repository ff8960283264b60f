// Custom metrics in Application Insights through OpenTelemetry (@azure/monitor-opentelemetry, with
// @opentelemetry/api's meter): `aitm.time_to_contain` (histogram, seconds) and `aitm.incidents` (counter),
// for the workbook queries in the README. Only when APPLICATIONINSIGHTS_CONNECTION_STRING is set, and even
// then the SDK is loaded lazily, after the first containment's answer is on its way: loading it costs far
// more than a containment (hundreds of ms on a quiet machine), and a cold start must not pay for it.
// Recording never throws and never waits; samples taken while the SDK loads are recorded once it has.
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import type { HttpClient, PipelineRequest } from '@azure/core-rest-pipeline';
import type { Counter, Histogram, MeterProvider } from '@opentelemetry/api';
import { containmentSample, METRIC_NAMES, type ContainmentSample } from '../runbook/containment-metrics';
import type { Incident } from '../runbook/incident';
import type { IncidentMetrics } from '../runbook/ports';

export interface ApplicationInsightsSettings {
  connectionString: string;
  /** PEM CA trusted for a loopback ingestion endpoint only (the local simulator's HTTPS stand-in). */
  caFile?: string;
  /** Where a failure to load or start the SDK is said; default console.error. */
  log?: (line: string) => void;
}

/** Samples kept while the SDK loads; past this, the oldest are dropped (an alert storm on a cold instance). */
const MAX_PENDING = 1_000;

interface Instruments {
  timeToContain: Histogram;
  incidents: Counter;
  provider: MeterProvider;
}

/** When metrics are off: nothing is recorded, nothing is loaded. */
export const NO_METRICS: IncidentMetrics = { contained: () => undefined, flush: () => Promise.resolve() };

export class ApplicationInsightsMetrics implements IncidentMetrics {
  private instruments?: Instruments;
  private loading?: Promise<void>;
  private readonly pending: ContainmentSample[] = [];
  private readonly log: (line: string) => void;

  constructor(private readonly settings: ApplicationInsightsSettings) {
    this.log = settings.log ?? ((line) => console.error(line));
  }

  contained(incident: Incident): void {
    const sample = containmentSample(incident);
    if (this.instruments) return this.record(this.instruments, sample);
    if (this.pending.length >= MAX_PENDING) this.pending.shift();
    this.pending.push(sample);
    // setImmediate: the invocation that recorded this answers first; then the SDK loads.
    this.loading ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.start());
  }

  async flush(): Promise<void> {
    await this.loading;
    const provider: unknown = this.instruments?.provider;
    if (canFlush(provider)) await provider.forceFlush();
  }

  private async start(): Promise<void> {
    try {
      const [{ useAzureMonitor }, { metrics }] = await Promise.all([import('@azure/monitor-opentelemetry'), import('@opentelemetry/api')]);
      useAzureMonitor({
        azureMonitorExporterOptions: {
          connectionString: this.settings.connectionString,
          // No local spool of unsent telemetry: the incident timeline is the record, these are a chart.
          disableOfflineStorage: true,
          ...(this.settings.caFile ? { httpClient: await trustingClient(this.settings.caFile) } : {}),
        },
        // The Functions host already reports requests, dependencies and logs; this app adds its own metrics only.
        enableLiveMetrics: false,
        enableStandardMetrics: false,
        enablePerformanceCounters: false,
        instrumentationOptions: {
          http: { enabled: false },
          azureSdk: { enabled: false },
          mongoDb: { enabled: false },
          mySql: { enabled: false },
          postgreSql: { enabled: false },
          redis: { enabled: false },
          bunyan: { enabled: false },
          winston: { enabled: false },
          console: { enabled: false },
        },
      });
      const meter = metrics.getMeter('aitm-contain');
      const instruments: Instruments = {
        timeToContain: meter.createHistogram(METRIC_NAMES.timeToContain, {
          unit: 's',
          description: 'Time to contain (T0): from the alert being raised, and from its receipt',
        }),
        incidents: meter.createCounter(METRIC_NAMES.incidents, { description: 'Incidents whose containment finished, by outcome' }),
        provider: metrics.getMeterProvider(),
      };
      this.instruments = instruments;
      for (const sample of this.pending.splice(0)) this.record(instruments, sample);
    } catch (error) {
      this.pending.length = 0;
      this.log(
        JSON.stringify({
          event: 'metrics_unavailable',
          message: `Application Insights metrics could not start: ${error instanceof Error ? error.message.slice(0, 300) : 'unknown'}`,
        }),
      );
    }
  }

  private record(instruments: Instruments, sample: ContainmentSample): void {
    const dimensions = { source: sample.source, severity: sample.severity };
    if (sample.fromAlertSeconds !== undefined)
      instruments.timeToContain.record(sample.fromAlertSeconds, { ...dimensions, measured_from: 'alert' });
    if (sample.fromReceiptSeconds !== undefined)
      instruments.timeToContain.record(sample.fromReceiptSeconds, { ...dimensions, measured_from: 'receipt' });
    instruments.incidents.add(1, {
      ...dimensions,
      outcome: sample.outcome,
      mode: sample.mode,
      ...(sample.hold ? { hold: sample.hold } : {}),
    });
  }
}

/** The SDK's meter provider can export on demand; the API's type does not say so. */
function canFlush(value: unknown): value is { forceFlush(): Promise<void> } {
  return typeof value === 'object' && value !== null && typeof (value as { forceFlush?: unknown }).forceFlush === 'function';
}

/** The SDK refuses plain http, so the local stand-in is HTTPS with a certificate of its own: trust it, and nothing else changes. */
async function trustingClient(caFile: string): Promise<HttpClient> {
  const { createDefaultHttpClient } = await import('@azure/core-rest-pipeline');
  const inner = createDefaultHttpClient();
  const agent = new Agent({ ca: readFileSync(caFile), keepAlive: true });
  return {
    sendRequest: (request: PipelineRequest) => {
      request.agent = agent;
      return inner.sendRequest(request);
    },
  };
}
