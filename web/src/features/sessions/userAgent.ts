// A readable name for a session's User-Agent ("Chrome 131 · Windows"), without a UA database: the
// few browsers and systems people actually use, and the name/version of anything else (curl, scripts).

export type DeviceKind = 'desktop' | 'phone' | 'tablet' | 'other'

export interface DeviceInfo {
  /** "Firefox 133", "curl 8.5.0", or '' when unknown. */
  browser: string
  /** "Windows", "macOS", "Android 14", "iOS 18.1", or ''. */
  os: string
  kind: DeviceKind
}

function major(v: string | undefined): string {
  return v ? v.split('.')[0] : ''
}

function withVersion(name: string, v: string | undefined): string {
  return v ? `${name} ${v}` : name
}

const BROWSERS: [RegExp, string][] = [
  [/\bEdg(?:e|A|iOS)?\/([\d.]+)/, 'Edge'],
  [/\bYaBrowser\/([\d.]+)/, 'Yandex Browser'],
  [/\bOPR\/([\d.]+)/, 'Opera'],
  [/\bSamsungBrowser\/([\d.]+)/, 'Samsung Internet'],
  [/\b(?:Firefox|FxiOS)\/([\d.]+)/, 'Firefox'],
  [/\bCriOS\/([\d.]+)/, 'Chrome'],
  [/\b(?:HeadlessChrome|Chrome|Chromium)\/([\d.]+)/, 'Chrome'],
]

export function parseUserAgent(ua: string | null | undefined): DeviceInfo {
  const s = (ua ?? '').trim()
  if (!s) return { browser: '', os: '', kind: 'other' }

  let os = ''
  let kind: DeviceKind = 'desktop'
  let m: RegExpExecArray | null
  if ((m = /\b(iPhone|iPad|iPod)\b.*?OS (\d+)[_.](\d+)/.exec(s))) {
    os = `iOS ${m[2]}.${m[3]}`
    kind = m[1] === 'iPad' ? 'tablet' : 'phone'
  } else if ((m = /\bAndroid(?: ([\d.]+))?/.exec(s))) {
    os = withVersion('Android', major(m[1]))
    kind = /\bMobile\b/.test(s) ? 'phone' : 'tablet'
  } else if (/\bWindows\b/.test(s)) os = 'Windows'
  else if (/\bCrOS\b/.test(s)) os = 'ChromeOS'
  else if (/\bMac OS X\b|\bMacintosh\b/.test(s)) os = 'macOS'
  else if (/\bLinux\b|\bX11\b/.test(s)) os = 'Linux'

  let browser = ''
  for (const [re, name] of BROWSERS) {
    if ((m = re.exec(s))) {
      browser = withVersion(name, major(m[1]))
      break
    }
  }
  if (!browser && /\bSafari\//.test(s) && (m = /\bVersion\/([\d.]+)/.exec(s))) browser = withVersion('Safari', major(m[1]))
  if (!browser && !/^Mozilla\//.test(s)) {
    // A program rather than a browser: "curl/8.5.0", "python-requests/2.31", "veche-bench/0.1".
    const first = /^([A-Za-z][\w.-]*)(?:\/([\w.-]+))?/.exec(s)
    if (first) browser = withVersion(first[1], first[2])
    kind = 'other'
  }
  return { browser, os, kind }
}
