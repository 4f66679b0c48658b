// Left-aligned columns for terminal tables. Widths are measured without ANSI colour codes.
// eslint-disable-next-line no-control-regex -- ESC is exactly what an ANSI colour code starts with
const ANSI = /\u001b\[[0-9;]*m/g;

export function visibleLength(text: string): number {
  return text.replace(ANSI, '').length;
}

export function renderTable(header: string[], rows: string[][], gap = 2): string {
  const widths = header.map((h, i) =>
    Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ''))),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) =>
        i === cells.length - 1 ? cell : cell + ' '.repeat(widths[i]! - visibleLength(cell) + gap),
      )
      .join('')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
