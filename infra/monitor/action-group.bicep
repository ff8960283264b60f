// The Azure Monitor path, an alternative to the Sentinel playbook: an action group whose webhook
// receiver posts alerts in the common alert schema to POST /api/contain, with a key of the contain
// function (or an Entra ID token). Attach it to log search alert rules (e.g. on SigninLogs) split by
// UserPrincipalName / IPAddress. Deploy it after the code: function keys exist once the function does.
//   az deployment group create -g <app RG> -f infra/monitor/action-group.bicep -p functionAppName=<name>
targetScope = 'resourceGroup'

@description('Name of the action group.')
param name string = 'ag-aitm-contain'

@description('Short name shown in notifications (at most 12 characters).')
@maxLength(12)
param shortName string = 'aitmcontain'

@description('The Function App (main.bicep output AZURE_FUNCTION_APP_NAME).')
param functionAppName string

@description('Resource group of the Function App; default: this one.')
param functionAppResourceGroup string = resourceGroup().name

@description('false: the webhook URI carries a function key of the contain function (?code=), which readers of the action group can see; it opens POST /api/contain and nothing else. true: Azure Monitor sends an Entra ID token instead (secure webhook); use it when the app has WEBHOOK_AUDIENCE set, and add 461e8683-5575-4561-ac7f-899cc907d62a (Azure Monitor action groups) to its allowed callers.')
param useEntraIdAuth bool = false

@description('Which function key of the contain function the webhook URI carries (useEntraIdAuth false). Never a host key: a host key opens every function, approvals included.')
param containKeyName string = 'default'

@description('Secure webhook: object id of the webhook\'s Entra application (the app registration, not its service principal).')
param webhookApplicationObjectId string = ''

@description('Secure webhook: the application id URI of that application (the app\'s WEBHOOK_AUDIENCE).')
param webhookIdentifierUri string = ''

resource site 'Microsoft.Web/sites@2025-03-01' existing = {
  name: functionAppName
  scope: resourceGroup(functionAppResourceGroup)
}

// The function that takes alerts. Its function-level keys open this one function only, unlike the
// host keys (default, master), which open every route of the app.
resource containFunction 'Microsoft.Web/sites/functions@2025-03-01' existing = {
  parent: site
  name: 'contain'
}

var containUrl = 'https://${site.properties.defaultHostName}/api/contain'

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: name
  location: 'global'
  tags: {
    application: 'aitm-contain'
  }
  properties: {
    groupShortName: shortName
    enabled: true
    webhookReceivers: [
      {
        name: 'aitm-contain'
        // The key branch is evaluated only when it is chosen (ARM evaluates if() lazily).
        serviceUri: useEntraIdAuth ? containUrl : '${containUrl}?code=${containFunction.listKeys()[containKeyName]}'
        useCommonAlertSchema: true
        useAadAuth: useEntraIdAuth
        objectId: useEntraIdAuth ? webhookApplicationObjectId : null
        identifierUri: useEntraIdAuth ? webhookIdentifierUri : null
        tenantId: useEntraIdAuth ? tenant().tenantId : null
      }
    ]
  }
}

output ACTION_GROUP_ID string = actionGroup.id
