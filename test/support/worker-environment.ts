// The jest environment of every test file: node's, plus one Azurite per jest worker that lends each local
// stack (dev/stack.ts) a storage account of its own. An account starts as empty and sees as little of the
// others as a new Azurite would, and a worker runs its files one at a time; but starting Azurite costs
// seconds of CPU, which one stack per test file paid over and over. Files that start no stack start no Azurite.
import { TestEnvironment } from 'jest-environment-node';
import { AZURITE_LENDER, startAzurite, type AzuriteAccount, type AzuriteInstance, type AzuriteLender } from '../../dev/azurite';

/** More than one worker's files start stacks in a run; when all are lent, the next stack gets a new Azurite. */
const ACCOUNTS_PER_AZURITE = 64;
const ACCOUNTS: readonly AzuriteAccount[] = Array.from({ length: ACCOUNTS_PER_AZURITE }, (_, i) => ({
  name: `stack${i + 1}`,
  key: Buffer.from(`aitm-contain local stack ${i + 1}`).toString('base64'),
}));

let current: { azurite: Promise<AzuriteInstance>; lent: number } | undefined;

const lend: AzuriteLender = async () => {
  if (!current || current.lent === ACCOUNTS.length) {
    // Lives as long as the worker: never stopped, it exits with the worker (dev/azurite.ts sees to that).
    const azurite = startAzurite({ accounts: ACCOUNTS, unref: true });
    current = { azurite, lent: 0 };
    // An Azurite that failed to start is not handed to the next file.
    azurite.catch(() => {
      if (current?.azurite === azurite) current = undefined;
    });
  }
  const lot = current;
  const { name } = ACCOUNTS[lot.lent++];
  const endpoints = (await lot.azurite).account(name);
  return { ...endpoints, stop: () => Promise.resolve() };
};

export default class WorkerEnvironment extends TestEnvironment {
  constructor(...args: ConstructorParameters<typeof TestEnvironment>) {
    super(...args);
    this.global[AZURITE_LENDER] = lend;
  }
}
