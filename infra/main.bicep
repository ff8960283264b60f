// aitm-contain in one resource group: the Function App (Flex Consumption, Node 22) with its managed
// identity, storage, Application Insights and app settings; a second identity for callers (the Sentinel
// playbook) and the Key Vault that holds the function key it sends. Deploy with `azd up` or
// `az deployment group create`; Graph permissions come after (infra/scripts/grant-graph-permissions.sh).
targetScope = 'resourceGroup'

@minLength(1)
@maxLength(64)
@description('Environment name (the azd environment); it seeds the unique resource names.')
param environmentName string

@description('Region for every resource. Flex Consumption runs in a subset of regions.')
param location string = resourceGroup().location

@description('Object id of the user or service principal deploying this; it gets Key Vault Secrets Officer so it can store the function key. azd fills it in.')
param deployerPrincipalId string = ''

// ---- Settings the code reads (shared/config.ts). Defaults equal the code's defaults, except
// ---- containmentMode: a new deployment starts in dry-run and is switched to enforce after the smoke test.

@description('CONTAINMENT_MODE: enforce (revoke and disable), dry-run (record the requests, send none), off (record and hold everything).')
@allowed(['enforce', 'dry-run', 'off'])
param containmentMode string = 'dry-run'

@description('PROTECTED_ACCOUNTS: UPNs and object ids that are never contained (break-glass), comma separated.')
param protectedAccounts string = ''

@description('PROTECTED_GROUP_IDS: object ids of groups whose (transitive) members are never contained, comma separated.')
param protectedGroupIds string = ''

@description('PRIVILEGED_USERS: holders of an Entra directory role wait for approval (approve) or are contained like anyone (contain).')
@allowed(['approve', 'contain'])
param privilegedUsers string = 'approve'

@description('MIN_AUTO_CONTAIN_SEVERITY: alerts below it wait for approval.')
@allowed(['informational', 'low', 'medium', 'high'])
param minAutoContainSeverity string = 'high'

@description('BLAST_RADIUS_MAX: automatic containments allowed per window; past it, incidents wait for approval.')
@minValue(1)
param blastRadiusMax int = 10

@description('BLAST_RADIUS_WINDOW_MINUTES: the blast-radius window.')
@minValue(1)
param blastRadiusWindowMinutes int = 15

@description('HUNT_BACKEND: where the pivot hunt runs.')
@allowed(['log-analytics', 'defender', 'none'])
param huntBackend string = 'none'

@description('LOG_ANALYTICS_WORKSPACE_ID: workspace (customer) id of the Sentinel workspace; required when huntBackend is log-analytics.')
param logAnalyticsWorkspaceId string = ''

@description('LOG_ANALYTICS_ENDPOINT: Log Analytics query endpoint; empty means the code default.')
param logAnalyticsEndpoint string = ''

@description('HOSTING_ASNS: hosting AS numbers for the hunt, comma separated; empty means the runbook list.')
param hostingAsns string = ''

@description('SHARED_IP_MIN_USERS: an IP more distinct users signed in from in the 7 days before the attacker window is shared egress, not campaign evidence.')
@minValue(1)
param sharedIpMinUsers int = 20

@description('TRUSTED_IPS: IPs never taken as campaign evidence (office egress, VPN), comma separated.')
param trustedIps string = ''

@description('CAMPAIGN_CONTAINMENT: other victims the pivot hunt finds are held for approval, contained, or only reported.')
@allowed(['approve', 'contain', 'off'])
param campaignContainment string = 'approve'

@description('INTERNAL_DOMAINS: mail domains counted as internal besides the user\'s own UPN domain, comma separated.')
param internalDomains string = ''

@description('REPORTS_REQUESTS_PER_10_SECONDS: per-instance limit on sign-in and directory-audit reads (Graph allows about 5 per 10 s per app per tenant).')
@minValue(1)
param reportsRequestsPer10Seconds int = 5

@description('AUTO_ERADICATE: finding kinds removed without a human when diagnosis completes (inbox_rule, oauth_grant, app_role_assignment, authentication_method, device), comma separated; empty: every removal waits for an approver.')
param autoEradicate string = ''

@description('VERIFY_AFTER_MINUTES: containment verification runs at T0 + each of these minutes, comma separated (at most 7 days).')
param verifyAfterMinutes string = '5,15,60'

@description('RECOVERY_TAP_MINUTES: lifetime of the one-time Temporary Access Pass recovery issues.')
@minValue(10)
@maxValue(43200)
param recoveryTapMinutes int = 60

@description('WRITE_BACK: comment on the source incident at T0, diagnosis, T1 and T3: sentinel (Sentinel REST; Microsoft Sentinel Responder on the workspace, from infra/sentinel), defender (Graph alert and incident comments; SecurityAlert.ReadWrite.All, SecurityIncident.ReadWrite.All), or none.')
@allowed(['sentinel', 'defender', 'none'])
param writeBack string = 'none'

@description('SENTINEL_BASE_URL: Azure Resource Manager endpoint Sentinel comments go through (sovereign clouds have their own).')
// A literal, the same default as shared/config.ts (settings-agreement checks them); sovereign clouds set their own.
#disable-next-line no-hardcoded-env-urls
param sentinelBaseUrl string = 'https://management.azure.com'

@description('PUBLIC_BASE_URL: the app\'s public URL (a custom domain) for console links in write-back comments; empty: the app\'s default host name.')
param publicBaseUrl string = ''

@description('GRAPH_BASE_URL: Microsoft Graph host (sovereign clouds have their own).')
param graphBaseUrl string = 'https://graph.microsoft.com'

@description('GRAPH_RETRY_BUDGET_MS: total time one Graph write may take, retries included.')
@minValue(1)
param graphRetryBudgetMs int = 8000

@description('GRAPH_TIMEOUT_MS: time one Graph attempt may take.')
@minValue(1)
param graphTimeoutMs int = 10000

@description('STORAGE_TIMEOUT_MS: time one Table or Queue Storage call may take before it is abandoned (the webhook then answers 503).')
@minValue(1)
param storageTimeoutMs int = 5000

@description('PROTECTED_ACCOUNTS_CHECK_MINUTES: how often every PROTECTED_ACCOUNTS entry is resolved against the directory (also at start).')
@minValue(1)
param protectedAccountsCheckMinutes int = 15

@description('SAFETY_SNAPSHOT_MAX_AGE_SECONDS: older than this, the safety snapshot (protected members, role holders, UPN/id pairs) proves nothing and containment reads the directory live before acting.')
@minValue(1)
param safetySnapshotMaxAgeSeconds int = 300

@description('MAX_ALERT_BYTES: larger alert bodies are refused with 413.')
@minValue(1)
param maxAlertBytes int = 1048576

@description('WEBHOOK_AUDIENCE: audience (application id URI or client id) of the webhook\'s Entra app registration. Set it to accept Entra ID bearer tokens from the caller identity instead of function keys; empty keeps function keys.')
param webhookAudience string = ''

@description('More WEBHOOK_ALLOWED_CALLERS (object or application ids, comma separated) besides the caller identity this template creates.')
param webhookExtraAllowedCallers string = ''

@description('APPROVER_ROLE: app role of the webhook\'s app registration that a human approver\'s Entra user token must carry to approve, reject, eradicate or recover (infra/app-roles.json declares it).')
param approverRole string = 'Incidents.Approve'

@description('READER_ROLE: app role that lets a human read incidents (the approver role reads too).')
param readerRole string = 'Incidents.Read'

@description('APPROVER_GROUP_IDS: object ids of groups an approver must also be in, comma separated; empty: the app role alone decides.')
param approverGroupIds string = ''

@description('APPROVAL_AUTH: token (approvals need an approver\'s Entra user token) or function-key (any function key approves: weak, for a lab only).')
@allowed(['token', 'function-key'])
param approvalAuth string = 'token'

// ---- Scale

@description('Flex Consumption: most instances the app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Flex Consumption: memory per instance in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Flex Consumption: instances of the HTTP group kept running, so an alert never waits for a cold start. 0 (default): scale to zero, billed per execution; each one is billed around the clock (README, "Cold start and always-ready instances").')
@minValue(0)
@maxValue(20)
param alwaysReadyHttpInstances int = 0

var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))
var tags = {
  'azd-env-name': environmentName
  application: 'aitm-contain'
}
var functionAppName = 'func-aitm-${resourceToken}'
var functionKeySecretName = 'contain-function-key'

// The identity the app runs as: storage, telemetry and Microsoft Graph (the Graph application
// permissions are granted to it by infra/scripts/grant-graph-permissions.sh).
resource functionIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: 'id-aitm-func-${resourceToken}'
  location: location
  tags: tags
}

// The identity callers run as (the Sentinel playbook): reads the function key from Key Vault, or
// presents an Entra ID token the app accepts (WEBHOOK_ALLOWED_CALLERS). It gets no Graph permission.
resource callerIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: 'id-aitm-caller-${resourceToken}'
  location: location
  tags: tags
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  params: {
    name: 'staitm${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: 'app-package-${resourceToken}'
    functionPrincipalId: functionIdentity.properties.principalId
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: 'log-aitm-${resourceToken}'
    applicationInsightsName: 'appi-aitm-${resourceToken}'
    location: location
    tags: tags
    functionPrincipalId: functionIdentity.properties.principalId
  }
}

module keyVault 'app/key-vault.bicep' = {
  name: 'keyVault'
  params: {
    name: 'kv-aitm-${resourceToken}'
    location: location
    tags: tags
    callerPrincipalId: callerIdentity.properties.principalId
    deployerPrincipalId: deployerPrincipalId
  }
}

var tokensEnabled = !empty(webhookAudience)

// Every app setting. The code's settings (shared/config.ts SETTING_NAMES) are checked against this block
// by test/infra/settings-agreement.test.ts: keep one `NAME: value` per line. An empty value is left out
// of the app, so the code's default applies.
var appSettings = {
  // Functions host and the app's storage clients: identity-based connection (shared-key access is off).
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: functionIdentity.properties.clientId
  AzureWebJobsStorage__blobServiceUri: storage.outputs.blobEndpoint
  AzureWebJobsStorage__queueServiceUri: storage.outputs.queueEndpoint
  AzureWebJobsStorage__tableServiceUri: storage.outputs.tableEndpoint
  // Application Insights with local auth off: the identity signs the telemetry.
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${functionIdentity.properties.clientId};Authorization=AAD'
  // Microsoft Graph.
  GRAPH_BASE_URL: graphBaseUrl
  GRAPH_AUTH: 'managed-identity'
  AZURE_CLIENT_ID: functionIdentity.properties.clientId
  GRAPH_RETRY_BUDGET_MS: string(graphRetryBudgetMs)
  GRAPH_TIMEOUT_MS: string(graphTimeoutMs)
  // Storage.
  STORAGE_TIMEOUT_MS: string(storageTimeoutMs)
  // Safety.
  CONTAINMENT_MODE: containmentMode
  PROTECTED_ACCOUNTS: protectedAccounts
  PROTECTED_GROUP_IDS: protectedGroupIds
  PROTECTED_ACCOUNTS_CHECK_MINUTES: string(protectedAccountsCheckMinutes)
  SAFETY_SNAPSHOT_MAX_AGE_SECONDS: string(safetySnapshotMaxAgeSeconds)
  PRIVILEGED_USERS: privilegedUsers
  MIN_AUTO_CONTAIN_SEVERITY: minAutoContainSeverity
  BLAST_RADIUS_MAX: string(blastRadiusMax)
  BLAST_RADIUS_WINDOW_MINUTES: string(blastRadiusWindowMinutes)
  // Pivot hunt.
  HUNT_BACKEND: huntBackend
  LOG_ANALYTICS_WORKSPACE_ID: logAnalyticsWorkspaceId
  LOG_ANALYTICS_ENDPOINT: logAnalyticsEndpoint
  HOSTING_ASNS: hostingAsns
  SHARED_IP_MIN_USERS: string(sharedIpMinUsers)
  TRUSTED_IPS: trustedIps
  CAMPAIGN_CONTAINMENT: campaignContainment
  // Diagnosis.
  INTERNAL_DOMAINS: internalDomains
  REPORTS_REQUESTS_PER_10_SECONDS: string(reportsRequestsPer10Seconds)
  // Eradication, verification and recovery.
  AUTO_ERADICATE: autoEradicate
  VERIFY_AFTER_MINUTES: verifyAfterMinutes
  RECOVERY_TAP_MINUTES: string(recoveryTapMinutes)
  // Write-back to the source Sentinel or Defender XDR incident.
  WRITE_BACK: writeBack
  SENTINEL_BASE_URL: sentinelBaseUrl
  PUBLIC_BASE_URL: publicBaseUrl
  // Intake.
  MAX_ALERT_BYTES: string(maxAlertBytes)
  // Caller tokens: all or nothing (the code refuses a partial set).
  WEBHOOK_AUDIENCE: webhookAudience
  WEBHOOK_TENANT_ID: tokensEnabled ? tenant().tenantId : ''
  WEBHOOK_ALLOWED_CALLERS: tokensEnabled ? join(filter(concat([callerIdentity.properties.principalId], split(webhookExtraAllowedCallers, ',')), caller => !empty(trim(caller))), ',') : ''
  WEBHOOK_AUTHORITY: environment().authentication.loginEndpoint
  // Human approvers: Entra user tokens carrying an app role of the webhook's app registration.
  APPROVER_ROLE: approverRole
  READER_ROLE: readerRole
  APPROVER_GROUP_IDS: approverGroupIds
  APPROVAL_AUTH: approvalAuth
}

module functionApp 'app/function-app.bicep' = {
  name: 'functionApp'
  params: {
    name: functionAppName
    planName: 'plan-aitm-${resourceToken}'
    location: location
    tags: tags
    identityId: functionIdentity.id
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    appSettings: appSettings
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    alwaysReadyHttpInstances: alwaysReadyHttpInstances
  }
}

// azd keeps these outputs in the environment (azd env get-values); the scripts and the Sentinel and
// Azure Monitor templates take them as parameters.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = resourceGroup().name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output CONTAIN_URL string = 'https://${functionApp.outputs.defaultHostName}/api/contain'
output FUNCTION_IDENTITY_PRINCIPAL_ID string = functionIdentity.properties.principalId
output FUNCTION_IDENTITY_CLIENT_ID string = functionIdentity.properties.clientId
output CALLER_IDENTITY_RESOURCE_ID string = callerIdentity.id
output CALLER_IDENTITY_PRINCIPAL_ID string = callerIdentity.properties.principalId
output KEY_VAULT_NAME string = keyVault.outputs.name
output FUNCTION_KEY_SECRET_NAME string = functionKeySecretName
output FUNCTION_KEY_SECRET_URI string = '${keyVault.outputs.uri}secrets/${functionKeySecretName}'
output CONTAINMENT_MODE string = containmentMode
output WEBHOOK_AUDIENCE string = webhookAudience
