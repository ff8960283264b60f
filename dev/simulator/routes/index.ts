// Every Graph v1.0 route the simulator serves, one file per Graph area.
import type { GraphRoute } from '../router';
import { applicationRoutes } from './applications';
import { auditLogQueryRoutes } from './audit-log-query';
import { auditLogRoutes } from './audit-logs';
import { authenticationRoutes } from './authentication';
import { deviceRoutes } from './devices';
import { directoryRoutes } from './directory';
import { huntingRoutes } from './hunting';
import { mailRoutes } from './mail';
import { safetySnapshotRoutes } from './safety-snapshot';
import { securityRoutes } from './security';
import { userRoutes } from './users';

// The snapshot's routes go first: `users/delta` must win over `users/{userId}`.
export const graphRoutes: readonly GraphRoute[] = [
  ...safetySnapshotRoutes,
  ...userRoutes,
  ...mailRoutes,
  ...applicationRoutes,
  ...authenticationRoutes,
  ...deviceRoutes,
  ...directoryRoutes,
  ...auditLogRoutes,
  ...auditLogQueryRoutes,
  ...huntingRoutes,
  ...securityRoutes,
];
