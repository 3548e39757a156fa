/**
 * A small RFC 4180 CSV reader (no CSV library is a dependency): fields separated by commas,
 * records by CRLF or LF, a field in double quotes may hold commas, line breaks and `""` (one
 * quote). Throws on a quote inside an unquoted field, text after a closing quote, or an unclosed
 * quote, naming the line. The IAM credential report is such a file.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let afterQuote = false;
  let line = 1;
  let i = 0;
  const endField = (): void => {
    row.push(field);
    field = '';
    afterQuote = false;
  };
  const endRow = (): void => {
    endField();
    rows.push(row);
    row = [];
  };
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  while (i < src.length) {
    const c = src[i]!;
    if (quoted) {
      if (c === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        afterQuote = true;
      } else {
        if (c === '\n') line++;
        field += c;
      }
      i++;
      continue;
    }
    if (c === ',') endField();
    else if (c === '\r' && src[i + 1] === '\n') {
      endRow();
      line++;
      i++;
    } else if (c === '\n') {
      endRow();
      line++;
    } else if (c === '"') {
      if (field !== '' || afterQuote) throw new Error(`CSV line ${line}: a quote inside an unquoted field`);
      quoted = true;
    } else {
      if (afterQuote) throw new Error(`CSV line ${line}: text after a closing quote`);
      field += c;
    }
    i++;
  }
  if (quoted) throw new Error(`CSV line ${line}: a quoted field is not closed`);
  // A final line break ends the last record; no record follows it.
  if (field !== '' || row.length > 0 || afterQuote) endRow();
  return rows;
}

/** Rows as objects keyed by the header row's names; a row with another field count throws, naming it. */
export function csvRecords(text: string): Array<Record<string, string>> {
  const [header, ...rows] = parseCsv(text);
  if (!header || header.length === 0 || header.every((h) => h === '')) throw new Error('CSV has no header row');
  return rows
    .filter((r) => !(r.length === 1 && r[0] === ''))
    .map((r, n) => {
      if (r.length !== header.length) throw new Error(`CSV record ${n + 1} has ${r.length} fields, the header ${header.length}`);
      return Object.fromEntries(header.map((h, k) => [h, r[k]!]));
    });
}
