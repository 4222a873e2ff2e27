/** One column of a table: its heading and how to read a row's cell. */
export interface Column<Row> {
  header: string;
  value: (row: Row) => unknown;
  /** Longer cells are cut with an ellipsis; default 60 characters. */
  maxWidth?: number;
}

/** A cell as text: nothing for null, compact JSON for objects. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

function cut(text: string, maxWidth: number): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > maxWidth ? `${line.slice(0, maxWidth - 1)}…` : line;
}

/** Rows under a heading, columns padded to line up, for people at a terminal. */
export function renderTable<Row>(columns: Column<Row>[], rows: Row[]): string {
  const cells = rows.map((row) => columns.map((column) => cut(cellText(column.value(row)), column.maxWidth ?? 60)));
  const widths = columns.map((column, index) => Math.max(column.header.length, ...cells.map((line) => line[index]!.length)));
  const format = (line: string[]) =>
    line
      .map((cell, index) => (index === line.length - 1 ? cell : cell.padEnd(widths[index]!)))
      .join('  ')
      .trimEnd();
  return [format(columns.map((column) => column.header)), ...cells.map(format)].join('\n') + '\n';
}

/** `name  value` lines, names padded to line up; for one record. */
export function renderFields(fields: [string, unknown][]): string {
  const width = Math.max(0, ...fields.map(([name]) => name.length));
  return fields.map(([name, value]) => `${name.padEnd(width)}  ${cellText(value)}`.trimEnd()).join('\n') + '\n';
}

/** Every top-level field of an answer whose shape the CLI does not know in advance. */
export function renderObject(object: Record<string, unknown>): string {
  return renderFields(Object.entries(object));
}
