// The seed of the property tests: fixed by default so `npm test` cannot pass or fail by luck, any integer
// from FC_SEED to replay a failure, `FC_SEED=random` (npm run test:explore) to look for new ones.
import { randomInt } from 'node:crypto';

export const PROPERTY_SEED_VARIABLE = 'FC_SEED';
export const DEFAULT_PROPERTY_SEED = 20_261_201;

export function propertySeed(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_PROPERTY_SEED;
  if (value === 'random') return randomInt(-(2 ** 31), 2 ** 31 - 1);
  const seed = Number(value);
  if (!Number.isSafeInteger(seed))
    throw new Error(`${PROPERTY_SEED_VARIABLE} must be an integer or "random", got ${JSON.stringify(value)}`);
  return seed;
}
