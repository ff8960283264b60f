// The Node arguments that run a .ts file uncompiled (scripts/register-ts.js), for a child process started
// the way `npm start` starts one.
import path from 'node:path';

export const RUN_TYPESCRIPT: readonly string[] = ['--require', path.join(__dirname, '..', 'scripts', 'register-ts.js')];
