/** How far ahead the diff looks for where the two texts meet again: migrate changes a few lines per user. */
const WINDOW = 64;
/** Unchanged lines shown around each change, as diff -u does. */
const CONTEXT = 3;

/** The lines of a text (a CR stays with its line); a last line end ends the last line rather than starting an empty one. */
const linesOf = (text: string): string[] => {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
};

/**
 * A unified diff (diff -u, which patch and git apply take) for --dry-run, in memory that does not grow with the file
 * (a 20 MB kubeconfig included): equal lines are walked past, keeping the last few as context, and at a difference the
 * nearest place where both texts meet again (within WINDOW lines) ends the change.
 */
export const unifiedDiff = (before: string, after: string, from: string, to: string): string => {
  const a = linesOf(before);
  const b = linesOf(after);
  const hunks: string[] = [];
  let i = 0;
  let j = 0;
  let recent: string[] = [];
  let hunk: { aStart: number; bStart: number; aLength: number; bLength: number; lines: string[] } | undefined;
  let trailing = 0;
  const close = (): void => {
    if (!hunk) return;
    const { aStart, bStart, aLength, bLength, lines } = hunk;
    const range = (start: number, length: number): string => `${length === 0 ? start - 1 : start},${length}`;
    hunks.push(`@@ -${range(aStart, aLength)} +${range(bStart, bLength)} @@`, ...lines);
    hunk = undefined;
  };
  const meet = (): [number, number] => {
    for (let distance = 1; distance <= WINDOW; distance++) {
      for (let x = 0; x <= distance; x++) {
        const y = distance - x;
        if (i + x < a.length && j + y < b.length && a[i + x] === b[j + y]) return [x, y];
      }
    }
    return [Math.min(1, a.length - i), Math.min(1, b.length - j)];
  };
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      const line = a[i]!;
      i++;
      j++;
      if (!hunk) {
        recent.push(line);
        if (recent.length > CONTEXT) recent.shift();
        continue;
      }
      hunk.lines.push(` ${line}`);
      hunk.aLength++;
      hunk.bLength++;
      // Far enough from the next change: the hunk ends with CONTEXT lines, the rest is the next one's leading context.
      if (++trailing > 2 * CONTEXT) {
        const after = hunk.lines.splice(hunk.lines.length - CONTEXT - 1);
        hunk.aLength -= after.length;
        hunk.bLength -= after.length;
        recent = after.slice(1).map((kept) => kept.slice(1));
        close();
      }
      continue;
    }
    if (!hunk) {
      hunk = {
        aStart: i - recent.length + 1,
        bStart: j - recent.length + 1,
        aLength: recent.length,
        bLength: recent.length,
        lines: recent.map((line) => ` ${line}`),
      };
      recent = [];
    }
    const [x, y] = meet();
    for (let k = 0; k < x; k++) hunk.lines.push(`-${a[i++]}`);
    for (let k = 0; k < y; k++) hunk.lines.push(`+${b[j++]}`);
    hunk.aLength += x;
    hunk.bLength += y;
    trailing = 0;
  }
  if (hunk && trailing > CONTEXT) {
    hunk.lines.splice(hunk.lines.length - (trailing - CONTEXT));
    hunk.aLength -= trailing - CONTEXT;
    hunk.bLength -= trailing - CONTEXT;
  }
  close();
  return hunks.length > 0 ? `--- ${from}\n+++ ${to}\n${hunks.join('\n')}\n` : '';
};
