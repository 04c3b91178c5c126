import { describe, expect, it } from 'vitest'

import { FORMULA_TRIGGERS, csvBlob, csvCell } from '../src/utils/safeCsv'

describe('csvCell', () => {
  it('prefixes every text that a spreadsheet would run as a formula', () => {
    for (const trigger of FORMULA_TRIGGERS) {
      expect(csvCell(`${trigger}HYPERLINK("http://evil.example/","详情")`)).toBe(
        `"'${trigger}HYPERLINK(""http://evil.example/"",""详情"")"`,
      )
    }
  })

  it('leaves ordinary text and numbers as they are', () => {
    expect(csvCell('第 3 行')).toBe('"第 3 行"')
    expect(csvCell('采购 = 原材料')).toBe('"采购 = 原材料"')
    expect(csvCell(-12.5)).toBe('-12.5')
    expect(csvCell(null)).toBe('')
  })
})

describe('csvBlob', () => {
  it('writes a BOM, CRLF lines and safe cells', async () => {
    const bytes = await csvBlob([['原因'], ['=1+2'], [3]]).arrayBuffer()
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes)
    expect(text).toBe('\ufeff"原因"\r\n"\'=1+2"\r\n3\r\n')
  })
})
