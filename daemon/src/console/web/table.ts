/** A plain table of rows; `n` marks numeric columns (right-aligned); `rowProps` adds attributes to a row. */
import { h } from 'preact';

export interface Column<T> {
  title: string;
  cell: (row: T) => string | number | null | ReturnType<typeof h>;
  n?: boolean;
}

export function Table<T>({
  rows,
  columns,
  empty,
  rowProps,
}: {
  rows: T[];
  columns: Column<T>[];
  empty?: string;
  rowProps?: (row: T) => Record<string, string>;
}) {
  return h(
    'div',
    { class: 'table' },
    h(
      'table',
      null,
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          columns.map((c) => h('th', { class: c.n ? 'n' : undefined }, c.title)),
        ),
      ),
      h(
        'tbody',
        null,
        rows.length === 0
          ? h('tr', null, h('td', { colSpan: columns.length }, empty ?? 'nothing'))
          : rows.map((r) =>
              h(
                'tr',
                rowProps ? rowProps(r) : null,
                columns.map((c) => h('td', { class: c.n ? 'n' : undefined }, c.cell(r) ?? '–')),
              ),
            ),
      ),
    ),
  );
}

export function formValues(ev: Event): Record<string, string> {
  ev.preventDefault();
  const out: Record<string, string> = {};
  for (const [k, v] of new FormData(ev.target as HTMLFormElement)) out[k] = String(v).trim();
  return out;
}
