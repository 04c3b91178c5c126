import { describe, expect, it } from 'vitest'

import { checkUscc, usccCheckChar } from '../src/utils/uscc'

describe('USCC (GB 32100-2015)', () => {
  it('accepts codes whose check character matches', () => {
    expect(checkUscc('91350100M000100Y43')).toBeNull()
    expect(checkUscc(' 91411000ma45rk3t2l ')).toBeNull()
    expect(usccCheckChar('91411000MA45RK3T2')).toBe('L')
  })

  it('says what is wrong with the others', () => {
    expect(checkUscc('91350100M000100Y44')).toContain('校验位')
    expect(checkUscc('91350100M000100Y4')).toContain('18 位')
    expect(checkUscc('91350100M000100YI3')).toContain('无效字符')
  })
})
