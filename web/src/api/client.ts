// Typed HTTP client for /api/v1. Authentication rides on the HttpOnly session cookie that login sets.
import type {
  Chat,
  ChatRole,
  FileInfo,
  InteractionAnswer,
  Notification,
  NotifyLevel,
  SearchResult,
  TimelinePage,
  Id,
  Job,
  JobPage,
  BusinessCalendar,
  CalendarDay,
  CalendarDayKind,
  WorkInterval,
  JobState,
  LoginResponse,
  Grant,
  MyPermissions,
  Permission,
  Role,
  Me,
  Member,
  Message,
  MessagePage,
  Presence,
  ReadResponse,
  ScheduledMessage,
  ScheduledState,
  Session,
  User,
  UserRole,
  Visibility,
} from './types'

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfter?: number,
  ) {
    super(message)
    this.name = 'ApiError'
  }
  /** True when the request never got an HTTP answer (server down, network gone). */
  get isNetwork(): boolean {
    return this.status === 0
  }
}

type UnauthorizedHandler = () => void
let onUnauthorized: UnauthorizedHandler | null = null
/** Called on any 401 from an authenticated endpoint (session revoked or expired). */
export function setUnauthorizedHandler(handler: UnauthorizedHandler | null): void {
  onUnauthorized = handler
}

type PasswordChangeHandler = () => void
let onPasswordChangeRequired: PasswordChangeHandler | null = null
/** Called on any `403 password_change_required`: the server serves nothing but the password change,
 *  `me` and logout until the user replaces the password. */
export function setPasswordChangeRequiredHandler(handler: PasswordChangeHandler | null): void {
  onPasswordChangeRequired = handler
}

/** Retry-After is seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined
  const v = value.trim()
  if (/^\d+$/.test(v)) return Number(v)
  const at = Date.parse(v)
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000))
}

function notify(status: number, code: string | undefined, path: string): void {
  if (status === 401 && !path.startsWith('/auth/login')) onUnauthorized?.()
  if (status === 403 && code === 'password_change_required') onPasswordChangeRequired?.()
}

const BASE = '/api/v1'

/** One call to /api/v1: JSON in and out, an ApiError for anything but 2xx. Features with routes of
 *  their own (features/objects/api.ts) build their typed clients on it. */
export async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', signal, headers: {} }
  if (body !== undefined) {
    init.body = JSON.stringify(body)
    ;(init.headers as Record<string, string>)['Content-Type'] = 'application/json'
  }
  let res: Response
  try {
    res = await fetch(BASE + path, init)
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e
    throw new ApiError(0, 'network', (e as Error).message || 'network error')
  }
  if (res.status === 204) return undefined as T
  let data: unknown = null
  const text = await res.text()
  if (text) {
    try {
      data = JSON.parse(text)
    } catch {
      data = null
    }
  }
  if (!res.ok) {
    const err = (data as { error?: { code?: string; message?: string } } | null)?.error
    notify(res.status, err?.code, path)
    throw new ApiError(
      res.status,
      err?.code ?? 'http_' + res.status,
      err?.message ?? res.statusText,
      parseRetryAfter(res.headers.get('Retry-After')),
    )
  }
  return data as T
}

export const enc = encodeURIComponent

export function qs(params: Record<string, string | number | undefined | null | boolean>): string {
  const parts: string[] = []
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue
    parts.push(`${enc(k)}=${enc(String(v))}`)
  }
  return parts.length ? '?' + parts.join('&') : ''
}

export const api = {
  // auth
  login: (username: string, password: string) =>
    request<LoginResponse>('POST', '/auth/login', { username, password }),
  logout: () => request<void>('POST', '/auth/logout'),
  sessions: () => request<{ sessions: Session[] }>('GET', '/auth/sessions'),
  revokeSession: (id: Id) => request<void>('DELETE', `/auth/sessions/${enc(id)}`),

  // users
  me: () => request<Me>('GET', '/users/me'),
  updateMe: (patch: Partial<Pick<User, 'display_name' | 'position' | 'department' | 'site' | 'status_text'>>) =>
    request<User>('PATCH', '/users/me', patch),
  setPresence: (presence: Presence) => request<User>('PUT', '/users/me/presence', { presence }),
  changePassword: (old_password: string, new_password: string) =>
    request<void>('POST', '/users/me/password', { old_password, new_password }),
  users: (query = '', limit = 50) => request<{ users: User[] }>('GET', '/users' + qs({ query, limit })),
  user: (id: Id) => request<User>('GET', `/users/${enc(id)}`),
  createUser: (body: { username: string; password?: string; display_name?: string; role?: UserRole }) =>
    request<User & { password?: string }>('POST', '/users', body),
  adminUpdateUser: (id: Id, patch: { role?: UserRole; deactivated?: boolean }) =>
    request<User>('PATCH', `/users/${enc(id)}`, patch),
  adminResetPassword: (id: Id, password?: string) =>
    request<{ password: string }>('POST', `/users/${enc(id)}/password`, password ? { password } : {}),

  // chats
  chats: () => request<{ chats: Chat[] }>('GET', '/chats'),
  publicChats: (query = '') => request<{ chats: Chat[] }>('GET', '/chats/public' + qs({ query })),
  chat: (id: Id) => request<Chat>('GET', `/chats/${enc(id)}`),
  createDirect: (user_id: Id) => request<Chat>('POST', '/chats', { type: 'direct', user_id }),
  createChat: (body: {
    type: 'group' | 'channel'
    name?: string
    visibility?: Visibility
    topic?: string
    member_ids?: Id[]
    immutable_after_minutes?: number | null
  }) => request<Chat>('POST', '/chats', body),
  updateChat: (id: Id, patch: { name?: string; topic?: string; immutable_after_minutes?: number | null }) =>
    request<Chat>('PATCH', `/chats/${enc(id)}`, patch),
  archiveChat: (id: Id) => request<Chat>('POST', `/chats/${enc(id)}/archive`),
  unarchiveChat: (id: Id) => request<Chat>('POST', `/chats/${enc(id)}/unarchive`),
  joinChat: (id: Id) => request<Chat>('POST', `/chats/${enc(id)}/join`),
  leaveChat: (id: Id) => request<void>('POST', `/chats/${enc(id)}/leave`),
  members: (id: Id) => request<{ members: Member[] }>('GET', `/chats/${enc(id)}/members`),
  addMembers: (id: Id, user_ids: Id[], role?: 'member' | 'guest' | 'admin') =>
    request<{ members: Member[] }>('POST', `/chats/${enc(id)}/members`, { user_ids, role }),
  setMemberRole: (id: Id, userId: Id, role: ChatRole) =>
    request<unknown>('PATCH', `/chats/${enc(id)}/members/${enc(userId)}`, { role }),
  removeMember: (id: Id, userId: Id) => request<void>('DELETE', `/chats/${enc(id)}/members/${enc(userId)}`),
  markRead: (id: Id, message_id: Id) => request<ReadResponse>('POST', `/chats/${enc(id)}/read`, { message_id }),

  // messages
  messages: (chatId: Id, opts: { before?: Id; after?: Id; limit?: number } = {}, signal?: AbortSignal) =>
    request<MessagePage>('GET', `/chats/${enc(chatId)}/messages` + qs(opts), undefined, signal),
  postMessage: (
    chatId: Id,
    text: string,
    client_id?: string,
    extra: { thread_root_id?: Id; quote_id?: Id; file_ids?: Id[] } = {},
  ) => request<Message>('POST', `/chats/${enc(chatId)}/messages`, { text, client_id, ...extra }),
  thread: (rootId: Id, opts: { before?: Id; after?: Id; limit?: number } = {}) =>
    request<MessagePage>('GET', `/messages/${enc(rootId)}/thread` + qs(opts)),
  follow: (rootId: Id, on: boolean) => request<void>(on ? 'PUT' : 'DELETE', `/messages/${enc(rootId)}/follow`),
  pin: (id: Id, on: boolean) => request<Message>(on ? 'PUT' : 'DELETE', `/messages/${enc(id)}/pin`),
  pins: (chatId: Id) => request<{ messages: Message[] }>('GET', `/chats/${enc(chatId)}/pins`),
  /** An item's history, newest first (`kind` is its topic kind: `chat`, later `ticket` …). */
  timeline: (kind: string, id: Id, opts: { before?: Id; limit?: number } = {}) =>
    request<TimelinePage>('GET', `/timeline/${enc(kind)}/${enc(id)}` + qs(opts)),
  forward: (id: Id, chat_id: Id, comment?: string) =>
    request<Message>('POST', `/messages/${enc(id)}/forward`, { chat_id, comment: comment || undefined }),
  seen: (id: Id) => request<{ user_ids: Id[] }>('GET', `/messages/${enc(id)}/seen`),
  setNotify: (chatId: Id, notify: NotifyLevel) => request<Chat>('PUT', `/chats/${enc(chatId)}/notify`, { notify }),
  notifications: (opts: { before?: Id; limit?: number; unread?: boolean } = {}) =>
    request<{ notifications: Notification[] }>('GET', '/notifications' + qs(opts)),
  readNotifications: (ids?: Id[]) => request<void>('POST', '/notifications/read', ids ? { ids } : {}),
  createPoll: (
    chatId: Id,
    body: { question: string; options: string[]; multiple?: boolean; anonymous?: boolean; deadline?: number; client_id?: string },
  ) => request<Message>('POST', `/chats/${enc(chatId)}/polls`, body),
  vote: (id: Id, options: number[]) => request<Message>('PUT', `/messages/${enc(id)}/poll/vote`, { options }),
  closePoll: (id: Id) => request<Message>('POST', `/messages/${enc(id)}/poll/close`),
  interact: (id: Id, row: number, col: number) =>
    request<InteractionAnswer>('POST', `/messages/${enc(id)}/interactions`, { row, col }),
  chatFiles: (chatId: Id, opts: { before?: Id; limit?: number } = {}) =>
    request<{ files: FileInfo[] }>('GET', `/chats/${enc(chatId)}/files` + qs(opts)),
  search: (
    opts: { query: string; chat_id?: Id; author_id?: Id; from?: number; to?: number; before?: Id; limit?: number; has_file?: boolean },
    signal?: AbortSignal,
  ) => request<{ results: SearchResult[]; next_before: Id | null }>('GET', '/search' + qs(opts), undefined, signal),
  message: (id: Id) => request<Message>('GET', `/messages/${enc(id)}`),
  editMessage: (id: Id, text: string) => request<Message>('PATCH', `/messages/${enc(id)}`, { text }),
  deleteMessage: (id: Id) => request<void>('DELETE', `/messages/${enc(id)}`),
  addReaction: (id: Id, emoji: string) => request<Message>('PUT', `/messages/${enc(id)}/reactions/${enc(emoji)}`),
  removeReaction: (id: Id, emoji: string) =>
    request<Message>('DELETE', `/messages/${enc(id)}/reactions/${enc(emoji)}`),

  // scheduled messages ("send later")
  scheduleMessage: (chatId: Id, body: { text: string; send_at: number; thread_root_id?: Id }) =>
    request<ScheduledMessage>('POST', `/chats/${enc(chatId)}/scheduled-messages`, body),
  /** Without `state`: every one but the sent ones. */
  scheduledMessages: (state?: ScheduledState) =>
    request<{ scheduled_messages: ScheduledMessage[] }>('GET', '/scheduled-messages' + qs({ state })),
  scheduledMessage: (id: Id) => request<ScheduledMessage>('GET', `/scheduled-messages/${enc(id)}`),
  updateScheduled: (id: Id, patch: { text?: string; send_at?: number }) =>
    request<ScheduledMessage>('PATCH', `/scheduled-messages/${enc(id)}`, patch),
  deleteScheduled: (id: Id) => request<void>('DELETE', `/scheduled-messages/${enc(id)}`),

  // background jobs (administrators)
  adminJobs: (opts: { state?: JobState; kind?: string; before?: Id; limit?: number } = {}) =>
    request<JobPage>('GET', '/admin/jobs' + qs(opts)),
  retryJob: (id: Id) => request<Job>('POST', `/admin/jobs/${enc(id)}/retry`),

  // roles and permissions (holders of roles.manage; myPermissions: anyone)
  adminPermissions: () => request<{ permissions: Permission[] }>('GET', '/admin/permissions'),
  adminRoles: (archived = false) => request<{ roles: Role[] }>('GET', '/admin/roles' + qs({ archived: archived ? 'true' : undefined })),
  createRole: (body: { name: string; title: string; description?: string; permissions: string[] }) =>
    request<Role>('POST', '/admin/roles', body),
  updateRole: (id: Id, patch: { title?: string; description?: string; permissions?: string[] }) =>
    request<Role>('PATCH', `/admin/roles/${enc(id)}`, patch),
  archiveRole: (id: Id) => request<Role>('POST', `/admin/roles/${enc(id)}/archive`),
  userGrants: (userId: Id) => request<{ grants: Grant[] }>('GET', `/admin/users/${enc(userId)}/roles`),
  grantRole: (userId: Id, roleId: Id) => request<Grant>('POST', `/admin/users/${enc(userId)}/roles`, { role_id: roleId }),
  revokeRole: (userId: Id, roleId: Id) => request<void>('DELETE', `/admin/users/${enc(userId)}/roles/${enc(roleId)}`),
  myPermissions: () => request<MyPermissions>('GET', '/users/me/permissions'),
  calendars: () => request<{ calendars: BusinessCalendar[] }>('GET', '/calendars'),
  createCalendar: (body: { name: string; time_zone?: string; week?: WorkInterval[][]; is_default?: boolean }) =>
    request<BusinessCalendar>('POST', '/calendars', body),
  updateCalendar: (id: Id, patch: { name?: string; time_zone?: string; week?: WorkInterval[][]; is_default?: true }) =>
    request<BusinessCalendar>('PATCH', `/calendars/${enc(id)}`, patch),
  calendarDays: (id: Id, year: number) => request<{ year: number; days: CalendarDay[] }>('GET', `/calendars/${enc(id)}/days` + qs({ year })),
  setCalendarDay: (id: Id, date: string, kind: CalendarDayKind, note = '') =>
    request<CalendarDay>('PUT', `/calendars/${enc(id)}/days/${enc(date)}`, { kind, note }),
  deleteCalendarDay: (id: Id, date: string) => request<void>('DELETE', `/calendars/${enc(id)}/days/${enc(date)}`),
}

export type Api = typeof api

export interface Upload {
  promise: Promise<FileInfo>
  abort: () => void
}

/** Upload raw bytes with progress (fetch has no upload progress): POST /chats/{id}/files?name=… */
export function uploadFile(chatId: Id, file: Blob & { name?: string }, onProgress: (loaded: number, total: number) => void): Upload {
  const xhr = new XMLHttpRequest()
  const promise = new Promise<FileInfo>((resolve, reject) => {
    xhr.open('POST', `${BASE}/chats/${enc(chatId)}/files${qs({ name: file.name || 'file' })}`)
    xhr.withCredentials = true
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size)
    xhr.onload = () => {
      let data: unknown = null
      try {
        data = JSON.parse(xhr.responseText)
      } catch {
        data = null
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data as FileInfo)
      else {
        const err = (data as { error?: { code?: string; message?: string } } | null)?.error
        notify(xhr.status, err?.code, '/chats')
        reject(
          new ApiError(
            xhr.status,
            err?.code ?? 'http_' + xhr.status,
            err?.message ?? xhr.statusText,
            parseRetryAfter(xhr.getResponseHeader('Retry-After')),
          ),
        )
      }
    }
    xhr.onerror = () => reject(new ApiError(0, 'network', 'network error'))
    xhr.onabort = () => reject(new ApiError(0, 'aborted', 'aborted'))
    xhr.send(file)
  })
  return { promise, abort: () => xhr.abort() }
}
