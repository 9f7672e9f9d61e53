import { createDiffieHellman, hkdfSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sessionBusSocket } from '../../src/keychain/dbus-connection.js';
import { type DbusValue, marshal, methodCallMessage, readMessages, splitSignature, unmarshal } from '../../src/keychain/dbus-wire.js';
import { publicKeyOf, transferKey } from '../../src/keychain/secret-service.js';

const hex = (buffer: Buffer): string => buffer.toString('hex');

describe('D-Bus wire format', () => {
  it('splits signatures into complete types', () => {
    expect(splitSignature('a{ss}oa(oayays)v')).toEqual(['a{ss}', 'o', 'a(oayays)', 'v']);
    expect(() => splitSignature('a{ss')).toThrow(/bad signature/);
    expect(() => splitSignature('z')).toThrow(/bad signature/);
  });

  it('aligns and pads as the specification says', () => {
    expect(hex(marshal('s', ['ab']))).toBe('0200000061620' + '0');
    expect(hex(marshal('yu', [1, 2]))).toBe('0100000002000000');
    // array length 14 (padding after the length not counted), dict entries 8-aligned, strings 4-aligned
    expect(hex(marshal('a{ss}', [[['a', 'b']]]))).toBe('0e000000' + '00000000' + '01000000' + '6100' + '0000' + '01000000' + '6200');
    expect(hex(marshal('v', [['ay', Buffer.from([7, 8])]]))).toBe('02617900' + '02000000' + '0708');
  });

  it('reads back what it writes, in either byte order', () => {
    const signature = 'sa{ss}aoa(oayays)vb';
    const values: DbusValue[] = [
      'héllo',
      [
        ['service', 'kubectl-oidc'],
        ['account', 'key'],
      ],
      ['/a', '/b/c'],
      [['/s', Buffer.from([1, 2, 3]), Buffer.from('secret'), 'text/plain']],
      ['s', 'inner'],
      true,
    ];
    expect(unmarshal(signature, marshal(signature, values), true)).toEqual(values);
    // big-endian: a uint32 and a string, laid out by hand
    expect(unmarshal('us', Buffer.from('0000000500000002616200', 'hex'), false)).toEqual([5, 'ab']);
  });

  it('frames a method call and parses replies split across reads', () => {
    const call = methodCallMessage(
      { destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'Hello' },
      1,
    );
    expect(call.length % 8).toBe(0);
    expect(call.subarray(0, 4).toString('latin1')).toBe('l\u0001\u0000\u0001');
    expect(call.readUInt32LE(4)).toBe(0); // no body
    expect(call.readUInt32LE(8)).toBe(1); // serial

    // A method return (type 2) answering serial 1, body ":1.42" of signature "s".
    const body = marshal('s', [':1.42']);
    const header = marshal('yyyyuua(yv)', [
      0x6c,
      2,
      0,
      1,
      body.length,
      9,
      [
        [5, ['u', 1]],
        [8, ['g', 's']],
      ],
    ]);
    const padded = Buffer.concat([header, Buffer.alloc((8 - (header.length % 8)) % 8), body]);
    const first = readMessages(padded.subarray(0, 20));
    expect(first.messages).toEqual([]);
    const whole = readMessages(Buffer.concat([first.rest, padded.subarray(20), padded]));
    expect(whole.messages).toEqual([
      { replySerial: 1, error: undefined, body: [':1.42'], isReply: true },
      { replySerial: 1, error: undefined, body: [':1.42'], isReply: true },
    ]);
    expect(whole.rest.length).toBe(0);
  });

  it('finds the socket of the session bus address', () => {
    expect(sessionBusSocket('unix:path=/run/user/1000/bus')).toBe('/run/user/1000/bus');
    expect(sessionBusSocket('unix:abstract=/tmp/dbus-Ab,guid=0123')).toBe('\0/tmp/dbus-Ab');
    expect(sessionBusSocket('tcp:host=x,port=1;unix:path=/tmp/a%20b')).toBe('/tmp/a b');
    expect(sessionBusSocket('tcp:host=x,port=1')).toBeUndefined();
    expect(sessionBusSocket(undefined)).toBeUndefined();
  });
});

describe('Secret Service transfer key (dh-ietf1024-sha256-aes128-cbc-pkcs7)', () => {
  it('agrees with OpenSSL Diffie-Hellman over the same group, and HKDF-SHA256 of the padded secret', () => {
    const ours = BigInt(`0x${randomBytes(32).toString('hex')}`);
    const prime = Buffer.from(
      'ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b' +
        '0a6df25f14374fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7edee386bfb5a899fa5ae9f2411' +
        '7c4b1fe649286651ece65381ffffffffffffffff',
      'hex',
    );
    const server = createDiffieHellman(prime, 2);
    const serverPublic = server.generateKeys();
    const shared = server.computeSecret(publicKeyOf(ours));
    expect(shared.length).toBe(128);
    expect(hex(transferKey(ours, serverPublic))).toBe(hex(Buffer.from(hkdfSync('sha256', shared, Buffer.alloc(0), Buffer.alloc(0), 16))));
    expect(() => transferKey(ours, Buffer.from([1]))).toThrow(/invalid public key/);
  });
});
