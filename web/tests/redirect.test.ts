import { describe, expect, it } from 'vitest'

import { safeRedirect } from '../src/utils/redirect'

describe('safeRedirect', () => {
  it('keeps paths of this site with their query', () => {
    expect(safeRedirect('/enterprise/orders?page=2', '/home')).toBe('/enterprise/orders?page=2')
    expect(safeRedirect('/products/3#apply', '/home')).toBe('/products/3#apply')
  })

  it('sends every other address home', () => {
    for (const value of ['https://evil.example', '//evil.example', '/\\evil.example', '\\\\evil.example',
      'javascript:alert(1)', '/\t/evil.example', 'evil.example', '', undefined, ['/a']]) {
      expect(safeRedirect(value, '/home')).toBe('/home')
    }
  })
})
