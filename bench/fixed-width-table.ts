export interface TableColumn {
  title: string;
  /** Text columns read best left-aligned, figures right-aligned. */
  align: 'left' | 'right';
}

/** A plain-text table whose columns are as wide as their widest cell, for a terminal or a log. */
export class FixedWidthTable {
  readonly #columns: TableColumn[];
  readonly #rows: (string[] | 'separator')[] = [];

  constructor(columns: TableColumn[]) {
    this.#columns = columns;
  }

  /** Rows added so far, separators not counted. */
  get rowCount(): number {
    return this.#rows.filter((row) => row !== 'separator').length;
  }

  addRow(cells: string[]): this {
    if (cells.length !== this.#columns.length) throw new Error(`a row needs ${this.#columns.length} cells, got ${cells.length}`);
    this.#rows.push(cells);
    return this;
  }

  addSeparator(): this {
    this.#rows.push('separator');
    return this;
  }

  toString(): string {
    const widths = this.#columns.map((column, index) =>
      Math.max(column.title.length, ...this.#rows.map((row) => (row === 'separator' ? 0 : row[index]!.length))),
    );
    const line = (cells: string[]) =>
      cells
        .map((cell, index) => (this.#columns[index]!.align === 'right' ? cell.padStart(widths[index]!) : cell.padEnd(widths[index]!)))
        .join('  ')
        .trimEnd();
    const rule = widths.map((width) => '-'.repeat(width)).join('  ');
    const body = this.#rows.map((row) => (row === 'separator' ? rule : line(row)));
    return [line(this.#columns.map((column) => column.title)), rule, ...body].join('\n');
  }
}
