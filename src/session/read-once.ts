import type { SessionStore, TokenSet } from './tokens.js';

/**
 * A run's store, opened once and its session read once: what get-token's cache-hit path opened (or found locked) and
 * read is what the session service starts from — the keychain is not asked twice, and the read that found no fresh
 * token is not made again. Every later read goes to the store (under the session's lock, another process may have
 * saved a new session).
 */
export const openOnce = (open: () => Promise<SessionStore>): (() => Promise<SessionStore>) => {
  let opened: Promise<SessionStore> | undefined;
  return () => (opened ??= open());
};

/** The store, whose next read of `key` is answered with what was read a moment ago. */
export const readOnce = (store: SessionStore, key: string, tokens: TokenSet | undefined): SessionStore => {
  let answered = false;
  return {
    ...store,
    load: async (k) => {
      if (k !== key || answered) return store.load(k);
      answered = true;
      return tokens;
    },
  };
};
