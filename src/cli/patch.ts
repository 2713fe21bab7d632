/** Unified diffs that `git apply` takes, from the `diff` package (Myers: fast on large files). */
import { structuredPatch } from 'diff';

/**
 * The patch that turns `before` into `after` for `file` (relative, `/`-separated), with three
 * lines of context; `undefined` for a file that does not exist on that side. Empty when equal.
 */
export function filePatch(file: string, before: string | undefined, after: string | undefined): string {
  if (before === after) return '';
  const { hunks } = structuredPatch(`a/${file}`, `b/${file}`, before ?? '', after ?? '', '', '', { context: 3 });
  const header = [
    `diff --git a/${file} b/${file}`,
    ...(before === undefined ? ['new file mode 100644'] : after === undefined ? ['deleted file mode 100644'] : []),
    `--- ${before === undefined ? '/dev/null' : `a/${file}`}`,
    `+++ ${after === undefined ? '/dev/null' : `b/${file}`}`,
  ];
  // An empty side starts at line 0 in a unified diff header (`@@ -0,0 +1,2 @@`).
  const range = (start: number, count: number) => `${count === 0 ? start - 1 : start},${count}`;
  const body = hunks.flatMap((h) => [`@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`, ...h.lines]);
  return [...header, ...body].join('\n') + '\n';
}
