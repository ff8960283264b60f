// The pivot hunt's queries (runbook 4.1-4.3, consents to the attacker's app, the attacker's phone
// number, the shared-egress guard) as Sentinel workspace functions with parameters: the one-click hunt an
// analyst runs, e.g. AitmHuntIpSignIns(ip="198.51.100.23"). The text is loaded from the same JSON the
// Function App builds its queries from (shared/hunting/hunt-query-text.json), so the two cannot drift.
// Deploy into the Sentinel workspace's resource group.

@description('Name of the Log Analytics workspace Microsoft Sentinel runs on.')
param workspaceName string

var hunts = loadJsonContent('../../shared/hunting/hunt-query-text.json').logAnalytics

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-02-01' existing = {
  name: workspaceName
}

resource huntFunctions 'Microsoft.OperationalInsights/workspaces/savedSearches@2025-02-01' = [
  for hunt in items(hunts): {
    parent: workspace
    name: 'aitm-${toLower(hunt.value.functionAlias)}'
    properties: {
      category: 'AiTM pivot hunt'
      displayName: hunt.value.displayName
      functionAlias: hunt.value.functionAlias
      functionParameters: hunt.value.parameters
      query: hunt.value.query
      version: 2
    }
  }
]
