// Local tenant simulator: a loopback stand-in for Microsoft Graph v1.0 and Entra ID's token issuer, with
// a seeded AiTM scenario, for integration tests, the local demo and benchmarks. Never imported by
// functions/ or shared/.
export { startTenantSimulator } from './server';
export type { RequestLogEntry, SimulatorOptions, TelemetryEnvelope, TenantSimulator } from './api';
export type { FaultRule } from './faults';
export type { AnalystName, ClaimValue, PublicJwk, SimulatedIdentity, TokenRequest } from './identity';
export { GroupExistsError, SimulatedTenant, UserExistsError } from './tenant';
export type {
  AppRoleAssignmentRecord,
  AuditQueryBehaviour,
  AuditQueryRecord,
  AuthenticationMethodRecord,
  DeviceRecord,
  MailFolderRecord,
  MessageRecord,
  MessageRuleRecord,
  NewSignIn,
  NewGroup,
  NewUser,
  PermissionGrantRecord,
  SignInRecord,
  SimGroup,
  SimUser,
} from './tenant';
export {
  AZURE_CLI_APP_ID,
  SCENARIO_ANALYSTS,
  SCENARIO_APPROVER_GROUP_ID,
  SCENARIO_ATTACK,
  SCENARIO_BENIGN,
  SCENARIO_CALLER,
  SCENARIO_GROUPS,
  SCENARIO_MAILBOX,
  SCENARIO_NETWORKS,
  SCENARIO_TENANT,
  SCENARIO_RETURN,
  SCENARIO_USERS,
  reenableAccount,
  replantPersistence,
} from './scenario';
export type { Reenabler } from './scenario';
export { DEFAULT_APP_PERMISSIONS } from './tenant';
export type { AppAccess } from './tenant';
export type * from './resources';
