import { PluginError } from '../errors.js';

/**
 * Just enough of the D-Bus wire format (https://dbus.freedesktop.org/doc/dbus-specification.html) to call a few
 * methods: marshalling, method call messages and their replies. No I/O here; dbus-connection.ts talks to the bus.
 *
 * Values by signature: s o g → string; y n q i u → number; b → boolean; x t → bigint; d → number; ay → Buffer;
 * other arrays → array; dict entries and structs → array of their members; v → [signature, value].
 */
export type DbusValue = string | number | boolean | bigint | Buffer | DbusValue[];

/** A D-Bus failure (a malformed message, an error reply, a bus that went away): the keychain falls back on it. */
export const dbusError = (message: string): PluginError => new PluginError('dbus', message);

const ALIGNMENT: Record<string, number> = {
  y: 1,
  b: 4,
  n: 2,
  q: 2,
  i: 4,
  u: 4,
  x: 8,
  t: 8,
  d: 8,
  s: 4,
  o: 4,
  g: 1,
  a: 4,
  '(': 8,
  '{': 8,
  v: 1,
  h: 4,
};

/** The end (exclusive) of the single complete type that starts at `start`. */
const typeEnd = (signature: string, start: number): number => {
  const code = signature[start];
  if (code === 'a') return typeEnd(signature, start + 1);
  if (code === '(' || code === '{') {
    const close = code === '(' ? ')' : '}';
    let i = start + 1;
    while (signature[i] !== close) {
      if (i >= signature.length) throw dbusError(`bad signature ${signature}`);
      i = typeEnd(signature, i);
    }
    return i + 1;
  }
  if (code === undefined || !(code in ALIGNMENT)) throw dbusError(`bad signature ${signature}`);
  return start + 1;
};

/** The complete types of a signature, e.g. "a{ss}o" → ["a{ss}", "o"]. */
export const splitSignature = (signature: string): string[] => {
  const types: string[] = [];
  for (let i = 0; i < signature.length; ) {
    const end = typeEnd(signature, i);
    types.push(signature.slice(i, end));
    i = end;
  }
  return types;
};

/** Marshals values (little-endian); offsets count from the start of the buffer, which must start 8-aligned. */
export const marshal = (signature: string, values: DbusValue[]): Buffer => {
  let buffer = Buffer.alloc(256);
  let length = 0;
  const reserve = (n: number): void => {
    if (length + n <= buffer.length) return;
    const bigger = Buffer.alloc(Math.max(buffer.length * 2, length + n));
    buffer.copy(bigger, 0, 0, length);
    buffer = bigger;
  };
  const align = (n: number): void => {
    const padding = (n - (length % n)) % n;
    reserve(padding);
    buffer.fill(0, length, length + padding);
    length += padding;
  };
  const uint32 = (value: number): void => {
    align(4);
    reserve(4);
    buffer.writeUInt32LE(value, length);
    length += 4;
  };
  const bytes = (data: Buffer): void => {
    reserve(data.length);
    data.copy(buffer, length);
    length += data.length;
  };
  const write = (type: string, value: DbusValue): void => {
    switch (type[0]) {
      case 'y':
        reserve(1);
        buffer.writeUInt8(value as number, length++);
        return;
      case 'b':
        uint32(value ? 1 : 0);
        return;
      case 'u':
        uint32(value as number);
        return;
      case 'i':
        align(4);
        reserve(4);
        buffer.writeInt32LE(value as number, length);
        length += 4;
        return;
      case 's':
      case 'o': {
        const data = Buffer.from(value as string, 'utf8');
        uint32(data.length);
        bytes(Buffer.concat([data, Buffer.alloc(1)]));
        return;
      }
      case 'g': {
        const data = Buffer.from(value as string, 'utf8');
        reserve(1);
        buffer.writeUInt8(data.length, length++);
        bytes(Buffer.concat([data, Buffer.alloc(1)]));
        return;
      }
      case 'v': {
        const [inner, innerValue] = value as [string, DbusValue];
        write('g', inner);
        write(inner, innerValue);
        return;
      }
      case 'a': {
        const element = type.slice(1);
        uint32(0);
        const lengthAt = length - 4;
        align(ALIGNMENT[element[0]!]!);
        const start = length;
        if (element === 'y') bytes(value as Buffer);
        else for (const item of value as DbusValue[]) write(element, item);
        buffer.writeUInt32LE(length - start, lengthAt);
        return;
      }
      case '(':
      case '{': {
        align(8);
        const members = splitSignature(type.slice(1, -1));
        for (const [i, member] of members.entries()) write(member, (value as DbusValue[])[i]!);
        return;
      }
      default:
        throw dbusError(`cannot marshal type ${type}`);
    }
  };
  for (const [i, type] of splitSignature(signature).entries()) write(type, values[i]!);
  return buffer.subarray(0, length);
};

/** Reads values; `offset` is where `data` starts in its message (alignment counts from the message start). */
export const unmarshal = (signature: string, data: Buffer, littleEndian: boolean, offset = 0): DbusValue[] => {
  let pos = 0;
  const need = (n: number): void => {
    if (pos + n > data.length) throw dbusError('truncated message');
  };
  const align = (n: number): void => {
    pos += (n - ((pos + offset) % n)) % n;
  };
  const fixed = <T>(size: number, readAt: (at: number) => T): T => {
    align(size);
    need(size);
    const value = readAt(pos);
    pos += size;
    return value;
  };
  const uint32 = (): number => fixed(4, (at) => (littleEndian ? data.readUInt32LE(at) : data.readUInt32BE(at)));
  const text = (size: number): string => {
    need(size + 1);
    const value = data.toString('utf8', pos, pos + size);
    pos += size + 1;
    return value;
  };
  const read = (type: string): DbusValue => {
    switch (type[0]) {
      case 'y':
        need(1);
        return data.readUInt8(pos++);
      case 'b':
        return uint32() !== 0;
      case 'u':
        return uint32();
      case 'i':
        return uint32() | 0;
      case 'n':
        return fixed(2, (at) => (littleEndian ? data.readInt16LE(at) : data.readInt16BE(at)));
      case 'q':
        return fixed(2, (at) => (littleEndian ? data.readUInt16LE(at) : data.readUInt16BE(at)));
      case 'x':
        return fixed(8, (at) => (littleEndian ? data.readBigInt64LE(at) : data.readBigInt64BE(at)));
      case 't':
        return fixed(8, (at) => (littleEndian ? data.readBigUInt64LE(at) : data.readBigUInt64BE(at)));
      case 'd':
        return fixed(8, (at) => (littleEndian ? data.readDoubleLE(at) : data.readDoubleBE(at)));
      case 'h':
        return uint32();
      case 's':
      case 'o':
        return text(uint32());
      case 'g':
        need(1);
        return text(data.readUInt8(pos++));
      case 'v': {
        const inner = read('g') as string;
        return [inner, read(inner)];
      }
      case 'a': {
        const element = type.slice(1);
        const size = uint32();
        align(ALIGNMENT[element[0]!]!);
        const end = pos + size;
        need(size);
        if (element === 'y') {
          pos = end;
          return data.subarray(end - size, end);
        }
        const items: DbusValue[] = [];
        while (pos < end) items.push(read(element));
        return items;
      }
      case '(':
      case '{':
        align(8);
        return splitSignature(type.slice(1, -1)).map(read);
      default:
        throw dbusError(`cannot read type ${type}`);
    }
  };
  return splitSignature(signature).map(read);
};

const MessageType = { MethodCall: 1, MethodReturn: 2, Error: 3 } as const;
const Field = { Path: 1, Interface: 2, Member: 3, ErrorName: 4, ReplySerial: 5, Destination: 6, Signature: 8 } as const;

export interface MethodCall {
  destination: string;
  path: string;
  interface: string;
  member: string;
  signature?: string;
  body?: DbusValue[];
}

/** A method call message with the given serial. */
export const methodCallMessage = (call: MethodCall, serial: number): Buffer => {
  const body = call.signature ? marshal(call.signature, call.body ?? []) : Buffer.alloc(0);
  const fields: DbusValue[] = [
    [Field.Path, ['o', call.path]],
    [Field.Interface, ['s', call.interface]],
    [Field.Member, ['s', call.member]],
    [Field.Destination, ['s', call.destination]],
    ...(call.signature ? [[Field.Signature, ['g', call.signature]] as DbusValue] : []),
  ];
  const header = marshal('yyyyuua(yv)', ['l'.charCodeAt(0), MessageType.MethodCall, 0, 1, body.length, serial, fields]);
  const padding = (8 - (header.length % 8)) % 8;
  return Buffer.concat([header, Buffer.alloc(padding), body]);
};

export interface Reply {
  replySerial: number | undefined;
  /** The error name of an error reply. */
  error: string | undefined;
  body: DbusValue[];
  /** Method returns and errors; signals and calls are of no interest here. */
  isReply: boolean;
}

/** Splits complete messages off the front of `data`; answers the messages and what is left over. */
export const readMessages = (data: Buffer): { messages: Reply[]; rest: Buffer } => {
  const messages: Reply[] = [];
  let at = 0;
  while (data.length - at >= 16) {
    const littleEndian = data[at] === 'l'.charCodeAt(0);
    const bodyLength = littleEndian ? data.readUInt32LE(at + 4) : data.readUInt32BE(at + 4);
    const fieldsLength = littleEndian ? data.readUInt32LE(at + 12) : data.readUInt32BE(at + 12);
    const headerEnd = 16 + fieldsLength + ((8 - ((16 + fieldsLength) % 8)) % 8);
    if (data.length - at < headerEnd + bodyLength) break;
    const message = data.subarray(at, at + headerEnd + bodyLength);
    const type = message[1];
    const fields = unmarshal('yyyyuua(yv)', message.subarray(0, 16 + fieldsLength), littleEndian)[6] as [number, [string, DbusValue]][];
    const field = (code: number): DbusValue | undefined => {
      return fields.find(([fieldCode]) => fieldCode === code)?.[1][1];
    };
    const signature = (field(Field.Signature) as string | undefined) ?? '';
    const isReply = type === MessageType.MethodReturn || type === MessageType.Error;
    messages.push({
      replySerial: field(Field.ReplySerial) as number | undefined,
      error: type === MessageType.Error ? ((field(Field.ErrorName) as string | undefined) ?? 'unknown error') : undefined,
      // Signals (NameAcquired and whatever else the bus sends) are skipped unread.
      body: isReply && signature ? unmarshal(signature, message.subarray(headerEnd), littleEndian, headerEnd) : [],
      isReply,
    });
    at += message.length;
  }
  return { messages, rest: data.subarray(at) };
};
