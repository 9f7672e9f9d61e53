import { createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { PluginError } from '../errors.js';
import { type Bus, openBus, sessionBusSocket } from './dbus-connection.js';
import { type DbusValue, dbusError } from './dbus-wire.js';
import { notAnswered } from './item.js';

const SERVICE = { destination: 'org.freedesktop.secrets', path: '/org/freedesktop/secrets', interface: 'org.freedesktop.Secret.Service' };
const ALGORITHM = 'dh-ietf1024-sha256-aes128-cbc-pkcs7';

// The spec's Diffie-Hellman group: the 1024-bit MODP group of RFC 2409 ("second Oakley group"), generator 2. With
// BigInt, because node:crypto's getDiffieHellman('modp2') spends ~45 ms validating the group before the first use.
const PRIME = BigInt(
  '0xffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b' +
    '0a6df25f14374fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7edee386bfb5a899fa5ae9f2411' +
    '7c4b1fe649286651ece65381ffffffffffffffff',
);
const GROUP_BYTES = 128;

const modPow = (base: bigint, exponent: bigint): bigint => {
  let result = 1n;
  for (let b = base % PRIME, e = exponent; e > 0n; e >>= 1n, b = (b * b) % PRIME) if (e & 1n) result = (result * b) % PRIME;
  return result;
};
const toBytes = (value: bigint): Buffer => Buffer.from(value.toString(16).padStart(GROUP_BYTES * 2, '0'), 'hex');
export const publicKeyOf = (privateKey: bigint): Buffer => toBytes(modPow(2n, privateKey));

/** The AES-128 key both sides derive: HKDF-SHA256 (no salt, no info) of the shared secret padded to the group size. */
export const transferKey = (privateKey: bigint, serverPublicKey: Buffer): Buffer => {
  const peer = BigInt(`0x${serverPublicKey.toString('hex') || '0'}`);
  if (peer <= 1n || peer >= PRIME - 1n) throw dbusError('the Secret Service sent an invalid public key');
  return Buffer.from(hkdfSync('sha256', toBytes(modPow(peer, privateKey)), Buffer.alloc(0), Buffer.alloc(0), 16));
};

/**
 * Reads one secret from the Secret Service (gnome-keyring, KeePassXC, KWallet) straight over the session bus:
 * OpenSession with the spec's Diffie-Hellman transfer encryption, SearchItems, GetSecrets. Answers the secret, or
 * null when no item matches; throws a 'dbus' PluginError for a locked item, a missing bus or service, or an error
 * reply (the caller asks secret-tool instead, which can also prompt to unlock), and a 'keychain_unavailable' one when
 * the bus does not answer in time (a keyring waiting for its prompt).
 */
export const readSecret = async (attributes: Record<string, string>, timeoutMs: number): Promise<string | null> => {
  const socket = sessionBusSocket(process.env.DBUS_SESSION_BUS_ADDRESS);
  if (!socket) throw dbusError('no unix: session bus address');
  let bus: Bus | undefined;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = notAnswered();
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut), timeoutMs);
  });
  const read = async (): Promise<string | null> => {
    // A 256-bit private exponent: beyond the ~80-bit strength of the 1024-bit group, at a quarter of the cost.
    const privateKey = BigInt(`0x${randomBytes(32).toString('hex')}`);
    bus = openBus(socket);
    const [[output, session], [unlocked, locked]] = (await bus.call(
      { ...SERVICE, member: 'OpenSession', signature: 'sv', body: [ALGORITHM, ['ay', publicKeyOf(privateKey)]] },
      { ...SERVICE, member: 'SearchItems', signature: 'a{ss}', body: [Object.entries(attributes)] },
    )) as [[[string, Buffer], string], [string[], string[]]];
    const item = unlocked[0];
    if (!item) {
      if (locked.length > 0) throw dbusError('the item is locked');
      return null;
    }
    const answer = bus.call({ ...SERVICE, member: 'GetSecrets', signature: 'aoo', body: [[item], session] });
    answer.catch(() => undefined); // awaited below, unless transferKey throws first
    const key = transferKey(privateKey, output[1]); // while the Secret Service looks the item up
    const [[secrets]] = (await answer) as [[DbusValue[][]]];
    const secret = secrets.find(([path]) => path === item)?.[1] as [string, Buffer, Buffer, string] | undefined;
    if (!secret) throw dbusError('GetSecrets returned nothing');
    const [, iv, value] = secret;
    const decipher = createDecipheriv('aes-128-cbc', key, iv);
    return Buffer.concat([decipher.update(value), decipher.final()]).toString('utf8');
  };
  try {
    return await Promise.race([read(), timeout]);
  } catch (err) {
    throw err === timedOut || (err instanceof PluginError && err.code === 'dbus') ? err : dbusError((err as Error).message);
  } finally {
    clearTimeout(timer);
    bus?.close();
  }
};
