import { PluginError } from '../errors.js';

export const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

export interface ListenAddress {
  host: string;
  port: number;
}

/**
 * host:port, [v6]:port or :port (127.0.0.1). Any address is taken, as kubelogin takes 0.0.0.0:8000 in a container;
 * the callback server says so when one is not loopback.
 */
export const parseListenAddress = (text: string): ListenAddress => {
  const match = /^(?:\[([^\]]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) {
    throw new PluginError('usage', `--listen-address "${text}" is not host:port (e.g. 127.0.0.1:8000, or :0 for any free port)`);
  }
  const host = match[1] ?? (match[2] || '127.0.0.1');
  return { host: host === 'localhost' ? '127.0.0.1' : host, port };
};

export const isLoopback = (address: ListenAddress): boolean => LOOPBACK_HOSTS.has(address.host) || address.host.startsWith('127.');

/** A listen address as given, once it has been checked (a bad one is a usage error whatever the grant). */
export const checkedAddress = (address: string): string => {
  parseListenAddress(address);
  return address;
};
