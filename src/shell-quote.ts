/** A word as a POSIX shell reads it back: as it is when nothing in it is special, else in single quotes. */
export const shellQuote = (word: string): string => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);
