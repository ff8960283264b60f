// The automation rule: when Sentinel creates an incident from one of the chosen analytics rules, run
// the playbook. Sentinel runs playbooks as its own service principal ("Azure Security Insights"), which
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

resource rule 'Microsoft.SecurityInsights/automationRules@2025-09-01' = {
  name: guid(workspace.id, playbookId, 'aitm-contain')
  scope: workspace
  dependsOn: [sentinelRunsPlaybooks]
  properties: {
    displayName: 'AiTM containment: run ${last(split(playbookId, '/'))}'
    order: order
    triggeringLogic: {
      isEnabled: true
      triggersOn: 'Incidents'
      triggersWhen: 'Created'
      conditions: [
        {
          conditionType: 'Property'
          conditionProperties: {
            propertyName: 'IncidentRelatedAnalyticRuleIds'
            operator: 'Contains'
            propertyValues: ruleResourceIds
          }
        }
      ]
    }
    actions: [
      {
        order: 1
        actionType: 'RunPlaybook'
        actionConfiguration: {
          logicAppResourceId: playbookId
          tenantId: tenant().tenantId
        }
      }
    ]
  }
}

output name string = rule.name
