/**
 * A small RFC 4180 CSV parser for benchmark files: comma-separated fields, fields in double quotes
 * may hold commas, line breaks and doubled quotes (`""` is one `"`), records end at LF or CRLF.
 * Strict about what would silently corrupt items: an unterminated quote, text after a closing quote,
 * or a record with more fields than the header is an error naming the line.
 * One pass with `indexOf` jumps to the next special character: linear time on any input.
 */

export class CsvError extends Error {
  /** @param where `line 12` (physical line) or `record 7` (header = record 1). */
  constructor(message: string, where: string) {
    super(`${where}: ${message}`);
    this.name = 'CsvError';
  }
}

/** All records of a CSV text as arrays of fields. A final empty line is not a record. */
export function parseCsvRows(text: string, delimiter = ','): string[][] {
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') throw new Error('the delimiter must be one character other than a quote or line break');
  const rows: string[][] = [];
  let row: string[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // byte-order mark
  let line = 1;
  const len = text.length;
  if (i >= len) return rows;
  for (;;) {
    // At the start of a field.
    if (text[i] === '"') {
      const startLine = line;
      const parts: string[] = [];
      let from = i + 1;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q < 0) throw new CsvError('unterminated quoted field', `line ${startLine}`);
        parts.push(text.slice(from, q));
        for (let k = from; k < q; k++) if (text.charCodeAt(k) === 10) line++;
        if (text[q + 1] === '"') {
          parts.push('"');
          from = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      row.push(parts.join(''));
      if (i < len && text[i] !== delimiter && text[i] !== '\n' && !(text[i] === '\r' && text[i + 1] === '\n')) {
        throw new CsvError('text after a closing quote (a quote inside a field must be doubled)', `line ${line}`);
      }
    } else {
      const d = delimiter.charCodeAt(0);
      let end = i;
      while (end < len) {
        const c = text.charCodeAt(end);
        if (c === d || c === 10 || (c === 13 && text.charCodeAt(end + 1) === 10)) break;
        end++;
      }
      row.push(text.slice(i, end));
      i = end;
    }
    // After a field: a delimiter, a line break or the end.
    if (i >= len) {
      rows.push(row);
      return rows;
    }
    if (text[i] === delimiter) {
      i++;
      continue; // a delimiter at the very end means one more, empty field
    }
    i += text[i] === '\r' ? 2 : 1;
    line++;
    rows.push(row);
    row = [];
    if (i >= len) return rows;
  }
}

/** Records as objects keyed by the header row. Short records leave later columns unset. */
export function parseCsv(text: string, delimiter = ','): Record<string, string>[] {
  const rows = parseCsvRows(text, delimiter);
  if (rows.length === 0) return [];
  const header = rows[0];
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) throw new CsvError(`duplicate column "${name}" in the header`, 'line 1');
    seen.add(name);
  }
  const out: Record<string, string>[] = [];
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r];
    if (row.length === 1 && row[0] === '') continue; // blank line
    if (row.length > header.length) throw new CsvError(`${row.length} fields but the header has ${header.length}`, `record ${r + 1}`);
    const record: Record<string, string> = {};
    row.forEach((value, c) => (record[header[c]] = value));
    out.push(record);
  }
  return out;
}
