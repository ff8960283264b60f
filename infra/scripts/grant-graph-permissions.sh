#!/usr/bin/env bash
# Grants the Function App's managed identity the Microsoft Graph application permissions the runbook
# phases need (least privilege, phase by phase) and, on request, the Entra directory role it needs to
# act on administrators. ARM cannot grant either, so this uses `az rest` against Microsoft Graph.
#
# Dry run by default: it prints what is granted, what is missing and what is extra, and changes nothing
# until --apply. Idempotent: what is already granted is left alone. Needs `az login` as a Privileged Role
# Administrator (or Global Administrator): granting application permissions and directory roles needs it.
#
#   infra/scripts/grant-graph-permissions.sh                      # dry run, phase contain
#   infra/scripts/grant-graph-permissions.sh --apply               # grant what contain needs
#   infra/scripts/grant-graph-permissions.sh --phases all --privileged-role --apply
set -euo pipefail

GRAPH_APP_ID="00000003-0000-0000-c000-000000000000"
# Built-in role template ids, the same in every tenant.
PRIVILEGED_AUTH_ADMIN_ROLE="7be44c8a-adaf-4e2a-84d6-ab2649e08a13"
USER_ADMIN_ROLE="fe930be7-5e62-47db-91af-98c3a49a38b1"

# phase|permission|why|runbook step. The README's permission table says the same; keep them together.
PERMISSIONS="contain|User.RevokeSessions.All|revoke the user's sign-in sessions (POST /users/{id}/revokeSignInSessions)|1.1
contain|User.EnableDisableAccount.All|disable the account (PATCH /users/{id} accountEnabled=false); re-enable it in recovery|1.2, 3.6
contain|User.Read.All|read the user (id, UPN, accountEnabled, onPremisesSyncEnabled); Graph documents it alongside User.EnableDisableAccount.All|1.2
contain|GroupMember.Read.All|check membership of PROTECTED_GROUP_IDS (checkMemberGroups, with User.Read.All; the safety snapshot lists transitiveMembers)|safety: protected accounts
contain|RoleManagement.Read.Directory|name the directory roles a user holds (transitiveMemberOf/microsoft.graph.directoryRole; without it Graph returns the roles without names); the safety snapshot lists roleAssignments and PIM-eligible roleEligibilityScheduleInstances|safety: privileged users
diagnose|AuditLog.Read.All|sign-ins of the last 24 h and directory audits|2.1
diagnose|AuditLogsQuery-Exchange.Read.All|mailbox audit (MailItemsAccessed, Send, New-InboxRule) through the audit log query API, Exchange records only|2.2
diagnose|MailboxSettings.Read|read inbox rules|2.2
diagnose|Mail.ReadBasic.All|folder names of inbox-rule targets and recipients of what the attacker sent (no bodies)|2.2, 5.3
diagnose|DelegatedPermissionGrant.Read.All|read the user's OAuth2 permission grants|2.3
diagnose|Directory.Read.All|list the user's app role assignments (the documented least-privileged application permission)|2.3
diagnose|UserAuthenticationMethod.Read.All|read the user's authentication (MFA) methods|2.4
diagnose|Device.Read.All|read devices and their registered owners|2.5
hunt|ThreatHunting.Read.All|advanced hunting in Defender XDR (HUNT_BACKEND=defender)|4.1-4.3
eradicate|MailboxSettings.ReadWrite|delete malicious inbox rules|3.1
eradicate|DelegatedPermissionGrant.ReadWrite.All|delete malicious OAuth2 permission grants|3.2
eradicate|AppRoleAssignment.ReadWrite.All|list and delete the user's app role assignments (high privilege: it can grant any app role)|3.2
eradicate|UserAuthMethod-Phone.ReadWrite.All|delete attacker-registered phone methods (phoneMethods; least privileged, no secrets)|3.3
eradicate|UserAuthMethod-Email.ReadWrite.All|delete attacker-registered email methods (emailMethods)|3.3
eradicate|UserAuthMethod-MicrosoftAuthApp.ReadWrite.All|delete attacker-registered Microsoft Authenticator methods|3.3
eradicate|UserAuthMethod-Passkey.ReadWrite.All|delete attacker-registered FIDO2 passkeys (fido2Methods)|3.3
eradicate|UserAuthMethod-SoftwareOATH.ReadWrite.All|delete attacker-registered software OATH tokens|3.3
eradicate|UserAuthMethod-WindowsHello.ReadWrite.All|delete attacker-registered Windows Hello for Business keys|3.3
eradicate|UserAuthMethod-PlatformCred.ReadWrite.All|delete attacker-registered platform credentials|3.3
eradicate|UserAuthMethod-TAP.ReadWrite.All|issue the one-time Temporary Access Pass recovery gives the user (and delete an attacker's)|3.3, 3.5
eradicate|Device.ReadWrite.All|delete attacker-registered devices|3.4
eradicate|User-PasswordProfile.ReadWrite.All|reset the password (passwordProfile, forceChangePasswordNextSignIn); app-only it also needs the User Administrator role|3.5
writeback|SecurityAlert.ReadWrite.All|comment on the source Defender XDR alert (POST /security/alerts_v2/{id}/comments; WRITE_BACK=defender)|6.1
writeback|SecurityIncident.ReadWrite.All|comment on the source Defender XDR incident (POST /security/incidents/{id}/comments; WRITE_BACK=defender)|6.1"

ALL_PHASES="contain diagnose hunt eradicate writeback"

usage() {
  cat <<'USAGE'
Usage: grant-graph-permissions.sh [options]

  --principal-id ID   object id of the Function App's managed identity
                      (default: $FUNCTION_IDENTITY_PRINCIPAL_ID, an output of infra/main.bicep)
  --phases LIST       comma-separated: contain, diagnose, hunt, eradicate, writeback, or all (default: contain;
                      contain is always included)
  --privileged-role   also assign the Entra role Privileged Authentication Administrator, needed to
                      revoke, disable, reset or change methods of users who hold admin roles (it also
                      covers password resets of everyone else)
                      Phase eradicate assigns User Administrator otherwise: Graph's password reset
                      app-only needs User-PasswordProfile.ReadWrite.All *and* a directory role
  --prune             remove Graph permissions the chosen phases do not need (with --apply)
  --graph-url URL     Microsoft Graph endpoint (default: $GRAPH_BASE_URL or https://graph.microsoft.com)
  --list              print the permission table and exit
  --apply             make the changes (default: dry run, nothing changes)
  -h, --help          this text
USAGE
}

APPLY=0
PRUNE=0
ROLE=0
PHASES="contain"
PRINCIPAL="${FUNCTION_IDENTITY_PRINCIPAL_ID:-}"
GRAPH_URL="${GRAPH_BASE_URL:-https://graph.microsoft.com}"

while [ $# -gt 0 ]; do
  case "$1" in
    --apply) APPLY=1 ;;
    --prune) PRUNE=1 ;;
    --privileged-role) ROLE=1 ;;
    --phases) PHASES="${2:?--phases needs a value}"; shift ;;
    --principal-id) PRINCIPAL="${2:?--principal-id needs a value}"; shift ;;
    --graph-url) GRAPH_URL="${2:?--graph-url needs a value}"; shift ;;
    --list)
      printf '%-10s %-40s %-9s %s\n' PHASE PERMISSION STEP WHY
      while IFS='|' read -r phase perm why step; do printf '%-10s %-40s %-9s %s\n' "$phase" "$perm" "$step" "$why"; done <<<"$PERMISSIONS"
      exit 0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 64 ;;
  esac
  shift
done

GRAPH_URL="${GRAPH_URL%/}"
if ! [[ "$PRINCIPAL" =~ ^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$ ]]; then
  echo "Give the managed identity's object id: --principal-id <guid> or FUNCTION_IDENTITY_PRINCIPAL_ID (eval \"\$(azd env get-values)\")." >&2
  exit 64
fi

# The chosen phases, contain always first.
selected="contain"
[ "$PHASES" = "all" ] && PHASES="${ALL_PHASES// /,}"
IFS=',' read -r -a requested <<<"$PHASES"
for phase in "${requested[@]}"; do
  phase="$(echo "$phase" | tr -d '[:space:]')"
  [ -z "$phase" ] && continue
  case " $ALL_PHASES " in *" $phase "*) ;; *) echo "unknown phase: $phase (use $ALL_PHASES or all)" >&2; exit 64 ;; esac
  case " $selected " in *" $phase "*) ;; *) selected="$selected $phase" ;; esac
done

# Wanted permissions, each once, in table order.
wanted=()
while IFS='|' read -r phase perm _why _step; do
  case " $selected " in *" $phase "*) ;; *) continue ;; esac
  case " ${wanted[*]-} " in *" $perm "*) ;; *) wanted+=("$perm") ;; esac
done <<<"$PERMISSIONS"

graph() {
  local method="$1" path="$2"
  shift 2
  az rest --only-show-errors --method "$method" --resource "$GRAPH_URL" --url "$GRAPH_URL/v1.0/$path" "$@"
}

mode="DRY RUN (nothing changes; add --apply)"
[ "$APPLY" = 1 ] && mode="APPLY"
echo "Microsoft Graph: $GRAPH_URL   phases: $selected   mode: $mode"

graph_sp="$(graph GET "servicePrincipals(appId='$GRAPH_APP_ID')" --query id -o tsv)"
if [ -z "$graph_sp" ]; then
  echo "Microsoft Graph has no service principal in this tenant (is az logged in to the right tenant?)" >&2
  exit 1
fi
# value<TAB>id of every application permission Graph offers.
roles="$(graph GET "servicePrincipals(appId='$GRAPH_APP_ID')" --query "appRoles[?contains(allowedMemberTypes, 'Application')].[value, id]" -o tsv)"
principal_name="$(graph GET "servicePrincipals/$PRINCIPAL" --query displayName -o tsv)"
echo "Identity: $principal_name ($PRINCIPAL)"
# appRoleId<TAB>assignment id of every Graph permission the identity holds.
assigned="$(graph GET "servicePrincipals/$PRINCIPAL/appRoleAssignments" --query "value[?resourceId=='$graph_sp'].[appRoleId, id]" -o tsv)"

role_id() { awk -F'\t' -v name="$1" '$1 == name { print $2; exit }' <<<"$roles"; }
role_name() { awk -F'\t' -v id="$1" '$2 == id { print $1; exit }' <<<"$roles"; }
assignment_of() { awk -F'\t' -v id="$1" '$1 == id { print $2; exit }' <<<"$assigned"; }

missing=0
unknown=0
wanted_ids=" "
for perm in "${wanted[@]}"; do
  id="$(role_id "$perm")"
  if [ -z "$id" ]; then
    echo "  UNKNOWN  $perm: Microsoft Graph in this tenant offers no such application permission"
    unknown=$((unknown + 1))
    continue
  fi
  wanted_ids="$wanted_ids$id "
  if [ -n "$(assignment_of "$id")" ]; then
    echo "  ok       $perm"
    continue
  fi
  missing=$((missing + 1))
  echo "  grant    $perm"
  if [ "$APPLY" = 1 ]; then
    graph POST "servicePrincipals/$PRINCIPAL/appRoleAssignments" --headers "Content-Type=application/json" \
      --body "{\"principalId\":\"$PRINCIPAL\",\"resourceId\":\"$graph_sp\",\"appRoleId\":\"$id\"}" -o none
  fi
done

extra=0
while IFS=$'\t' read -r id assignment; do
  [ -z "$id" ] && continue
  case "$wanted_ids" in *" $id "*) continue ;; esac
  extra=$((extra + 1))
  name="$(role_name "$id")"
  if [ "$PRUNE" = 1 ]; then
    echo "  remove   ${name:-$id} (not needed by: $selected)"
    if [ "$APPLY" = 1 ]; then
      graph DELETE "servicePrincipals/$PRINCIPAL/appRoleAssignments/$assignment" -o none
    fi
  else
    echo "  extra    ${name:-$id} (not needed by: $selected; --prune removes it)"
  fi
done <<<"$assigned"

# Directory roles: app permissions alone cannot touch users who hold admin roles, and cannot reset passwords.
has_role() {
  local filter="principalId%20eq%20%27$PRINCIPAL%27%20and%20roleDefinitionId%20eq%20%27$1%27"
  [ -n "$(graph GET "roleManagement/directory/roleAssignments?\$filter=$filter" --query "value[0].id" -o tsv)" ]
}
assign_role() {
  echo "  assign   directory role $2 (tenant-wide)"
  if [ "$APPLY" = 1 ]; then
    graph POST "roleManagement/directory/roleAssignments" --headers "Content-Type=application/json" \
      --body "{\"principalId\":\"$PRINCIPAL\",\"roleDefinitionId\":\"$1\",\"directoryScopeId\":\"/\"}" -o none
  fi
}
privileged=0
if has_role "$PRIVILEGED_AUTH_ADMIN_ROLE"; then
  privileged=1
  echo "  ok       directory role Privileged Authentication Administrator"
elif [ "$ROLE" = 1 ]; then
  privileged=1
  assign_role "$PRIVILEGED_AUTH_ADMIN_ROLE" "Privileged Authentication Administrator"
else
  echo "  skipped  directory role Privileged Authentication Administrator (without it, Graph refuses writes to"
  echo "           users who hold admin roles and they wait for approval; --privileged-role assigns it)"
fi
# Password resets (runbook 3.5): User Administrator covers users without admin roles; Privileged
# Authentication Administrator covers everyone, so with it this smaller role is not needed.
case " $selected " in
  *" eradicate "*)
    if [ "$privileged" = 1 ]; then
      echo "  ok       password resets covered by Privileged Authentication Administrator"
    elif has_role "$USER_ADMIN_ROLE"; then
      echo "  ok       directory role User Administrator (password resets of users without admin roles)"
    else
      assign_role "$USER_ADMIN_ROLE" "User Administrator (password resets of users without admin roles)"
    fi
    ;;
esac

if [ "$unknown" -gt 0 ]; then
  echo "$unknown permission name(s) unknown to this tenant's Microsoft Graph; nothing about them was changed." >&2
  exit 2
fi
if [ "$APPLY" = 1 ]; then
  echo "Done. New permissions reach the app's tokens within minutes (a token already cached keeps the old set until it expires)."
else
  echo "Dry run: $missing to grant, $extra extra. Re-run with --apply to change them."
fi
