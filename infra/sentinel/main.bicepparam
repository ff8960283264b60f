// Parameters of infra/sentinel/main.bicep, taken from the environment: the outputs of infra/main.bicep
// (eval "$(azd env get-values)", README "Deploy to Azure" step 1) plus the Sentinel facts below.
//   SENTINEL_WORKSPACE            name of the Log Analytics workspace Sentinel runs on (required)
//   SENTINEL_ANALYTIC_RULE_IDS    analytics rules whose incidents start containment, comma separated
//                                 (empty: no automation rule; run the playbook by hand)
//   SENTINEL_SERVICE_PRINCIPAL_ID object id of "Azure Security Insights" (empty: grant it in the portal)
//   az deployment group create -g <Sentinel RG> -n aitm-contain-sentinel -f infra/sentinel/main.bicep -p infra/sentinel/main.bicepparam
using 'main.bicep'

param workspaceName = readEnvironmentVariable('SENTINEL_WORKSPACE')
param containUrl = readEnvironmentVariable('CONTAIN_URL')
param callerIdentityResourceId = readEnvironmentVariable('CALLER_IDENTITY_RESOURCE_ID')
param callerIdentityPrincipalId = readEnvironmentVariable('CALLER_IDENTITY_PRINCIPAL_ID')
// The playbook authenticates the way the app accepts: tokens once WEBHOOK_AUDIENCE is set, else the key.
param callerAuth = empty(readEnvironmentVariable('WEBHOOK_AUDIENCE', '')) ? 'function-key' : 'managed-identity'
param functionKeySecretUri = readEnvironmentVariable('FUNCTION_KEY_SECRET_URI', '')
param webhookAudience = readEnvironmentVariable('WEBHOOK_AUDIENCE', '')
param analyticRuleIds = filter(map(split(readEnvironmentVariable('SENTINEL_ANALYTIC_RULE_IDS', ''), ','), id => trim(id)), id => !empty(id))
param sentinelServicePrincipalId = readEnvironmentVariable('SENTINEL_SERVICE_PRINCIPAL_ID', '')
// Log Analytics Reader on the workspace only for the hunt backend that queries it.
param functionIdentityPrincipalId = readEnvironmentVariable('HUNT_BACKEND', 'none') == 'log-analytics' ? readEnvironmentVariable('FUNCTION_IDENTITY_PRINCIPAL_ID', '') : ''
// Microsoft Sentinel Responder on the workspace only when the app writes comments on Sentinel incidents.
param writeBackPrincipalId = readEnvironmentVariable('WRITE_BACK', 'none') == 'sentinel' ? readEnvironmentVariable('FUNCTION_IDENTITY_PRINCIPAL_ID', '') : ''
