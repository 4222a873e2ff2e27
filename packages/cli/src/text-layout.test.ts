import { describe, expect, it } from 'vitest';
import { cellText, renderFields, renderTable } from './text-layout.ts';

describe('text for people at a terminal', () => {
  it('lines table columns up under their headings and cuts long cells', () => {
    const rows = [
      { id: 'a1', name: 'Acme', note: null },
      { id: 'b22', name: 'Beta Leads', note: 'x'.repeat(30) },
    ];
    const table = renderTable(
      [
        { header: 'ID', value: (row: (typeof rows)[number]) => row.id },
        { header: 'NAME', value: (row) => row.name },
        { header: 'NOTE', value: (row) => row.note, maxWidth: 10 },
      ],
      rows,
    );
    expect(table).toBe(['ID   NAME        NOTE', 'a1   Acme', `b22  Beta Leads  ${'x'.repeat(9)}…`, ''].join('\n'));
  });

  it('shows one record as aligned fields, objects as compact JSON', () => {
    expect(renderFields([['id', 7], ['events', ['created']], ['reason', null]])).toBe('id      7\nevents  ["created"]\nreason\n');
    expect(cellText({ a: 1 })).toBe('{"a":1}');
    expect(cellText(undefined)).toBe('');
  });
});
