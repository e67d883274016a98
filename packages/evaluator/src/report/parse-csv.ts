import { DatasetFormatError } from '@tonekit/dataset';

export interface CsvRecord {
  /** One-based line of the record in the file, for error messages. */
  line: number;
  /** Cell text by header name. */
  cells: Record<string, string>;
}

export interface CsvTable {
  header: string[];
  records: CsvRecord[];
}

/**
 * Parses RFC 4180 CSV with a header row (quoted cells, doubled quotes, CRLF or LF; blank lines
 * skipped). Pure: `file` only names the source in errors.
 *
 * @throws DatasetFormatError when a row has a different number of cells than the header, or a quote
 * is left open.
 */
export function parseCsv(text: string, file: string): CsvTable {
  const rows = splitRows(text.replace(/^\uFEFF/, ''), file);
  const first = rows.shift();
  if (first === undefined)
    throw new DatasetFormatError({ message: `${file}: empty CSV, expected a header.`, file });
  const header = first.cells.map((cell) => cell.trim());
  const records = rows.map(({ line, cells }) => {
    if (cells.length !== header.length) {
      throw new DatasetFormatError({
        message: `${file}:${line}: ${cells.length} cells, but the header has ${header.length} (${header.join(',')}).`,
        file,
        line,
      });
    }
    return { line, cells: Object.fromEntries(header.map((name, index) => [name, cells[index] ?? ''])) };
  });
  return { header, records };
}

function splitRows(text: string, file: string): { line: number; cells: string[] }[] {
  const rows: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  const endRow = () => {
    cells.push(cell);
    if (!(cells.length === 1 && cells[0]?.trim() === '')) rows.push({ line: rowLine, cells });
    cells = [];
    cell = '';
  };
  for (let index = 0; index < text.length; index++) {
    const character = text[index];
    if (quoted) {
      if (character === '"') {
        if (text[index + 1] === '"') {
          cell += '"';
          index++;
        } else {
          quoted = false;
        }
      } else {
        if (character === '\n') line++;
        cell += character;
      }
    } else if (character === '"') {
      quoted = true;
    } else if (character === ',') {
      cells.push(cell);
      cell = '';
    } else if (character === '\n' || character === '\r') {
      if (character === '\r' && text[index + 1] === '\n') index++;
      endRow();
      line++;
      rowLine = line;
    } else {
      cell += character;
    }
  }
  if (quoted) {
    throw new DatasetFormatError({
      message: `${file}:${rowLine}: a quoted cell is never closed.`,
      file,
      line: rowLine,
    });
  }
  if (cell !== '' || cells.length > 0) endRow();
  return rows;
}
