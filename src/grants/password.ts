import { execFile } from 'node:child_process';
import * as client from 'openid-client';
import { oneLine, PluginError } from '../errors.js';
import type { Provider } from '../oidc/provider.js';
import { grantTokens, scopeOf } from '../oidc/token-request.js';
import type { LoginInput, LoginOptions } from '../options/types.js';
import type { TokenSet } from '../session/tokens.js';

/** Resource owner password credentials (RFC 6749 §4.3), kept for compatibility with IdPs that still allow it. */
const passwordGrant = async (provider: Provider, username: string, password: string, extraScopes: string[]): Promise<TokenSet> => {
  const { config } = provider;
  return grantTokens(provider, 'password', () =>
    client.genericGrantRequest(config, 'password', { username, password, scope: scopeOf(extraScopes) }),
  );
};

/** Reads a line from the terminal without echoing it. */
const promptHidden = (question: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let value = '';
    const done = (error?: PluginError): void => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string): void => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') {
          done();
          return;
        }
        if (char === '\u0003') {
          done(new PluginError('interrupted', 'password prompt cancelled (Ctrl-C); nothing was saved'));
          return;
        }
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else value += char;
      }
    };
    stdin.on('data', onData);
  });

/** The password from the flag/environment/file, else --password-command, else a no-echo prompt on the terminal. */
export const resolvePassword = async (login: LoginOptions, interactive: boolean, what: string): Promise<string> => {
  if (login.password !== undefined) return login.password;
  if (login.passwordCommand) {
    const command = login.passwordCommand;
    return new Promise((resolve, reject) => {
      execFile('/bin/sh', ['-c', command], { timeout: 60_000, encoding: 'utf8' }, (err, stdout, stderr) => {
        if (err) reject(new PluginError('usage', `--password-command failed (${oneLine(stderr) || (err as Error).message})`));
        else resolve(stdout.replace(/\r?\n$/, ''));
      });
    });
  }
  if (interactive && process.stdin.isTTY) return promptHidden(`${what}: `);
  throw new PluginError(
    'usage',
    `no ${what.toLowerCase()}: set KUBECTL_OIDC_PASSWORD, --password-file or --password-command`,
    'or run from a terminal with interactiveMode IfAvailable/Always in the kubeconfig to be prompted',
  );
};

/** The password grant with --username and the password from wherever it is given (auto takes it too, given a username). */
export const loginWithPassword = async (provider: Provider, options: LoginInput, interactive: boolean): Promise<TokenSet> => {
  const { username } = options.login;
  if (!username) throw new PluginError('usage', '--grant-type=password needs --username');
  return passwordGrant(provider, username, await resolvePassword(options.login, interactive, 'Password'), options.provider.extraScopes);
};
