// Locale-aware time formatting with cached Intl formatters.
const fmtCache = new Map<string, Intl.DateTimeFormat>()
function fmt(locale: string, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = locale + JSON.stringify(opts)
  let f = fmtCache.get(key)
  if (!f) {
    f = new Intl.DateTimeFormat(locale, opts)
    fmtCache.set(key, f)
  }
  return f
}

export function dayKey(ms: number): string {
  const d = new Date(ms)
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`
}

export function formatTime(ms: number, locale: string): string {
  return fmt(locale, { hour: '2-digit', minute: '2-digit' }).format(ms)
}

export function formatDateTime(ms: number, locale: string): string {
  return fmt(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(ms)
}

/** "Today", "Yesterday" or a date, for day separators. */
export function formatDay(ms: number, locale: string, today: string, yesterday: string, now = Date.now()): string {
  const k = dayKey(ms)
  if (k === dayKey(now)) return today
  if (k === dayKey(now - 86_400_000)) return yesterday
  const sameYear = new Date(ms).getFullYear() === new Date(now).getFullYear()
  return fmt(locale, { weekday: 'long', day: 'numeric', month: 'long', year: sameYear ? undefined : 'numeric' }).format(ms)
}

/** Compact time for the chat list: time today, weekday this week, else a short date. */
export function formatShort(ms: number, locale: string, now = Date.now()): string {
  if (dayKey(ms) === dayKey(now)) return formatTime(ms, locale)
  if (now - ms < 6 * 86_400_000) return fmt(locale, { weekday: 'short' }).format(ms)
  return fmt(locale, { day: 'numeric', month: 'short' }).format(ms)
}

/** Human file size: 512 B, 12.3 KB, 4.5 MB (decimal separator follows the locale). */
export function formatSize(bytes: number, locale: string): string {
  const units = locale.startsWith('ru') ? ['Б', 'КБ', 'МБ', 'ГБ'] : ['B', 'KB', 'MB', 'GB']
  let v = bytes
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  const n = i === 0 ? String(v) : v.toLocaleString(locale, { maximumFractionDigits: v < 10 ? 1 : 0 })
  return `${n} ${units[i]}`
}

/** "5 minutes ago", "yesterday", "3 days ago"; a date beyond a week. */
export function formatRelative(ms: number, locale: string, now = Date.now()): string {
  const sec = Math.round((ms - now) / 1000)
  const abs = Math.abs(sec)
  if (abs >= 7 * 86_400) return formatDateTime(ms, locale)
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' })
  if (abs < 60) return rtf.format(0, 'minute')
  if (abs < 3600) return rtf.format(Math.round(sec / 60), 'minute')
  if (abs < 86_400) return rtf.format(Math.round(sec / 3600), 'hour')
  return rtf.format(Math.round(sec / 86_400), 'day')
}

/** A time ahead for "send later": "today, 14:30", "tomorrow, 09:00", "Mon 09:00", "15 Jan, 09:00". */
export function formatWhen(ms: number, locale: string, now = Date.now()): string {
  const a = new Date(ms)
  const b = new Date(now)
  const days = Math.round(
    (new Date(a.getFullYear(), a.getMonth(), a.getDate()).getTime() - new Date(b.getFullYear(), b.getMonth(), b.getDate()).getTime()) / 86_400_000,
  )
  const time = formatTime(ms, locale)
  if (days === 0 || days === 1) return `${new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }).format(days, 'day')}, ${time}`
  if (days > 1 && days < 7) return `${fmt(locale, { weekday: 'short' }).format(ms)} ${time}`
  const sameYear = a.getFullYear() === b.getFullYear()
  return `${fmt(locale, { day: 'numeric', month: 'short', year: sameYear ? undefined : 'numeric' }).format(ms)}, ${time}`
}
