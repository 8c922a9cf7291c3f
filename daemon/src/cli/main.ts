/** The `astbill` executable: one command line through the dispatcher (./dispatch.ts). */
import { runCli } from './dispatch.js';
import { errorText } from '../error-text.js';

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`astbill: ${errorText(err)}\n`);
    process.exitCode = 1;
  },
);
