// Loads every function module (each registers itself), exposes the list the local host serves, and
// starts the checks that run outside invocations (Azure: when the worker starts; locally: dev/stack).
import { app } from '@azure/functions';
import './contain';
import './incidents';
import './approvals';
import './follow-ups';
import './health';
import './campaigns';
import './eradication';
import './report';
import './console';
import './write-back';
import { registeredFunctions, type FunctionDefinition } from './registry';
import { startBackgroundChecks } from '../shared/services';

export { startBackgroundChecks };

export function functionDefinitions(): readonly FunctionDefinition[] {
  return registeredFunctions();
}

app.hook.appStart(() => {
  startBackgroundChecks();
});
