import type { Command } from 'commander';
import { setVerbosity } from '../log.js';
import { getTokenOptionsOf } from '../options/parse.js';
import { addOptions, groupsOf } from './options.js';

export const registerGetToken = (program: Command): void => {
  const command = program.command('get-token').description('print an ExecCredential for kubectl, logging in or refreshing when needed');
  addOptions(command, 'get-token').action(async () => {
    const options = getTokenOptionsOf(groupsOf(command, 'get-token'));
    setVerbosity(options.verbose);
    const [{ getToken }, { parseExecInfo }] = await Promise.all([
      import('../credential/adapters.js'),
      import('../credential/exec-credential.js'),
    ]);
    await getToken(options, parseExecInfo(process.env.KUBERNETES_EXEC_INFO));
  });
};
