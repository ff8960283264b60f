// The automation rules: when Sentinel creates an incident from one of the chosen analytics rules, or
// adds alerts to one, run the playbook. Sentinel runs playbooks as its own service principal ("Azure Security Insights"), which
// needs Microsoft Sentinel Automation Contributor on the playbook's resource group.

@description('Name of the Log Analytics workspace Microsoft Sentinel runs on (in this resource group).')
param workspaceName string

@description('Resource id of the playbook to run.')
param playbookId string

@description('Analytics rules whose incidents start containment: rule ids (GUIDs) of this workspace or full alertRules resource ids.')
@minLength(1)
param analyticRuleIds array

@description('Where the rule runs among the workspace\'s automation rules (lower runs first).')
@minValue(1)
@maxValue(1000)
param order int

@description('Object id of the "Azure Security Insights" service principal in this tenant (app id 98785600-1bb7-4fb9-b9fa-19afe2c8a360). Empty: grant "Microsoft Sentinel Automation Contributor" yourself (Sentinel > Settings > Playbook permissions).')
param sentinelServicePrincipalId string = ''

var automationContributor = 'f4c81013-99ee-4d62-a7ee-b3f1f648599a'

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-02-01' existing = {
  name: workspaceName
}

var ruleResourceIds = map(
  analyticRuleIds,
  ruleId => startsWith(ruleId, '/') ? ruleId : '${workspace.id}/providers/Microsoft.SecurityInsights/alertRules/${ruleId}'
)

resource sentinelRunsPlaybooks 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(sentinelServicePrincipalId)) {
  name: guid(resourceGroup().id, sentinelServicePrincipalId, automationContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', automationContributor)
    principalId: sentinelServicePrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Incidents from the chosen analytics rules. Both rules below carry it: an incident from another rule
// never runs the playbook, however it changes.
var fromChosenRules = {
  conditionType: 'Property'
  conditionProperties: {
    propertyName: 'IncidentRelatedAnalyticRuleIds'
    operator: 'Contains'
    propertyValues: ruleResourceIds
  }
}

var runPlaybook = [
  {
    order: 1
    actionType: 'RunPlaybook'
    actionConfiguration: {
      logicAppResourceId: playbookId
      tenantId: tenant().tenantId
    }
  }
]

// A new incident: contain the users its first alerts name.
resource onCreated 'Microsoft.SecurityInsights/automationRules@2025-09-01' = {
  name: guid(workspace.id, playbookId, 'aitm-contain')
  scope: workspace
  dependsOn: [sentinelRunsPlaybooks]
  properties: {
    displayName: 'AiTM containment: run ${last(split(playbookId, '/'))} (incident created)'
    order: order
    triggeringLogic: {
      isEnabled: true
      triggersOn: 'Incidents'
      triggersWhen: 'Created'
      conditions: [fromChosenRules]
    }
    actions: runPlaybook
  }
}

// Alerts grouped into an open incident later can name users the first run never saw. The playbook
// posts the whole incident again; the webhook's exactly-once gate answers users already handled as
// replays and contains only the new ones. Only "alerts added" triggers it: the playbook's own comment
// (also an update) does not, so it cannot loop.
resource onAlertsAdded 'Microsoft.SecurityInsights/automationRules@2025-09-01' = {
  name: guid(workspace.id, playbookId, 'aitm-contain', 'alerts-added')
  scope: workspace
  dependsOn: [sentinelRunsPlaybooks]
  properties: {
    displayName: 'AiTM containment: run ${last(split(playbookId, '/'))} (alerts added)'
    order: order
    triggeringLogic: {
      isEnabled: true
      triggersOn: 'Incidents'
      triggersWhen: 'Updated'
      conditions: [
        fromChosenRules
        {
          conditionType: 'PropertyArrayChanged'
          conditionProperties: {
            arrayType: 'Alerts'
            changeType: 'Added'
          }
        }
      ]
    }
    actions: runPlaybook
  }
}

output names array = [onCreated.name, onAlertsAdded.name]
