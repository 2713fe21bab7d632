/**
 * A small unified line diff for messages (the files projen-gitops manages are small).
 */
export function unifiedDiff(before: string, after: string, labels: [string, string], maxLines = 20): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  // Longest common subsequence table, from the end.
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const ops: Array<[' ' | '-' | '+', string, number]> = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) ops.push([' ', a[i++], j++]);
    else if (i < a.length && (j === b.length || lcs[i + 1][j] >= lcs[i][j + 1])) ops.push(['-', a[i++], j]);
    else ops.push(['+', b[j], j++]);
  }
  // Changed lines with one line of context around each.
  const keep = new Set<number>();
  ops.forEach(([op], k) => {
    if (op !== ' ') for (let c = k - 1; c <= k + 1; c++) keep.add(c);
  });
  const out = [`--- ${labels[0]}`, `+++ ${labels[1]}`];
  let previous = -2;
  for (const k of [...keep].filter((n) => n >= 0 && n < ops.length).sort((x, y) => x - y)) {
    if (k !== previous + 1) out.push(`@@ line ${ops[k][2] + 1} @@`);
    out.push(`${ops[k][0]}${ops[k][1]}`);
    previous = k;
  }
  if (out.length - 2 > maxLines) {
    const hidden = out.length - 2 - maxLines;
    return [...out.slice(0, maxLines + 2), `… ${hidden} more line${hidden === 1 ? '' : 's'}`];
  }
  return out;
}
