import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { OPTION_TABLE, type Row, valueIn } from '../options/table.js';
import type { GetTokenOptions } from '../options/types.js';

const KEY_ROWS: readonly Row[] = OPTION_TABLE.filter((row: Row) => row.sessionKey !== undefined);
/** Fields that several options make up together, as an array of their values (the CA: files, data, verification). */
const COMPOSITE = new Set(KEY_ROWS.map((row) => row.sessionKey).filter((field, i, all) => all.indexOf(field) !== i));

const byName = ([a]: [string, string], [b]: [string, string]): number => (a < b ? -1 : a > b ? 1 : 0);

/** A value in a canonical form: the same settings in any flag order (or scope order) give the same key. */
const canonical = (row: Row, value: unknown): unknown => {
  if (row.identity) return bytesToHex(sha256(utf8ToBytes(String(value))));
  if (row.kind === 'list') return [...(value as string[])].sort();
  if (row.kind === 'map') return Object.entries(value as Record<string, string>).sort(byName);
  return value ?? '';
};

/**
 * A stable name for a session: every option the table marks as making the tokens different, in table order (a token
 * that names whom the session is for, as its hash: two subjects never share a session). The
 * JSON layout is that of version 1 of the key, so that sessions cached by earlier releases are found.
 */
export const sessionKey = (options: GetTokenOptions): string => {
  const fields: Record<string, unknown> = { v: 1 };
  for (const row of KEY_ROWS) {
    const given = valueIn(options, row);
    if (row.sessionKeyWhenSet && (given === undefined || (Array.isArray(given) && given.length === 0))) continue;
    const value = canonical(row, given);
    const field = row.sessionKey!;
    if (!COMPOSITE.has(field)) fields[field] = value;
    else fields[field] = [...((fields[field] as unknown[] | undefined) ?? []), value];
  }
  // @noble/hashes rather than node:crypto, whose loading alone would cost every cache hit ~6 ms.
  return bytesToHex(sha256(utf8ToBytes(JSON.stringify(fields))));
};

/** The options of the session an --oidc-audience session is exchanged from: the same, for the client itself. */
export const exchangedFrom = (options: GetTokenOptions): GetTokenOptions => {
  const { audience: _, ...provider } = options.provider;
  return { ...options, provider, forceRefresh: false };
};
