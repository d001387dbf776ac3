/**
 * Column alignment as Go's text/tabwriter does it with docker's settings
 * (minwidth 10, padding 3, pad with spaces): a cell is text ended by a tab; the text
 * after a line's last tab is not part of any column and is never padded.
 */
export function alignColumns(text: string, minWidth = 10, padding = 3): string {
  const endsWithNewline = text.endsWith('\n');
  const lines = (endsWithNewline ? text.slice(0, -1) : text).split('\n').map((l) => l.split('\t'));
  const widths: number[] = [];
  // Go's tabwriter sizes a column over each run of consecutive lines that have it; the
  // docker tables are rectangular, so one run per column is what users see.
  for (let start = 0; start < lines.length; ) {
    let end = start;
    while (end < lines.length && lines[end].length > 1) end++;
    if (end === start) {
      start++;
      continue;
    }
    formatBlock(lines.slice(start, end), minWidth, padding, widths);
    start = end;
  }
  const out = lines.map((cells) => cells.join(''));
  return out.join('\n') + (endsWithNewline ? '\n' : '');
}

function formatBlock(block: string[][], minWidth: number, padding: number, _widths: number[]): void {
  const columns = Math.max(...block.map((c) => c.length - 1));
  for (let col = 0; col < columns; col++) {
    let width = minWidth;
    for (const cells of block) {
      if (col < cells.length - 1) width = Math.max(width, displayWidth(cells[col]) + padding);
    }
    for (const cells of block) {
      if (col < cells.length - 1) cells[col] = cells[col] + ' '.repeat(width - displayWidth(cells[col]));
    }
  }
}

/** Width in runes (what Go's tabwriter counts). */
export function displayWidth(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
