#!/usr/bin/env bash
# Declares the app roles human callers need on the webhook's Entra app registration (infra/app-roles.json:
# the approver role, default Incidents.Approve, and the reader role, default Incidents.Read), makes sure
# the app has a service principal, and assigns the roles to users or groups. Entra user tokens for the
# app then carry the roles in their `roles` claim, which the webhook checks (APPROVER_ROLE, READER_ROLE).
# ARM cannot do this, and the Bicep Microsoft Graph extension needs a registry CI cannot reach, so it
# uses `az ad app update --app-roles` and `az rest` against Microsoft Graph (appRoleAssignedTo).
#
# Dry run by default: it prints what it would add or assign and changes nothing until --apply.
# Idempotent: roles already declared and assignments already made are left alone; it never removes or
# disables a role or an assignment. Needs `az login` as an owner of the app registration (roles) and a
# Privileged Role Administrator, Cloud Application Administrator or Application Administrator
# (assignments).
#
#   infra/scripts/declare-app-roles.sh --app-id <webhook app id>                       # dry run
#   infra/scripts/declare-app-roles.sh --app-id <id> --approver analyst@contoso.com --reader-group <group id> --apply
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
ROLES_FILE="$ROOT/infra/app-roles.json"
# The ids infra/app-roles.json gives the two roles; their values follow APPROVER_ROLE and READER_ROLE.
APPROVER_ROLE_ID="0af1c51f-e541-4700-9186-90a93014b078"
READER_ROLE_ID="c8d7221e-1b0a-482e-83a5-d4af2583c970"

usage() {
  cat <<'USAGE'
Usage: declare-app-roles.sh [options]

  --app-id ID            application (client) id of the webhook's app registration (default:
                         $WEBHOOK_APP_ID, or $WEBHOOK_AUDIENCE when it is api://<app id> or an app id)
  --approver USER        assign the approver role to a user (UPN or object id); repeatable
  --approver-group ID    assign the approver role to a group (object id); repeatable
  --reader USER          assign the reader role to a user; repeatable
  --reader-group ID      assign the reader role to a group; repeatable
  --graph-url URL        Microsoft Graph endpoint (default: $GRAPH_BASE_URL or https://graph.microsoft.com)
  --apply                make the changes (default: dry run, nothing changes)
  -h, --help             this text

  Role values: $APPROVER_ROLE (default Incidents.Approve) and $READER_ROLE (default Incidents.Read),
  the same settings the app reads.
USAGE
}

APPLY=0
APP_ID="${WEBHOOK_APP_ID:-}"
if [ -z "$APP_ID" ] && [ -n "${WEBHOOK_AUDIENCE:-}" ]; then APP_ID="${WEBHOOK_AUDIENCE#api://}"; fi
APPROVER="${APPROVER_ROLE:-Incidents.Approve}"
READER="${READER_ROLE:-Incidents.Read}"
GRAPH_URL="${GRAPH_BASE_URL:-https://graph.microsoft.com}"
assignees=()   # role|kind|who

while [ $# -gt 0 ]; do
  case "$1" in
    --apply) APPLY=1 ;;
    --app-id) APP_ID="${2:?--app-id needs a value}"; shift ;;
    --approver) assignees+=("approver|user|${2:?--approver needs a user}"); shift ;;
    --approver-group) assignees+=("approver|group|${2:?--approver-group needs a group id}"); shift ;;
    --reader) assignees+=("reader|user|${2:?--reader needs a user}"); shift ;;
    --reader-group) assignees+=("reader|group|${2:?--reader-group needs a group id}"); shift ;;
    --graph-url) GRAPH_URL="${2:?--graph-url needs a value}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 64 ;;
  esac
  shift
done

GUID='^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$'
if ! [[ "$APP_ID" =~ $GUID ]]; then
  echo "Give the webhook app registration's application id: --app-id <guid>, WEBHOOK_APP_ID, or WEBHOOK_AUDIENCE=api://<app id>." >&2
  exit 64
fi
ROLE_VALUE='^[A-Za-z0-9][A-Za-z0-9._-]*$'
for value in "$APPROVER" "$READER"; do
  if ! [[ "$value" =~ $ROLE_VALUE ]]; then echo "not an app role value: \"$value\" (APPROVER_ROLE / READER_ROLE)" >&2; exit 64; fi
done
if [ "$APPROVER" = "$READER" ]; then echo "APPROVER_ROLE and READER_ROLE must differ" >&2; exit 64; fi
for entry in "${assignees[@]+"${assignees[@]}"}"; do
  IFS='|' read -r _role kind who <<<"$entry"
  if [ "$kind" = group ] && ! [[ "$who" =~ $GUID ]]; then echo "a group is given by its object id: $who" >&2; exit 64; fi
done
GRAPH_URL="${GRAPH_URL%/}"

graph() {
  local method="$1" path="$2"
  shift 2
  az rest --only-show-errors --method "$method" --resource "$GRAPH_URL" --url "$GRAPH_URL/v1.0/$path" "$@"
}

mode="DRY RUN (nothing changes; add --apply)"
[ "$APPLY" = 1 ] && mode="APPLY"
echo "App registration $APP_ID   roles: $APPROVER (approver), $READER (reader)   mode: $mode"

current="$(az ad app show --id "$APP_ID" --query appRoles -o json --only-show-errors)"
umask 077
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
printf '%s' "$current" >"$work/current.json"

# Merge the wanted roles into the app's roles: add what is missing, enable (for users) what exists under
# that value but is disabled or not for users, keep every other role as it is. Prints one line per
# wanted role (status<TAB>value<TAB>id) and writes the merged list for `az ad app update`.
plan="$(node - "$ROLES_FILE" "$work/current.json" "$work/merged.json" "$APPROVER_ROLE_ID=$APPROVER" "$READER_ROLE_ID=$READER" <<'NODE'
const fs = require('node:fs');
const [rolesFile, currentFile, mergedFile, ...valuesById] = process.argv.slice(2);
const values = new Map(valuesById.map((pair) => pair.split('=')));
const wanted = JSON.parse(fs.readFileSync(rolesFile, 'utf8')).map((role) => ({ ...role, value: values.get(role.id) ?? role.value }));
const roles = JSON.parse(fs.readFileSync(currentFile, 'utf8') || '[]');
let conflict = false;
for (const role of wanted) {
  const existing = roles.find((r) => r.value === role.value);
  if (existing) {
    const usable = existing.isEnabled && existing.allowedMemberTypes.includes('User');
    if (!usable) {
      existing.isEnabled = true;
      if (!existing.allowedMemberTypes.includes('User')) existing.allowedMemberTypes.push('User');
    }
    console.log(`${usable ? 'ok' : 'update'}\t${role.value}\t${existing.id}`);
  } else if (roles.some((r) => r.id === role.id)) {
    console.log(`conflict\t${role.value}\t${role.id}`);
    conflict = true;
  } else {
    roles.push(role);
    console.log(`add\t${role.value}\t${role.id}`);
  }
}
fs.writeFileSync(mergedFile, JSON.stringify(roles, null, 2));
process.exit(conflict ? 2 : 0);
NODE
)" || merge_status=$?
role_changes=0
approver_id=""
reader_id=""
while IFS=$'\t' read -r status value id; do
  [ -z "$status" ] && continue
  case "$status" in
    ok) echo "  ok       app role $value" ;;
    add) echo "  add      app role $value (for users)"; role_changes=$((role_changes + 1)) ;;
    update) echo "  enable   app role $value (exists, but disabled or not for users)"; role_changes=$((role_changes + 1)) ;;
    conflict) echo "  CONFLICT app role $value: its id $id is taken by another role of this app; nothing changed" ;;
  esac
  if [ "$value" = "$APPROVER" ]; then approver_id="$id"; fi
  if [ "$value" = "$READER" ]; then reader_id="$id"; fi
done <<<"$plan"
if [ "${merge_status:-0}" != 0 ]; then
  echo "Could not merge the app roles (see above); nothing was changed." >&2
  exit 2
fi
if [ "$role_changes" -gt 0 ] && [ "$APPLY" = 1 ]; then
  az ad app update --id "$APP_ID" --app-roles "@$work/merged.json" --only-show-errors
fi

# Assignments are made on the app's service principal (its enterprise application).
sp="$(az ad sp show --id "$APP_ID" --query id -o tsv --only-show-errors 2>/dev/null || true)"
if [ -z "$sp" ]; then
  echo "  create   service principal of $APP_ID (needed to assign roles)"
  if [ "$APPLY" = 1 ]; then sp="$(az ad sp create --id "$APP_ID" --query id -o tsv --only-show-errors)"; fi
fi

assigned=0
for entry in "${assignees[@]+"${assignees[@]}"}"; do
  IFS='|' read -r role kind who <<<"$entry"
  value="$APPROVER"
  app_role="$approver_id"
  if [ "$role" = reader ]; then value="$READER"; app_role="$reader_id"; fi
  if [ "$kind" = user ]; then
    principal="$(az ad user show --id "$who" --query id -o tsv --only-show-errors)"
    collection="users"
  else
    principal="$(az ad group show --group "$who" --query id -o tsv --only-show-errors)"
    collection="groups"
  fi
  existing=""
  if [ -n "$sp" ]; then
    existing="$(graph GET "$collection/$principal/appRoleAssignments?\$filter=resourceId%20eq%20$sp" --query "value[?appRoleId=='$app_role'].id | [0]" -o tsv)"
  fi
  if [ -n "$existing" ]; then
    echo "  ok       $value -> $kind $who"
    continue
  fi
  echo "  assign   $value -> $kind $who ($principal)"
  assigned=$((assigned + 1))
  if [ "$APPLY" = 1 ]; then
    graph POST "servicePrincipals/$sp/appRoleAssignedTo" --headers "Content-Type=application/json" \
      --body "{\"principalId\":\"$principal\",\"resourceId\":\"$sp\",\"appRoleId\":\"$app_role\"}" -o none
  fi
done

if [ "$APPLY" = 1 ]; then
  echo "Done. A role reaches a user's tokens at their next sign-in (a token already issued keeps the roles it had)."
else
  echo "Dry run: $role_changes app role(s) to add or enable, $assigned assignment(s) to make. Re-run with --apply to change them."
fi
