/** A small CSV reader for rate files: RFC 4180 quoting within a line, line numbers kept for errors. */

export interface CsvLine {
  /** 1-based line number in the file. */
  line: number;
  fields: string[];
}

/** Splits one line; throws on an unterminated quote. */
export function splitCsvLine(text: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quoted field');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += text[i++];
      }
      if (i < text.length && text[i] !== ',')
        throw new Error('unexpected text after a quoted field');
    } else {
      const end = text.indexOf(',', i);
      field = end === -1 ? text.slice(i) : text.slice(i, end);
      i = end === -1 ? text.length : end;
    }
    fields.push(field.trim());
    if (i >= text.length) return fields;
    i++; // the comma
  }
}

/** Non-blank lines that do not start with '#', each with its line number (the header included). */
export function csvLines(text: string): Array<{ line: number; text: string }> {
  return text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((t, i) => ({ line: i + 1, text: t }))
    .filter((l) => l.text.trim() !== '' && !l.text.trimStart().startsWith('#'));
}
