import { connect, type Socket } from 'node:net';
import { type DbusValue, dbusError, type MethodCall, methodCallMessage, readMessages } from './dbus-wire.js';

/**
 * A connection to the session bus: EXTERNAL authentication over a Unix socket, method calls and their replies. A
 * keyring cache hit reads its key through this, some 30 ms sooner than through a `secret-tool` child process.
 */

/** The Unix socket of the first unix: address in DBUS_SESSION_BUS_ADDRESS (abstract ones with a leading NUL). */
export const sessionBusSocket = (address: string | undefined): string | undefined => {
  for (const entry of (address ?? '').split(';')) {
    const match = /^unix:(.*)$/.exec(entry);
    if (!match) continue;
    const params = new Map(
      match[1]!.split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), decodeURIComponent(kv.slice(kv.indexOf('=') + 1))]),
    );
    if (params.get('path')) return params.get('path');
    if (params.get('abstract')) return `\0${params.get('abstract')}`;
  }
  return undefined;
};

export interface Bus {
  /** Sends calls in order without waiting between them; resolves with their return values, or rejects on an error reply. */
  call(...calls: MethodCall[]): Promise<DbusValue[][]>;
  close(): void;
}

const HELLO: MethodCall = {
  destination: 'org.freedesktop.DBus',
  path: '/org/freedesktop/DBus',
  interface: 'org.freedesktop.DBus',
  member: 'Hello',
};

/**
 * Connects to a bus socket as this user (EXTERNAL) and says Hello. Nothing waits for an answer before sending on: the
 * authentication, BEGIN, Hello and the first calls leave in one write, as sd-bus does, which the specification allows;
 * a refusal fails every call.
 */
export const openBus = (socketPath: string): Bus => {
  const socket: Socket = connect({ path: socketPath });
  socket.unref(); // the caller's own timeout keeps the process alive while it waits, and no longer
  let serial = 0;
  let pending: Buffer = Buffer.alloc(0);
  let authenticated = false;
  const waiting = new Map<number, { resolve: (body: DbusValue[]) => void; reject: (err: Error) => void }>();
  const fail = (err: Error): void => {
    socket.destroy();
    for (const call of waiting.values()) call.reject(err);
    waiting.clear();
  };
  const send = (call: MethodCall): Promise<DbusValue[]> => {
    const id = ++serial;
    socket.write(methodCallMessage(call, id)); // written once connected
    return new Promise((resolve, reject) => waiting.set(id, { resolve, reject }));
  };
  socket.once('error', (err) => fail(dbusError(`cannot reach the session bus: ${(err as NodeJS.ErrnoException).code ?? err.message}`)));
  socket.once('close', () => fail(dbusError('the session bus closed the connection')));
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    if (!authenticated) {
      const lineEnd = pending.indexOf('\r\n');
      if (lineEnd < 0) return;
      const line = pending.toString('latin1', 0, lineEnd);
      pending = pending.subarray(lineEnd + 2);
      if (!line.startsWith('OK ')) return fail(dbusError(`the session bus refused authentication (${line})`));
      authenticated = true;
    }
    let parsed: ReturnType<typeof readMessages>;
    try {
      parsed = readMessages(pending);
    } catch (err) {
      return fail(err as Error);
    }
    pending = parsed.rest;
    for (const message of parsed.messages) {
      const call = message.replySerial === undefined || !message.isReply ? undefined : waiting.get(message.replySerial);
      if (!call) continue;
      waiting.delete(message.replySerial!);
      if (message.error) call.reject(dbusError(message.error));
      else call.resolve(message.body);
    }
  });
  const uid = String(process.getuid?.() ?? '');
  socket.write(`\0AUTH EXTERNAL ${Buffer.from(uid).toString('hex')}\r\nBEGIN\r\n`);
  send(HELLO).catch(() => undefined); // a failed Hello fails the calls after it too
  return { call: (...calls) => Promise.all(calls.map(send)), close: () => socket.destroy() };
};
