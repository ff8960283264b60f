// Runbook 5.4, "update detections": the indicators this incident taught us (IPs, ASNs, user agents,
// forwarding addresses, consented apps) and ready KQL for Sentinel and Defender XDR advanced hunting
// that finds them again. Every value enters a query as a KQL string literal (kqlString), so an attacker's
// user agent stays data; the queries are checked against the tables' schemas by the Kusto analyzer in
// the tests (dev/kusto).
import { kqlString } from '../hunting/kql';
import type { ReportDetections, ReportKql } from './types';

type Iocs = ReportDetections['iocs'];

function list(values: readonly string[]): string {
  return `dynamic([${values.map(kqlString).join(', ')}])`;
}

/** The queries for the indicators there are; a kind with none gets no query. */
export function detectionQueries(iocs: Iocs, newAsns: readonly number[]): ReportKql[] {
  const queries: ReportKql[] = [];
  const appIds = iocs.apps.flatMap((app) => (app.appId ? [app.appId] : []));
  const servicePrincipals = iocs.apps.flatMap((app) => (app.servicePrincipalId ? [app.servicePrincipalId] : []));
  if (iocs.ips.length > 0 || iocs.userAgents.length > 0 || appIds.length > 0) {
    queries.push({
      name: 'Successful sign-ins from the attacker (IPs, user agents, apps)',
      platform: 'sentinel',
      description: 'Interactive and non-interactive sign-ins (token replay) matching any indicator; schedule it as an analytics rule.',
      query: [
        `let attackerIps = ${list(iocs.ips)};`,
        `let attackerUserAgents = ${list(iocs.userAgents)};`,
        `let attackerAppIds = ${list(appIds)};`,
        'union isfuzzy=true SigninLogs, AADNonInteractiveUserSignInLogs',
        '| where TimeGenerated > ago(1d)',
        '| where ResultType == "0"',
        '| where IPAddress in (attackerIps) or UserAgent in (attackerUserAgents) or AppId in (attackerAppIds)',
        '| project TimeGenerated, UserPrincipalName, IPAddress, AutonomousSystemNumber, UserAgent, AppDisplayName, AppId',
      ].join('\n'),
    });
    queries.push({
      name: 'Successful sign-ins from the attacker (IPs, user agents, apps)',
      platform: 'defender',
      description: 'EntraIdSignInEvents (Entra ID P2); no ASN column there.',
      query: [
        `let attackerIps = ${list(iocs.ips)};`,
        `let attackerUserAgents = ${list(iocs.userAgents)};`,
        `let attackerAppIds = ${list(appIds)};`,
        'EntraIdSignInEvents',
        '| where Timestamp > ago(1d)',
        '| where ErrorCode == 0',
        '| where IPAddress in (attackerIps) or UserAgent in (attackerUserAgents) or ApplicationId in (attackerAppIds)',
        '| project Timestamp, AccountUpn, IPAddress, UserAgent, Application, ApplicationId',
      ].join('\n'),
    });
  }
  if (newAsns.length > 0) {
    queries.push({
      name: 'Sign-ins from the ASNs this attack used that HOSTING_ASNS does not list',
      platform: 'sentinel',
      description: 'If these are hosting networks, add them to HOSTING_ASNS and to your hosting-ASN analytics rule.',
      query: [
        `let newAsns = ${list(newAsns.map(String))};`,
        'union isfuzzy=true SigninLogs, AADNonInteractiveUserSignInLogs',
        '| where TimeGenerated > ago(7d)',
        '| where AutonomousSystemNumber in (newAsns)',
        '| summarize SignIns = count(), Successes = countif(ResultType == "0"), IPs = make_set(IPAddress, 50) by UserPrincipalName, AutonomousSystemNumber',
      ].join('\n'),
    });
  }
  if (iocs.forwardingAddresses.length > 0) {
    queries.push({
      name: "Inbox rules and mailbox forwarding to the attacker's addresses",
      platform: 'sentinel',
      description: 'OfficeActivity (Exchange): new or changed rules and Set-Mailbox forwarding naming an address.',
      query: [
        `let attackerAddresses = ${list(iocs.forwardingAddresses)};`,
        'OfficeActivity',
        '| where TimeGenerated > ago(30d)',
        '| where Operation in ("New-InboxRule", "Set-InboxRule", "UpdateInboxRules", "Set-Mailbox")',
        '| where Parameters has_any (attackerAddresses)',
        '| project TimeGenerated, UserId, Operation, ClientIP, Parameters',
      ].join('\n'),
    });
    queries.push({
      name: "Inbox rules and mailbox forwarding to the attacker's addresses",
      platform: 'defender',
      description: 'CloudAppEvents (Exchange Online activity).',
      query: [
        `let attackerAddresses = ${list(iocs.forwardingAddresses)};`,
        'CloudAppEvents',
        '| where Timestamp > ago(30d)',
        '| where ActionType in ("New-InboxRule", "Set-InboxRule", "UpdateInboxRules", "Set-Mailbox")',
        '| where tostring(RawEventData) has_any (attackerAddresses)',
        '| project Timestamp, AccountDisplayName, AccountObjectId, ActionType, IPAddress, UserAgent',
      ].join('\n'),
    });
  }
  if (servicePrincipals.length > 0) {
    queries.push({
      name: "Consents to the attacker's app",
      platform: 'sentinel',
      description: "AuditLogs: anyone else who consented to the app (its service principal's object id).",
      query: [
        `let attackerServicePrincipals = ${list(servicePrincipals)};`,
        'AuditLogs',
        '| where TimeGenerated > ago(30d)',
        '| where OperationName == "Consent to application"',
        '| where tostring(TargetResources) has_any (attackerServicePrincipals)',
        '| project TimeGenerated, OperationName, Result, InitiatedBy, TargetResources',
      ].join('\n'),
    });
  }
  return queries;
}
