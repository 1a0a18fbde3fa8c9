// User preferences kept in the browser: theme and language.
import { ref, watch } from 'vue'

export type Theme = 'light' | 'dark'
export type Locale = 'ru' | 'en'

function read(key: string): string | null {
  try {
    return localStorage.getItem(key)
  } catch {
    return null
  }
}
function write(key: string, v: string): void {
  try {
    localStorage.setItem(key, v)
  } catch {
    /* private mode */
  }
}

function initialTheme(): Theme {
  const t = read('veche.theme')
  if (t === 'light' || t === 'dark') return t
  return typeof matchMedia !== 'undefined' && matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'
}

export function detectLocale(languages: readonly string[] = typeof navigator !== 'undefined' ? navigator.languages : []): Locale {
  const saved = read('veche.locale')
  if (saved === 'ru' || saved === 'en') return saved
  const first = (languages[0] ?? 'en').toLowerCase()
  return first.startsWith('ru') ? 'ru' : 'en'
}

export const theme = ref<Theme>(initialTheme())
watch(
  theme,
  (t) => {
    if (typeof document !== 'undefined') document.documentElement.dataset.theme = t
  },
  { immediate: true },
)

export function setTheme(t: Theme): void {
  theme.value = t
  write('veche.theme', t)
}
export function toggleTheme(): void {
  setTheme(theme.value === 'dark' ? 'light' : 'dark')
}
export function saveLocale(l: Locale): void {
  write('veche.locale', l)
}
