import type { Clock } from '../../ambient.js';
import { listSessions } from '../../session/file-store.js';
import type { StoredSession } from '../../session/tokens.js';

const relative = (expiresAt: number | undefined, nowSec: number): string => {
  if (expiresAt === undefined) return 'unknown';
  const seconds = Math.round(expiresAt - nowSec);
  const span = (s: number): string => (s >= 5400 ? `${Math.round(s / 3600)}h` : s >= 90 ? `${Math.round(s / 60)}m` : `${s}s`);
  return seconds >= 0 ? `in ${span(seconds)}` : `${span(-seconds)} ago`;
};

const table = (rows: string[][]): string => {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
};

/** The cached sessions as a report: who, where, until when, and in which storage. Never a token. */
export const status = async (dir: string, output: 'table' | 'json', clock: Clock): Promise<string> => {
  const sessions: StoredSession[] = await listSessions(dir);
  if (output === 'json') return `${JSON.stringify({ cacheDir: dir, sessions }, null, 2)}\n`;
  if (sessions.length === 0) return `no sessions in ${dir}\n`;
  const now = clock.now() / 1000;
  const rows = [
    ['ISSUER', 'CLIENT', 'ACCOUNT', 'USER', 'EXPIRES', 'REFRESH', 'STORAGE'],
    ...sessions.map(({ info, storage }) => [
      info.issuer,
      info.audience ? `${info.clientId} → ${info.audience}` : info.clientId,
      info.account ?? '-',
      info.email ?? info.subject ?? '-',
      relative(info.expiresAt, now),
      info.hasRefreshToken ? 'yes' : 'no',
      storage,
    ]),
  ];
  return `${table(rows)}\n`;
};
