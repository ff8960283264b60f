// Alert severity is a domain word (runbook: the minimum severity contained without a human), so it lives
// with the alerts; config only validates MIN_AUTO_CONTAIN_SEVERITY against it.

/** Lowest first: a severity's index is its rank. */
export const SEVERITIES = ['informational', 'low', 'medium', 'high'] as const;

export type Severity = (typeof SEVERITIES)[number];

export const SEVERITY_ORDER: readonly Severity[] = SEVERITIES;
