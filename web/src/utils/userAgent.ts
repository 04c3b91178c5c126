// A browser's user-agent string in words (浏览器 and 系统), read by bowser rather than by our own
// regular expressions: the strings change with every browser release.
import Bowser from 'bowser'

const BROWSERS: Record<string, string> = {
  'Microsoft Edge': 'Edge 浏览器',
  Chrome: 'Chrome 浏览器',
  Chromium: 'Chromium 浏览器',
  Firefox: 'Firefox 浏览器',
  Safari: 'Safari 浏览器',
  Opera: 'Opera 浏览器',
  WeChat: '微信内置浏览器',
  'QQ Browser': 'QQ 浏览器',
  'QQ Browser Lite': 'QQ 浏览器',
  'UC Browser': 'UC 浏览器',
  'Internet Explorer': 'IE 浏览器',
  'Samsung Internet for Android': '三星浏览器',
  'Yandex Browser': 'Yandex 浏览器',
}

const SYSTEMS: Record<string, string> = {
  Windows: 'Windows',
  macOS: 'macOS',
  iOS: 'iOS',
  Android: 'Android',
  Linux: 'Linux',
  'Chrome OS': 'ChromeOS',
  HarmonyOS: '鸿蒙',
}

export interface UserAgentWords {
  browser: string
  system: string
}

/** What a person would call the browser and the system behind a user-agent string. */
export function describeUserAgent(value: string | null | undefined): UserAgentWords {
  if (!value) return { browser: '未知', system: '未知' }
  const parsed = Bowser.parse(value)
  const name = parsed.browser.name ?? ''
  // Scripts and services (curl, python-requests, …) carry no browser a person would recognise.
  if (!name || !BROWSERS[name]) {
    return { browser: parsed.os.name ? '其他浏览器' : '非浏览器访问（程序调用）', system: SYSTEMS[parsed.os.name ?? ''] ?? '—' }
  }
  const major = (parsed.browser.version ?? '').split('.')[0]
  const os = SYSTEMS[parsed.os.name ?? ''] ?? '未知'
  const osVersion = parsed.os.versionName ?? (parsed.os.version ?? '').split('.').slice(0, 2).join('.')
  return { browser: major ? `${BROWSERS[name]} ${major}` : BROWSERS[name], system: osVersion && os !== '未知' ? `${os} ${osVersion}` : os }
}
