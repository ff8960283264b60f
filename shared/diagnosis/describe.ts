// Small wording helpers so every reason reads the same way: "14 min", "3 h 5 min", "45 days".

export function minutesBetween(from: string, to: string): number {
  return (Date.parse(to) - Date.parse(from)) / 60_000;
}

/** A positive duration in words; under a minute reads "under a minute". */
export function duration(minutes: number): string {
  const m = Math.abs(minutes);
  if (m < 1) return 'under a minute';
  if (m < 60) return `${Math.round(m)} min`;
  if (m < 48 * 60) {
    const hours = Math.floor(m / 60);
    const rest = Math.round(m - hours * 60);
    return rest === 0 || rest === 60 ? `${rest === 60 ? hours + 1 : hours} h` : `${hours} h ${rest} min`;
  }
  return `${Math.round(m / 1440)} days`;
}

/** "2026-03-14 09:00 UTC": what a person scanning a summary reads. */
export function shortTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** "a, b and c". */
export function joinAnd(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export function quote(value: string): string {
  return `"${value.replace(/[\u0000-\u001f\u007f]/g, ' ')}"`;
}
