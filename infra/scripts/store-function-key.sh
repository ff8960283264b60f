#!/usr/bin/env bash
# Puts the key the Sentinel playbook sends into Key Vault: a function key named "sentinel-playbook" of
# the contain function (created if absent), copied to the secret the playbook reads
# (FUNCTION_KEY_SECRET_NAME, default contain-function-key). A function key opens POST /api/contain and
# nothing else; a host key would open every route, approvals included, so none is made here, and a host
# key of that name left by an earlier version of this script is removed. Run it after the code is
# deployed (the app must be running to hold keys). Not needed when the playbook uses Entra ID tokens
# (WEBHOOK_AUDIENCE).
#
# Dry run by default; --apply makes the changes. Idempotent: an existing key is reused and the secret is
# written only when it differs; --rotate makes a new key value. The key is never printed.
# Defaults come from the azd environment: eval "$(azd env get-values)".
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: store-function-key.sh [--apply] [--rotate] [--resource-group RG] [--app NAME] [--vault NAME] [--secret NAME]
  defaults: $AZURE_RESOURCE_GROUP, $AZURE_FUNCTION_APP_NAME, $KEY_VAULT_NAME, $FUNCTION_KEY_SECRET_NAME
USAGE
}

APPLY=0
ROTATE=0
RG="${AZURE_RESOURCE_GROUP:-}"
APP="${AZURE_FUNCTION_APP_NAME:-}"
VAULT="${KEY_VAULT_NAME:-}"
SECRET="${FUNCTION_KEY_SECRET_NAME:-contain-function-key}"
FUNCTION="contain"
KEY_NAME="sentinel-playbook"

while [ $# -gt 0 ]; do
  case "$1" in
    --apply) APPLY=1 ;;
    --rotate) ROTATE=1 ;;
    --resource-group) RG="${2:?}"; shift ;;
    --app) APP="${2:?}"; shift ;;
    --vault) VAULT="${2:?}"; shift ;;
    --secret) SECRET="${2:?}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 64 ;;
  esac
  shift
done
if [ -z "$RG" ] || [ -z "$APP" ] || [ -z "$VAULT" ]; then
  echo "Need the resource group, Function App and Key Vault names (eval \"\$(azd env get-values)\" or the options)." >&2
  usage >&2
  exit 64
fi

mode="DRY RUN (nothing changes; add --apply)"
[ "$APPLY" = 1 ] && mode="APPLY"
echo "Function App $APP ($RG), function $FUNCTION -> Key Vault $VAULT secret $SECRET   mode: $mode"

key="$(az functionapp function keys list --resource-group "$RG" --name "$APP" --function-name "$FUNCTION" --query "\"$KEY_NAME\"" -o tsv --only-show-errors)"
if [ -z "$key" ] || [ "$ROTATE" = 1 ]; then
  if [ -z "$key" ]; then echo "  create   function key $KEY_NAME of $FUNCTION"; else echo "  rotate   function key $KEY_NAME of $FUNCTION"; fi
  if [ "$APPLY" = 1 ]; then
    key="$(az functionapp function keys set --resource-group "$RG" --name "$APP" --function-name "$FUNCTION" --key-name "$KEY_NAME" --query value -o tsv --only-show-errors)"
  fi
else
  echo "  ok       function key $KEY_NAME of $FUNCTION exists"
fi

current="$(az keyvault secret show --vault-name "$VAULT" --name "$SECRET" --query value -o tsv --only-show-errors 2>/dev/null || true)"
if [ -n "$key" ] && [ "$current" = "$key" ]; then
  echo "  ok       secret $SECRET holds the key"
else
  echo "  store    secret $SECRET"
  if [ "$APPLY" = 1 ]; then
    # Through a private file, so the key is not on a command line.
    umask 077
    tmp="$(mktemp)"
    trap 'rm -f "$tmp"' EXIT
    printf '%s' "$key" >"$tmp"
    az keyvault secret set --vault-name "$VAULT" --name "$SECRET" --file "$tmp" --encoding utf-8 -o none --only-show-errors
  fi
fi

# Earlier versions stored a host key of this name; it opens every function, so it goes once the secret
# holds the function key (the playbook reads the secret on every run).
legacy="$(az functionapp keys list --resource-group "$RG" --name "$APP" --query "functionKeys.\"$KEY_NAME\"" -o tsv --only-show-errors)"
if [ -n "$legacy" ]; then
  echo "  remove   host key $KEY_NAME (left by an earlier version; a host key opens every function)"
  if [ "$APPLY" = 1 ]; then
    az functionapp keys delete --resource-group "$RG" --name "$APP" --key-type functionKeys --key-name "$KEY_NAME" -o none --only-show-errors
  fi
fi
[ "$APPLY" = 1 ] || echo "Dry run. Re-run with --apply to change it."
