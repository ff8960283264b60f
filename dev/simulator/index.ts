// Local tenant simulator: a loopback stand-in for Microsoft Graph v1.0 with a seeded AiTM scenario,
// for integration tests, the local demo and benchmarks. Never imported by functions/ or shared/.
export { startTenantSimulator } from './server';
export type { RequestLogEntry, SimulatorOptions, TenantSimulator } from './server';
export type { FaultRule } from './faults';
export { SimulatedTenant, UserExistsError } from './tenant';
export type {
  AppRoleAssignmentRecord,
  AuthenticationMethodRecord,
  DeviceRecord,
  MessageRuleRecord,
  NewUser,
  PermissionGrantRecord,
  SignInRecord,
  SimUser,
} from './tenant';
export { SCENARIO_ATTACK, SCENARIO_BENIGN, SCENARIO_NETWORKS, SCENARIO_USERS } from './scenario';
export type * from './resources';
