// Chooses the property-test seed once for the whole jest run and prints it before any test, so every
// worker uses the same one and a failure names the seed that reproduces it.
import { PROPERTY_SEED_VARIABLE, propertySeed } from './property-seed';

export default function chooseSeed(): void {
  const seed = propertySeed(process.env[PROPERTY_SEED_VARIABLE]);
  process.env[PROPERTY_SEED_VARIABLE] = String(seed);
  process.stdout.write(
    `\nfast-check seed ${seed} (replay: ${PROPERTY_SEED_VARIABLE}=${seed} npx jest; fresh seeds: npm run test:explore)\n`,
  );
}
