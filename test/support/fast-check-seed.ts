// Every fast-check property in test/ runs from one seed, so a run that passes passes again and a failure
// replays: `FC_SEED=<seed> npx jest <file>`. The seed is chosen once per jest run (fast-check-global.ts).
import fc from 'fast-check';
import { PROPERTY_SEED_VARIABLE, propertySeed } from './property-seed';

fc.configureGlobal({ seed: propertySeed(process.env[PROPERTY_SEED_VARIABLE]) });
