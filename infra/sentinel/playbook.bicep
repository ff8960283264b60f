// The Sentinel playbook: a Logic App with the "Microsoft Sentinel incident" trigger that posts the
// trigger body, unchanged, to POST /api/contain, then writes the outcome on the incident as a comment:
// the webhook's answer, or what failed (the key could not be read, the call failed or timed out).
// It runs as the caller identity main.bicep created and authenticates to the webhook with the function
// key it reads from Key Vault, or with an Entra ID token for the webhook's app registration.

param name string
param location string
param tags object

@description('Name of the Log Analytics workspace Microsoft Sentinel runs on (in this resource group).')
param workspaceName string

@description('The webhook: https://<function app host>/api/contain (main.bicep output CONTAIN_URL).')
param containUrl string

@description('Resource id of the caller identity (main.bicep output CALLER_IDENTITY_RESOURCE_ID).')
param callerIdentityResourceId string

@description('Principal (object) id of the caller identity (main.bicep output CALLER_IDENTITY_PRINCIPAL_ID).')
param callerIdentityPrincipalId string

@description('function-key: send the key read from Key Vault (the app has no WEBHOOK_AUDIENCE). managed-identity: send an Entra ID token for webhookAudience (the app has WEBHOOK_AUDIENCE set and accepts no key).')
@allowed(['function-key', 'managed-identity'])
param callerAuth string

@description('Key Vault secret URI of the function key (main.bicep output FUNCTION_KEY_SECRET_URI); for callerAuth function-key.')
param functionKeySecretUri string = ''

@description('The app\'s WEBHOOK_AUDIENCE; for callerAuth managed-identity.')
param webhookAudience string = ''

@description('Write the webhook\'s answer on the incident as a comment (gives the caller identity Microsoft Sentinel Responder on the workspace).')
param commentOnIncident bool = true

var useKey = callerAuth == 'function-key'
var sentinelResponder = '3e150937-b8fe-4cfb-8069-0eaf05ecd056'
// The Key Vault data-plane audience of this cloud, e.g. https://vault.azure.net.
var keyVaultAudience = 'https://${substring(environment().suffixes.keyvaultDns, 1)}'
var sentinelConnection = '@parameters(\'$connections\')[\'azuresentinel\'][\'connectionId\']'

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-02-01' existing = {
  name: workspaceName
}

resource connection 'Microsoft.Web/connections@2016-06-01' = {
  name: 'azuresentinel-${name}'
  location: location
  tags: tags
  properties: {
    displayName: 'Microsoft Sentinel (${name})'
    // Managed identity instead of a stored user credential. The published type of Microsoft.Web/connections
    // lacks this property, though the API takes it (it is how managed-identity connections are made).
    #disable-next-line BCP037
    parameterValueType: 'Alternative'
    api: {
      id: subscriptionResourceId('Microsoft.Web/locations/managedApis', location, 'azuresentinel')
    }
  }
}

var getFunctionKey = {
  Get_function_key: {
    type: 'Http'
    runAfter: {}
    inputs: {
      method: 'GET'
      uri: '${functionKeySecretUri}?api-version=7.4'
      authentication: {
        type: 'ManagedServiceIdentity'
        identity: callerIdentityResourceId
        audience: keyVaultAudience
      }
    }
    // The key never shows in the run history.
    runtimeConfiguration: {
      secureData: {
        properties: ['inputs', 'outputs']
      }
    }
  }
}

var contain = {
  Contain: {
    type: 'Http'
    runAfter: useKey ? { Get_function_key: ['Succeeded'] } : {}
    inputs: union(
      {
        method: 'POST'
        uri: containUrl
        // The incident exactly as the trigger delivered it: the webhook reads this shape.
        body: '@triggerBody()'
      },
      useKey
        ? {
            headers: {
              'Content-Type': 'application/json'
              'x-functions-key': '@{body(\'Get_function_key\')?[\'value\']}'
            }
          }
        : {
            headers: {
              'Content-Type': 'application/json'
            }
            authentication: {
              type: 'ManagedServiceIdentity'
              identity: callerIdentityResourceId
              audience: webhookAudience
            }
          }
    )
    // 503 + Retry-After from the webhook means "retry helps"; a redelivery re-runs only failed writes.
    retryPolicy: {
      type: 'exponential'
      count: 4
      interval: 'PT10S'
      minimumInterval: 'PT5S'
      maximumInterval: 'PT1M'
    }
    runtimeConfiguration: useKey
      ? {
          secureData: {
            properties: ['inputs']
          }
        }
      : {}
  }
}

// Every way the run can end writes on the incident, so an analyst never has to open the run history to
// learn that nothing was contained: the webhook's answer, or what failed. No comment carries a secret:
// the key's value is only in Get_function_key's outputs (secured), and the failure comments name only
// status codes, error codes and the webhook's own answer (which never echoes credentials).
// Sentinel caps a comment at 30,000 characters; the webhook's answer is cut well below that.
var containAnswer = '@{substring(string(body(\'Contain\')), 0, min(length(string(body(\'Contain\'))), 20000))}'

func commentAction(after object, message string) object => {
  type: 'ApiConnection'
  runAfter: after
  inputs: {
    host: {
      connection: {
        name: '@parameters(\'$connections\')[\'azuresentinel\'][\'connectionId\']'
      }
    }
    method: 'post'
    path: '/Incidents/Comment'
    body: {
      incidentArmId: '@triggerBody()?[\'object\']?[\'id\']'
      message: message
    }
  }
}

// A failure path ends the run as Failed after its comment (or after the comment itself failed), so the
// run history and any alert on failed runs show it, not only the incident.
func failRun(after string, code string, message string) object => {
  type: 'Terminate'
  runAfter: {
    '${after}': ['Succeeded', 'Failed', 'TimedOut']
  }
  inputs: {
    runStatus: 'Failed'
    runError: {
      code: code
      message: message
    }
  }
}

var keyFailureComments = {
  Comment_key_unavailable: commentAction(
    { Get_function_key: ['Failed', 'TimedOut', 'Skipped'] },
    '<p><b>aitm-contain was not called: the playbook could not read the function key from Key Vault</b> (HTTP @{coalesce(outputs(\'Get_function_key\')?[\'statusCode\'], \'none\')}, @{coalesce(body(\'Get_function_key\')?[\'error\']?[\'code\'], actions(\'Get_function_key\')?[\'error\']?[\'code\'], actions(\'Get_function_key\')?[\'status\'])}). The users of this incident are <b>not contained</b>. Check that the caller identity holds Key Vault Secrets User on the vault and that infra/scripts/store-function-key.sh --apply has stored the key, then run the playbook again.</p>'
  )
  Fail_key_unavailable: failRun('Comment_key_unavailable', 'FunctionKeyUnavailable', 'The function key could not be read from Key Vault; aitm-contain was not called.')
}

var answerComments = {
  Comment_answer: commentAction(
    { Contain: ['Succeeded'] },
    '<p>aitm-contain answered HTTP @{outputs(\'Contain\')?[\'statusCode\']}</p><pre>${containAnswer}</pre>'
  )
  Comment_contain_failed: commentAction(
    // Skipped only follows a failed Get_function_key, which has its own comment.
    { Contain: ['Failed', 'TimedOut'] },
    '<p><b>aitm-contain did not complete containment for this incident</b>: the call @{if(equals(actions(\'Contain\')?[\'status\'], \'TimedOut\'), \'timed out\', \'failed\')} after its retries (HTTP @{coalesce(outputs(\'Contain\')?[\'statusCode\'], \'none\')}, @{coalesce(actions(\'Contain\')?[\'error\']?[\'code\'], \'no error code\')}). Users may <b>not be contained</b>; run the playbook again once the cause is fixed (a repeat contains only what is missing).</p><pre>${containAnswer}</pre>'
  )
  Fail_contain_failed: failRun('Comment_contain_failed', 'ContainFailed', 'POST /api/contain failed or timed out after its retries.')
}

resource playbook 'Microsoft.Logic/workflows@2019-05-01' = {
  name: name
  location: location
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${callerIdentityResourceId}': {}
    }
  }
  properties: {
    state: 'Enabled'
    definition: {
      '$schema': 'https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#'
      contentVersion: '1.0.0.0'
      parameters: {
        '$connections': {
          type: 'Object'
          defaultValue: {}
        }
      }
      triggers: {
        Microsoft_Sentinel_incident: {
          type: 'ApiConnectionWebhook'
          inputs: {
            host: {
              connection: {
                name: sentinelConnection
              }
            }
            body: {
              callback_url: '@{listCallbackUrl()}'
            }
            path: '/incident-creation'
          }
        }
      }
      actions: union(useKey ? getFunctionKey : {}, contain, commentOnIncident ? union(useKey ? keyFailureComments : {}, answerComments) : {})
      outputs: {}
    }
    parameters: {
      '$connections': {
        value: {
          azuresentinel: {
            connectionId: connection.id
            connectionName: connection.name
            id: connection.properties.api.id
            connectionProperties: {
              authentication: {
                type: 'ManagedServiceIdentity'
                identity: callerIdentityResourceId
              }
            }
          }
        }
      }
    }
  }
}

// "Add comment to incident" through the Sentinel connector needs Responder on the workspace.
resource responder 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (commentOnIncident) {
  name: guid(workspace.id, callerIdentityPrincipalId, sentinelResponder)
  scope: workspace
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', sentinelResponder)
    principalId: callerIdentityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output id string = playbook.id
output name string = playbook.name
