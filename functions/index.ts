// Loads every function module (each registers itself) and exposes the list the local host serves.
import './contain';
import './incidents';
import './approvals';
import './follow-ups';
import { registeredFunctions, type FunctionDefinition } from './registry';

export function functionDefinitions(): readonly FunctionDefinition[] {
  return registeredFunctions();
}
