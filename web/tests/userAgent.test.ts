import { describe, expect, it } from 'vitest'

import { describeUserAgent } from '@/utils/userAgent'

describe('describeUserAgent', () => {
  it('names a desktop Chrome on Windows', () => {
    const ua = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'
    expect(describeUserAgent(ua)).toEqual({ browser: 'Chrome 浏览器 126', system: 'Windows 10' })
  })

  it('names WeChat on an iPhone', () => {
    const ua = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN'
    expect(describeUserAgent(ua).browser).toContain('微信')
    expect(describeUserAgent(ua).system).toContain('iOS')
  })

  it('calls a script a program, not a browser', () => {
    expect(describeUserAgent('python-requests/2.34.2')).toEqual({ browser: '非浏览器访问（程序调用）', system: '—' })
  })

  it('says 未知 for nothing', () => {
    expect(describeUserAgent(null)).toEqual({ browser: '未知', system: '未知' })
  })
})
