// CSV files built in the browser (the credit import's row-error report) follow the platform's one rule for
// spreadsheets (xyd_common/spreadsheets.py, OWASP "CSV injection"): a text cell that starts with a
// character a spreadsheet program runs as a formula is prefixed with `'`; numbers stay numbers.

/** The first characters that make Excel or WPS read a cell as a formula. */
export const FORMULA_TRIGGERS = ['=', '+', '-', '@', '\t', '\r'] as const

/** One cell, quoted: text with a formula trigger first gets a `'` in front. */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'number') return String(value)
  const text = FORMULA_TRIGGERS.some((trigger) => value.startsWith(trigger)) ? `'${value}` : value
  return `"${text.replace(/"/g, '""')}"`
}

/** A whole CSV file: UTF-8 with a BOM (so spreadsheet programs read the Chinese), CRLF line ends. */
export function csvBlob(rows: (string | number | null | undefined)[][]): Blob {
  const text = rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n'
  return new Blob(['\ufeff' + text], { type: 'text/csv;charset=utf-8' })
}
