// The vault that holds the function key the Sentinel playbook sends (secret "contain-function-key",
// written after deployment by infra/scripts/store-function-key.sh). RBAC mode: the playbook's identity
// may read secrets, the deployer may write them, nobody else gets data-plane access from this template.

@description('Key Vault name: 3-24 letters, digits and hyphens, globally unique.')
@minLength(3)
@maxLength(24)
param name string

param location string
param tags object

@description('Principal (object) id of the caller identity (the playbook) that reads the function key.')
param callerPrincipalId string

@description('Object id of the user or service principal that runs the deployment and stores the key. Empty: no role (store the key with an identity that has Key Vault Secrets Officer).')
param deployerPrincipalId string = ''

var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'
var keyVaultSecretsOfficer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    // Consumption Logic Apps reach the vault over its public endpoint.
    publicNetworkAccess: 'Enabled'
  }
}

resource callerReads 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, callerPrincipalId, keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: callerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource deployerWrites 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(vault.id, deployerPrincipalId, keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficer)
    principalId: deployerPrincipalId
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
