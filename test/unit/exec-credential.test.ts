import { describe, expect, it } from 'vitest';
import { formatExecCredential, parseExecInfo, rfc3339 } from '../../src/hit/exec-credential.js';

describe('ExecCredential', () => {
  it('echoes the apiVersion from KUBERNETES_EXEC_INFO and reads interactive', () => {
    expect(
      parseExecInfo(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', spec: { interactive: true } })),
    ).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1',
      interactive: true,
    });
  });

  it.each([undefined, '', 'null', '{}'])('answers v1beta1, as kubelogin does, without an apiVersion: %j', (raw) => {
    expect(parseExecInfo(raw)).toEqual({ apiVersion: 'client.authentication.k8s.io/v1beta1', interactive: undefined });
  });

  it('a KUBERNETES_EXEC_INFO kubectl would never send (not JSON, another apiVersion) is one clear error', () => {
    expect(() => parseExecInfo('not json')).toThrow('KUBERNETES_EXEC_INFO is not JSON');
    expect(() => parseExecInfo('{"apiVersion":"client.authentication.k8s.io/v2"}')).toThrow(
      'KUBERNETES_EXEC_INFO names apiVersion "client.authentication.k8s.io/v2"',
    );
  });

  it('prints one JSON line with an RFC 3339 expiry', () => {
    const text = formatExecCredential('client.authentication.k8s.io/v1', 'a.b.c', new Date(Date.UTC(2026, 10, 22, 10, 0, 5, 678)));
    expect(text.endsWith('\n')).toBe(true);
    expect(text.trim().includes('\n')).toBe(false);
    expect(JSON.parse(text)).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      status: { token: 'a.b.c', expirationTimestamp: '2026-11-22T10:00:05Z' },
    });
  });

  it('formats RFC 3339 to the second exactly as toISOString would, for any date', () => {
    for (const ms of [
      0,
      Date.UTC(2026, 0, 1, 0, 0, 0),
      Date.UTC(2026, 11, 31, 23, 59, 59, 999),
      Date.UTC(2031, 8, 9, 7, 6, 5),
      1_800_000_000_123,
    ]) {
      expect(rfc3339(new Date(ms))).toBe(`${new Date(ms).toISOString().slice(0, 19)}Z`);
    }
  });

  it('leaves out the expiry when the token has none', () => {
    expect(JSON.parse(formatExecCredential('client.authentication.k8s.io/v1beta1', 't', undefined)).status).toEqual({ token: 't' });
  });
});
