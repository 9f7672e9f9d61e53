/** The kubectl exec-credential contract (client-go): read KUBERNETES_EXEC_INFO, write one ExecCredential. */

import { PluginError } from '../errors.js';

export const API_VERSION_V1 = 'client.authentication.k8s.io/v1';
export const API_VERSION_V1BETA1 = 'client.authentication.k8s.io/v1beta1';
const KNOWN_VERSIONS = new Set([API_VERSION_V1, API_VERSION_V1BETA1]);

export interface ExecInfo {
  apiVersion: string;
  /** Whether kubectl passed its stdin (interactiveMode); undefined when kubectl did not say. */
  interactive: boolean | undefined;
}

/**
 * kubectl ≥ 1.20 always sets KUBERNETES_EXEC_INFO; without it we answer v1beta1 as kubelogin does. kubectl never sends
 * one that is not JSON or names another apiVersion: a person testing by hand does, and is told.
 */
export const parseExecInfo = (raw: string | undefined): ExecInfo => {
  if (!raw) return { apiVersion: API_VERSION_V1BETA1, interactive: undefined };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new PluginError('exec_info', 'KUBERNETES_EXEC_INFO is not JSON', 'unset it, or set it as kubectl does (an ExecCredential)');
  }
  const info = (parsed ?? {}) as { apiVersion?: unknown; spec?: { interactive?: unknown } };
  const apiVersion = info.apiVersion === undefined ? API_VERSION_V1BETA1 : String(info.apiVersion);
  if (!KNOWN_VERSIONS.has(apiVersion)) {
    throw new PluginError(
      'exec_info',
      `KUBERNETES_EXEC_INFO names apiVersion "${apiVersion}"`,
      `kubectl-oidc answers ${API_VERSION_V1} and ${API_VERSION_V1BETA1}`,
    );
  }
  const interactive = typeof info.spec?.interactive === 'boolean' ? info.spec.interactive : undefined;
  return { apiVersion, interactive };
};

const two = (n: number): string => (n < 10 ? `0${n}` : String(n));

/**
 * RFC 3339 in UTC to the second, from the UTC getters: the first toISOString() of a process costs ~0.7 ms, a tenth of
 * a whole cache hit's own work.
 */
export const rfc3339 = (date: Date): string =>
  `${date.getUTCFullYear()}-${two(date.getUTCMonth() + 1)}-${two(date.getUTCDate())}` +
  `T${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}Z`;

export const formatExecCredential = (apiVersion: string, token: string, expiresAt: Date | undefined): string => {
  const status: { token: string; expirationTimestamp?: string } = { token };
  if (expiresAt) status.expirationTimestamp = rfc3339(expiresAt);
  return `${JSON.stringify({ apiVersion, kind: 'ExecCredential', status })}\n`;
};
