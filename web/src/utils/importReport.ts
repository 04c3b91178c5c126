// The row-error report of a file import (信用数据导入, 还款导入): where each bad row is, in words, and the
// report (or an import's template) as a CSV file the user downloads. The rows quote the uploaded data,
// so they go through the safe CSV writer.
import { saveFile } from '@/api/supervision'

import { csvBlob } from './safeCsv'

/** Where a bad row is: its line in the file (the header is line 1), else its place among the rows. */
export function rowLabel(error: { index: number | null; line?: number | null }): string {
  if (error.line) return `第 ${error.line} 行`
  return error.index === null || error.index === undefined ? '—' : `第 ${error.index + 1} 条`
}

/** Saves a CSV file made in the browser (an error report, an import template): a header row, then the rows. */
export function downloadCsv(header: string[], rows: (string | number | null)[][], filename: string): void {
  saveFile({ blob: csvBlob([header, ...rows]), filename: null }, filename)
}
