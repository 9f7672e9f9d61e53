import { oneLine } from '../errors.js';
import type { Fetch } from './transport.js';

/** What an IdP sent back when it refused a request, kept so that an error can name the status and say what came. */
export interface FailedAnswer {
  status: number;
  contentType: string | undefined;
  /** The OAuth error of a JSON error body. */
  error?: string;
  errorDescription?: string;
  /** The body as one line of text, HTML stripped, at most ~200 characters, token-like words redacted. */
  text: string;
}

const answers = new WeakMap<Response, FailedAnswer>();

/** An error page is read up to this much: enough for any real one, and a hostile endless body cannot exhaust memory. */
const BODY_LIMIT = 64 * 1024;

const readAtMost = async (response: Response, limit: number): Promise<Uint8Array> => {
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < limit) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  if (size >= limit) await reader.cancel().catch(() => undefined);
  return Buffer.concat(chunks).subarray(0, limit);
};

/**
 * A value after a key that names a secret (`access_token=…`, `"client_secret": "…"`, `code: …`), whatever its length:
 * an IdP's error page may echo the request it refused.
 */
const SECRET_VALUE =
  /\b((?:[a-z]+_)?(?:token|secret|password|passwd|assertion|verifier)|code|device_code|api_?key)(["']?\s*[=:]\s*["']?)[^\s&"'<>,;)]+/gi;

/**
 * Values of secret-named keys, and long base64url/hex-looking words (tokens, codes or secrets an IdP may echo back),
 * are never shown. A slash ends a word, so that URLs and paths in an error description stay readable.
 */
export const redact = (text: string): string => text.replace(SECRET_VALUE, '$1$2…').replace(/[A-Za-z0-9+_~.=-]{32,}/g, '…');

/** HTML reduced to its words: an IdP's error page says what is wrong in its text, not its markup. */
const plainText = (body: string): string =>
  oneLine(
    body
      .replace(/<(style|script|head)[\s\S]*?<\/\1>/gi, ' ')
      .replace(/<[^>]+>/g, ' ')
      .replace(/&nbsp;/g, ' ')
      .replace(/&quot;/g, '"')
      .replace(/&#39;|&apos;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&'),
  );

const summarize = (status: number, contentType: string | undefined, body: string): FailedAnswer => {
  const answer: FailedAnswer = { status, contentType, text: '' };
  if (/json/i.test(contentType ?? '') || /^\s*\{/.test(body)) {
    try {
      const json = JSON.parse(body) as { error?: unknown; error_description?: unknown };
      if (typeof json.error === 'string' && json.error) answer.error = redact(oneLine(json.error));
      if (typeof json.error_description === 'string' && json.error_description) {
        answer.errorDescription = redact(oneLine(json.error_description)).slice(0, 300);
      }
    } catch {
      // not JSON after all: described as text below
    }
  }
  const text = redact(plainText(body));
  answer.text = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  return answer;
};

/**
 * Reads the body of every answer with an HTTP error status (at most 64 KiB) and hands on an identical Response, whose
 * summary `failedAnswerOf` finds again in whatever error openid-client makes of it.
 */
export const keepFailedAnswers =
  (fetch: Fetch): Fetch =>
  async (url, init) => {
    const response = await fetch(url, init);
    if (response.status < 400) return response;
    const body = await readAtMost(response, BODY_LIMIT);
    const headers = new Headers(response.headers);
    headers.delete('content-length');
    headers.delete('content-encoding');
    const kept = new Response(body.byteLength > 0 ? (body as BodyInit) : null, {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
    const contentType = headers.get('content-type')?.split(';')[0]?.trim() || undefined;
    answers.set(kept, summarize(response.status, contentType, Buffer.from(body).toString('utf8')));
    return kept;
  };

/** The refused answer behind an error: openid-client keeps the Response as `response` or `cause`. */
export const failedAnswerOf = (err: unknown): FailedAnswer | undefined => {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0 && seen.size < 12) {
    const current = queue.shift();
    if (!current || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    if (current instanceof Response) {
      const answer = answers.get(current);
      if (answer) return answer;
      continue;
    }
    queue.push((current as { response?: unknown }).response, (current as { cause?: unknown }).cause);
  }
  return undefined;
};

/** "HTTP 400 invalid_grant: PKCE is required", "HTTP 403 with an empty body", "HTTP 404 (text/html): Not Found …". */
export const describeAnswer = (answer: FailedAnswer): string => {
  if (answer.error) return `HTTP ${answer.status} ${answer.error}${answer.errorDescription ? `: ${answer.errorDescription}` : ''}`;
  if (!answer.text) return `HTTP ${answer.status} with an empty body`;
  return `HTTP ${answer.status} (${answer.contentType ?? 'no content type'}): ${answer.text}`;
};
