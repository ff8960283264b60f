// The incident states, alone and free of imports: the incident record (./incident.ts) and the browser
// console (console/src, bundled without Node types) both read this one list, so neither keeps a copy.
export const INCIDENT_STATES = [
  'containing',
  'contained',
  'partially_contained',
  'skipped_protected',
  'awaiting_approval',
  'failed',
  'diagnosed',
  'eradicating',
  'eradicated',
  'recovered',
  'closed',
] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];
