// KQL literals built safely: whatever a value holds, it stays one string or datetime literal.

/** A KQL string literal. Single-quoted with backslash escapes, so quotes, backslashes and newlines stay data. */
export function kqlString(value: string): string {
  const escaped = value
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "\\'")
    .replace(/\r/g, '\\r')
    .replace(/\n/g, '\\n')
    .replace(/[\u0000-\u001f\u007f]/g, ' ');
  return `'${escaped}'`;
}

/** A KQL datetime literal from an ISO time; anything unparseable is refused rather than interpolated. */
export function kqlDatetime(iso: string): string {
  // Date.parse is lenient with odd strings; only an ISO 8601 date-time is a time here.
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$/.test(iso) ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(ms)) throw new RangeError(`not a time: ${iso.slice(0, 40)}`);
  return `datetime(${new Date(ms).toISOString()})`;
}
