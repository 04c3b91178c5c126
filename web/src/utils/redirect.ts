// Where a sign-in may lead: `/login?redirect=…` only ever goes to a path of this site. An absolute URL
// (`https://evil.example`), a protocol-relative one (`//evil.example`, `/\evil.example`, which browsers read
// as `//`) or anything else leads to the user's home page instead: an open redirect after a real sign-in
// page is the phisher's favourite tool.

/** `value` if it is a same-origin path, else `fallback`. */
export function safeRedirect(value: unknown, fallback: string): string {
  if (typeof value !== 'string' || !value.startsWith('/')) return fallback
  if (value.startsWith('//') || value.includes('\\')) return fallback
  // Control characters (a TAB or newline inside `/\t/evil.example`) are dropped by URL parsers.
  if ([...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return fallback
  const url = new URL(value, 'http://same.origin')
  return url.origin === 'http://same.origin' ? url.pathname + url.search + url.hash : fallback
}
