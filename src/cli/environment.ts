import { SECRET_ENVIRONMENT } from '../hit/signature.js';

/** The environment this run started with: what its hit file stands for (secret variables included, as set or not). */
export const startEnvironment: NodeJS.ProcessEnv = { ...process.env };

/**
 * Once the options are read, the secret variables the option table marks (client secret, password, the tokens to
 * exchange) leave this process's environment, so that no child inherits them: the browser command, the system opener,
 * the password command, secret-tool.
 */
export const forgetSecretVariables = (): void => {
  for (const name of SECRET_ENVIRONMENT) delete process.env[name];
};
