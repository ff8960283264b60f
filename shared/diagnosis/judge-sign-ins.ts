// Runbook 2.1 judged: the sign-ins that make up the attacker window, and "did containment hold?" — any
// successful sign-in after T0 is a loud post_containment_activity finding.
import { duration, minutesBetween } from './describe';
import type { Finding, SignInEvidence } from './types';
import { ipRole, isAttackerIp, type JudgmentContext } from './verdicts';

/** Attacker sign-ins kept as individual findings; the rest are counted in the summary. */
const MAX_SIGN_IN_FINDINGS = 100;

function title(signIn: SignInEvidence): string {
  const app = signIn.appDisplayName ?? signIn.appId ?? 'an app';
  const where = [signIn.ipAddress, signIn.location ? `(${signIn.location})` : undefined].filter((part) => part !== undefined).join(' ');
  return `Sign-in to ${app}${where ? ` from ${where}` : ''}`;
}

function outcome(signIn: SignInEvidence): string {
  if (signIn.succeeded) return 'succeeded';
  return `refused (${signIn.errorCode ?? 'no status'}${signIn.failureReason ? `: ${signIn.failureReason}` : ''})`;
}

function details(signIn: SignInEvidence): Record<string, unknown> {
  return {
    ip: signIn.ipAddress,
    asn: signIn.asn,
    userAgent: signIn.userAgent,
    app: signIn.appDisplayName,
    clientApp: signIn.clientAppUsed,
    location: signIn.location,
    riskLevel: signIn.riskLevel,
    succeeded: signIn.succeeded,
    errorCode: signIn.errorCode,
    interactive: signIn.interactive,
  };
}

export interface SignInJudgment {
  findings: Finding[];
  /** Successful sign-ins after T0 (each is also a finding). */
  afterT0Succeeded: number;
  /** Refused sign-ins after T0 from attacker IPs: the attacker knocking on a closed door. */
  afterT0RefusedFromAttacker: number;
  suspiciousTotal: number;
}

function suspiciousSignIn(signIn: SignInEvidence, reasons: string[]): Finding {
  return {
    kind: 'sign_in',
    providerId: signIn.id,
    title: title(signIn),
    createdAt: signIn.createdDateTime,
    verdict: 'suspicious',
    reasons,
    source: 'signIns',
    actor: { ip: signIn.ipAddress, userAgent: signIn.userAgent },
    details: details(signIn),
    raw: signIn.raw,
  };
}

export function judgeSignIns(ctx: JudgmentContext, signIns: readonly SignInEvidence[]): SignInJudgment {
  const findings: Finding[] = [];
  let afterT0Succeeded = 0;
  let afterT0RefusedFromAttacker = 0;
  let suspiciousTotal = 0;
  const ordered = [...signIns].sort((a, b) => a.createdDateTime.localeCompare(b.createdDateTime));
  for (const signIn of ordered) {
    const afterT0 = ctx.t0 !== undefined && signIn.createdDateTime > ctx.t0;
    if (afterT0 && signIn.succeeded) {
      afterT0Succeeded++;
      const role = signIn.ipAddress === undefined ? undefined : ipRole(ctx, signIn.ipAddress);
      findings.push({
        kind: 'post_containment_activity',
        providerId: signIn.id,
        title: `${title(signIn)} after containment`,
        createdAt: signIn.createdDateTime,
        verdict: 'suspicious',
        reasons: [
          `successful sign-in ${duration(minutesBetween(ctx.t0 as string, signIn.createdDateTime))} after containment (T0): containment did not hold`,
          ...(role ? [`from ${signIn.ipAddress}, ${role}`] : []),
        ],
        source: 'signIns',
        actor: { ip: signIn.ipAddress, userAgent: signIn.userAgent },
        details: details(signIn),
        raw: signIn.raw,
      });
      continue;
    }
    if (afterT0 && isAttackerIp(ctx, signIn.ipAddress)) {
      afterT0RefusedFromAttacker++;
      suspiciousTotal++;
      if (findings.length < MAX_SIGN_IN_FINDINGS) {
        findings.push(
          suspiciousSignIn(signIn, [
            `the attacker tried again ${duration(minutesBetween(ctx.t0 as string, signIn.createdDateTime))} after containment; ${outcome(signIn)}`,
          ]),
        );
      }
      continue;
    }
    const reasons = ctx.window.suspiciousSignIns.get(signIn.id);
    if (reasons === undefined) continue;
    suspiciousTotal++;
    if (findings.length >= MAX_SIGN_IN_FINDINGS) continue;
    findings.push(suspiciousSignIn(signIn, [...reasons, outcome(signIn)]));
  }
  return { findings, afterT0Succeeded, afterT0RefusedFromAttacker, suspiciousTotal };
}
