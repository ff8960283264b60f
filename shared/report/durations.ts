// The spans a post-mortem quotes (alert -> receipt -> T0 -> T1 -> T2 -> T3), written as people say them:
// milliseconds under a second, seconds under a minute, then minutes, hours and days. A span with an end
// that is not known, or that runs backwards (clocks of two systems), is said as such, never invented.
import type { ReportDuration } from './types';

/** "190 ms", "4.2 s", "12 min 5 s", "3 h 0 min", "2 d 4 h". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'not known';
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  if (abs < 1_000) return `${sign}${Math.round(abs)} ms`;
  if (abs < 60_000) return `${sign}${(Math.floor(abs / 100) / 10).toFixed(1)} s`;
  const seconds = Math.floor(abs / 1_000);
  if (seconds < 3_600) return `${sign}${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 24 * 60) return `${sign}${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  const hours = Math.floor(minutes / 60);
  return `${sign}${Math.floor(hours / 24)} d ${hours % 24} h`;
}

function parse(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The span between two recorded times; "not known" when either is missing. */
export function span(name: ReportDuration['name'], label: string, from: string | undefined, to: string | undefined): ReportDuration {
  const start = parse(from);
  const end = parse(to);
  if (start === undefined || end === undefined) return { name, label, from, to, text: 'not known' };
  const ms = end - start;
  const text = ms < 0 ? `${formatDuration(ms)} (the end is recorded before the start: the two clocks disagree)` : formatDuration(ms);
  return { name, label, from, to, ms, text };
}
