import type { Command } from 'commander';
import { setVerbosity } from '../log.js';
import { addGetTokenFlags, toGetTokenOptions, type RawGetTokenFlags } from './flags.js';

export const registerGetToken = (program: Command): void => {
  addGetTokenFlags(
    program.command('get-token').description('print an ExecCredential for kubectl, logging in or refreshing when needed'),
  ).action(async (raw: RawGetTokenFlags) => {
    const options = toGetTokenOptions(raw);
    setVerbosity(options.verbose);
    const [{ getToken }, { parseExecInfo }] = await Promise.all([
      import('../credential/get-token.js'),
      import('../credential/exec-credential.js'),
    ]);
    await getToken(options, parseExecInfo(process.env.KUBERNETES_EXEC_INFO));
  });
};
