// The embeddable support widget's pure parts (docs/operations.md, "Embedding the support widget"):
// its language, its strings, what it keeps in the host page's localStorage.

export type Lang = 'ru' | 'en'

/** `data-lang` when it names a language we have, else the browser's, else Russian. */
export function pickLang(attr: string | null | undefined, browser: string | undefined): Lang {
  for (const v of [attr, browser]) {
    const l = (v ?? '').toLowerCase().slice(0, 2)
    if (l === 'ru' || l === 'en') return l
  }
  return 'ru'
}

export const STRINGS = {
  en: {
    open: 'Chat with support',
    close: 'Close',
    title: 'Support',
    greeting: 'Hello! Ask us anything, we will answer here.',
    placeholder: 'Write a message…',
    send: 'Send',
    you: 'You',
    agent: 'Support',
    ticket: 'Request {number}',
    history: 'Your requests',
    newest: 'Current request',
    failed: 'The message was not sent. Try again.',
    unverified: 'Sign in on the site to write to support.',
    limited: 'Too many messages. Wait a minute.',
    loading: 'Loading…',
    attach: 'Attach a file',
    tooLarge: 'The file is larger than 10 MB.',
    writeFirst: 'Write your question first, then attach files.',
    statuses: { open: 'open', pending: 'waiting for you', snoozed: 'open', resolved: 'resolved' } as Record<string, string>,
    topicTitle: 'What is your question about?',
    csatTitle: 'How did we do?',
    csatHint: 'Your request is resolved. Rate our answer — it helps us improve.',
    csatComment: 'A comment (optional)',
    csatSend: 'Send rating',
    csatThanks: 'Thank you for your rating!',
    csatFailed: 'The rating was not sent. Try again.',
    ratings: ['Terrible', 'Bad', 'Okay', 'Good', 'Great'],
  },
  ru: {
    open: 'Написать в поддержку',
    close: 'Закрыть',
    title: 'Поддержка',
    greeting: 'Здравствуйте! Задайте вопрос — ответим здесь.',
    placeholder: 'Напишите сообщение…',
    send: 'Отправить',
    you: 'Вы',
    agent: 'Поддержка',
    ticket: 'Обращение {number}',
    history: 'Ваши обращения',
    newest: 'Текущее обращение',
    failed: 'Сообщение не отправлено. Попробуйте ещё раз.',
    unverified: 'Войдите на сайте, чтобы написать в поддержку.',
    limited: 'Слишком много сообщений. Подождите минуту.',
    loading: 'Загрузка…',
    attach: 'Прикрепить файл',
    tooLarge: 'Файл больше 10 МБ.',
    writeFirst: 'Сначала напишите вопрос, затем прикрепите файлы.',
    statuses: { open: 'открыто', pending: 'ждём вашего ответа', snoozed: 'открыто', resolved: 'решено' } as Record<string, string>,
    topicTitle: 'Выберите тему обращения',
    csatTitle: 'Как мы справились?',
    csatHint: 'Обращение решено. Оцените наш ответ — это помогает нам стать лучше.',
    csatComment: 'Комментарий (необязательно)',
    csatSend: 'Оценить',
    csatThanks: 'Спасибо за оценку!',
    csatFailed: 'Оценка не отправлена. Попробуйте ещё раз.',
    ratings: ['Ужасно', 'Плохо', 'Нормально', 'Хорошо', 'Отлично'],
  },
}
export type Strings = (typeof STRINGS)['en']

/** What survives a reload, per inbox: the visitor token and the identity it was issued for. */
export interface Saved {
  token: string
  identifier: string | null
}

export function storageKey(inbox: string): string {
  return 'veche-widget:' + inbox
}

export function readSaved(raw: string | null): Saved | null {
  if (!raw) return null
  try {
    const v = JSON.parse(raw) as Partial<Saved>
    if (typeof v.token !== 'string' || !v.token.startsWith('vis_')) return null
    return { token: v.token, identifier: typeof v.identifier === 'string' ? v.identifier : null }
  } catch {
    return null
  }
}

/** A token issued to another identity (or to an anonymous visitor who has since signed in) is not reused. */
export function usable(saved: Saved | null, identifier: string | null): Saved | null {
  if (!saved) return null
  return saved.identifier === identifier ? saved : null
}

/** The largest file a visitor may attach (the server's limit, docs/api.md "The widget"). */
export const MAX_FILE_BYTES = 10 * 1024 * 1024

/** "2.4 MB", "830 KB", "12 B". */
export function fileSize(n: number): string {
  if (n >= 1024 * 1024) return (n / 1024 / 1024).toFixed(1) + ' MB'
  if (n >= 1024) return Math.round(n / 1024) + ' KB'
  return n + ' B'
}

/** What the widget shows under a conversation: nothing, the rating card, or the thanks. */
export type CsatView = { kind: 'none' } | { kind: 'ask' } | { kind: 'thanks'; rating: number }

/** The widget's CSAT answer (`GET …/conversations/{id}/csat`) as a view; only a resolved conversation asks. */
export function csatView(status: string, answer: { requested: boolean; csat: { rating: number | null } | null } | null): CsatView {
  if (status !== 'resolved' || !answer?.requested || !answer.csat) return { kind: 'none' }
  return answer.csat.rating ? { kind: 'thanks', rating: answer.csat.rating } : { kind: 'ask' }
}

/** A new visitor picks a topic only when there is a choice (two or more). */
export function offersTopics(topics: readonly unknown[], hasConversation: boolean): boolean {
  return !hasConversation && topics.length > 1
}

/** A widget route's URL: the inbox rides along in the query, so a preflight (no Authorization) names it too. */
export function widgetUrl(base: string, path: string, inbox: string): string {
  return `${base}/api/v1/support/widget${path}${path.includes('?') ? '&' : '?'}inbox=${encodeURIComponent(inbox)}`
}

/** The code of an error answer (`{"error": {"code", "message"}}`, docs/api.md "Errors"), else "error". */
export function errorCode(body: unknown): string {
  const code = (body as { error?: { code?: unknown } } | null)?.error?.code
  return typeof code === 'string' && code ? code : 'error'
}
