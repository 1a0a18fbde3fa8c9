// A chat's history entries (docs/api.md, "Timeline") as sentences: "Anna added Boris as a guest".
import type { Id, TimelineEntry } from '@/api/types'

export type Translate = (key: string, params?: Record<string, unknown>) => string

function str(v: unknown): string {
  return typeof v === 'string' ? v : ''
}

/** The entry as one line of text; `name(id)` gives a user's display name. Unknown types say so
 *  rather than vanish, so a newer server's entries still show that something happened. */
export function describeEntry(entry: TimelineEntry, name: (id: Id) => string, t: Translate): string {
  const actor = entry.actor_id ? name(entry.actor_id) : t('history.system')
  const d = entry.data
  const user = str(d.user_id) ? name(str(d.user_id)) : ''
  const role = (r: unknown) => (str(r) ? t(`roles.${str(r)}`) : '')
  switch (entry.type) {
    case 'created':
      return t('history.created', { actor, name: str(d.name) })
    case 'updated': {
      const parts: string[] = []
      const name_ = d.name as { from?: unknown; to?: unknown } | undefined
      if (name_) parts.push(t('history.renamed', { from: str(name_.from), to: str(name_.to) }))
      if (d.topic) parts.push(t('history.topicChanged'))
      if (d.immutable_after_minutes) parts.push(t('history.immutableChanged'))
      return t('history.updated', { actor, what: parts.join(', ') || t('history.settings') })
    }
    case 'archived':
      return t('history.archived', { actor })
    case 'unarchived':
      return t('history.unarchived', { actor })
    case 'member_joined':
      return t('history.joined', { actor })
    case 'member_left':
      return t('history.left', { actor })
    case 'member_added':
      return t('history.added', { actor, user, role: role(d.role) })
    case 'member_removed':
      return t('history.removed', { actor, user })
    case 'member_role_changed':
      return t('history.roleChanged', { actor, user, from: role(d.from), to: role(d.to) })
    case 'owner_inherited':
      return t('history.ownerInherited', { user })
    default:
      return t('history.unknown', { actor, type: entry.type })
  }
}

/** The user ids an entry names (its actor and its subject), to load their names. */
export function usersOf(entry: TimelineEntry): Id[] {
  const ids: Id[] = []
  if (entry.actor_id) ids.push(entry.actor_id)
  if (typeof entry.data.user_id === 'string') ids.push(entry.data.user_id)
  if (Array.isArray(entry.data.member_ids)) {
    for (const m of entry.data.member_ids) if (typeof m === 'string') ids.push(m)
  }
  return ids
}
