// Sentinel wiring, deployed on its own into the resource group of the Sentinel workspace: the playbook
// that calls POST /api/contain, the automation rules that run it for incidents from the chosen
// analytics rules (when created, and when alerts are added), and (optionally) read access to the
// workspace for the app's pivot hunt. The parameters come from the environment (main.bicepparam):
//   az deployment group create -g <sentinel RG> -n aitm-contain-sentinel -f infra/sentinel/main.bicep -p infra/sentinel/main.bicepparam
targetScope = 'resourceGroup'

@description('Name of the Log Analytics workspace Microsoft Sentinel runs on, in this resource group.')
param workspaceName string

@description('Region of the playbook (the workspace region is a good choice).')
param location string = resourceGroup().location

@description('Name of the Logic App.')
param playbookName string = 'aitm-contain-playbook'

@description('main.bicep output CONTAIN_URL.')
param containUrl string

@description('main.bicep output CALLER_IDENTITY_RESOURCE_ID.')
param callerIdentityResourceId string

@description('main.bicep output CALLER_IDENTITY_PRINCIPAL_ID.')
param callerIdentityPrincipalId string

@description('function-key while the app has no WEBHOOK_AUDIENCE (the default deployment); managed-identity once it has.')
@allowed(['function-key', 'managed-identity'])
param callerAuth string = 'function-key'

@description('main.bicep output FUNCTION_KEY_SECRET_URI (callerAuth function-key).')
param functionKeySecretUri string = ''

@description('The app\'s WEBHOOK_AUDIENCE (callerAuth managed-identity).')
param webhookAudience string = ''

@description('Analytics rules whose incidents run the playbook: rule ids (GUIDs) or full alertRules resource ids. Empty: no automation rule; run the playbook by hand from an incident.')
param analyticRuleIds array = []

@description('Order of the automation rule among the workspace\'s rules.')
@minValue(1)
@maxValue(1000)
param automationRuleOrder int = 10

@description('Object id of the "Azure Security Insights" service principal (az ad sp show --id 98785600-1bb7-4fb9-b9fa-19afe2c8a360 --query id -o tsv); lets Sentinel run the playbook. Leave it empty if that permission was already granted in the portal (Sentinel > Settings > Playbook permissions): ARM refuses a second assignment of the same role to the same principal at the same scope, whatever its name.')
param sentinelServicePrincipalId string = ''

@description('Write the webhook\'s answer on the incident as a comment.')
param commentOnIncident bool = true

@description('main.bicep output FUNCTION_IDENTITY_PRINCIPAL_ID, to give the app Log Analytics Reader on the workspace (HUNT_BACKEND log-analytics). Empty: no role.')
param functionIdentityPrincipalId string = ''

@description('main.bicep output FUNCTION_IDENTITY_PRINCIPAL_ID when the app comments on Sentinel incidents (WRITE_BACK=sentinel): it gets Microsoft Sentinel Responder on the workspace. Empty: no role.')
param writeBackPrincipalId string = ''

var tags = {
  application: 'aitm-contain'
}
var logAnalyticsReader = '73c42c96-874c-492b-b04d-ab87d138a893'
var sentinelResponder = '3e150937-b8fe-4cfb-8069-0eaf05ecd056'

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-02-01' existing = {
  name: workspaceName
}

module playbook 'playbook.bicep' = {
  name: 'aitm-contain-playbook'
  params: {
    name: playbookName
    location: location
    tags: tags
    workspaceName: workspace.name
    containUrl: containUrl
    callerIdentityResourceId: callerIdentityResourceId
    callerIdentityPrincipalId: callerIdentityPrincipalId
    callerAuth: callerAuth
    functionKeySecretUri: functionKeySecretUri
    webhookAudience: webhookAudience
    commentOnIncident: commentOnIncident
  }
}

module automationRule 'automation-rule.bicep' = if (!empty(analyticRuleIds)) {
  name: 'aitm-contain-automation-rule'
  params: {
    workspaceName: workspace.name
    playbookId: playbook.outputs.id
    analyticRuleIds: analyticRuleIds
    order: automationRuleOrder
    sentinelServicePrincipalId: sentinelServicePrincipalId
  }
}

resource huntReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(functionIdentityPrincipalId)) {
  name: guid(workspace.id, functionIdentityPrincipalId, logAnalyticsReader)
  scope: workspace
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', logAnalyticsReader)
    principalId: functionIdentityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// WRITE_BACK=sentinel: PUT .../incidents/{id}/comments/{commentId} needs Microsoft.SecurityInsights/incidents/comments/write, which Responder holds.
resource writeBackResponder 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(writeBackPrincipalId)) {
  name: guid(workspace.id, writeBackPrincipalId, sentinelResponder)
  scope: workspace
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', sentinelResponder)
    principalId: writeBackPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output PLAYBOOK_ID string = playbook.outputs.id
output AUTOMATION_RULE_NAMES array = empty(analyticRuleIds) ? [] : automationRule!.outputs.names
