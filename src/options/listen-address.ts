import { PluginError } from '../errors.js';

export const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

export interface ListenAddress {
  host: string;
  port: number;
}

export const parseListenAddress = (text: string): ListenAddress => {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) {
    throw new PluginError('usage', `--listen-address "${text}" is not host:port (e.g. 127.0.0.1:8000, or :0 for any free port)`);
  }
  const host = match[1] ?? (match[2] || '127.0.0.1');
  if (!LOOPBACK_HOSTS.has(host)) {
    throw new PluginError(
      'usage',
      `--listen-address "${text}" is not a loopback address`,
      'the callback server only listens on 127.0.0.1, ::1 or localhost so no other machine can reach it',
    );
  }
  return { host: host === 'localhost' ? '127.0.0.1' : host, port };
};
