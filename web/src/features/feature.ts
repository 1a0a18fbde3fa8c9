// A web feature contributes itself to the app, as a server module does (docs/architecture.md,
// "The web client"): its routes under the shell, its entry in the navigation rail, its strings and
// the real-time events it follows. features/index.ts is the one list; the app builds the router,
// the rail and the i18n messages from it and routes every WebSocket frame to the feature that
// claims it, so adding a feature edits no file of the shell, the router or another feature.
import type { Component } from 'vue'
import type { RouteRecordRaw } from 'vue-router'
import type { LiveFrame, ServerEvent } from '@/api/types'
import type { IconName } from '@/shared/icons'

/** A feature's strings: a tree of messages per language, deep-merged into the app's (a key that
 *  another feature or src/i18n already defines, or one missing in a language, fails i18n.test.ts). */
export interface FeatureMessages {
  en: Record<string, unknown>
  ru: Record<string, unknown>
}

export interface NavEntry {
  /** Where the entry leads (a path of one of the feature's routes). */
  to: string
  icon: IconName
  /** An i18n key (`nav.support`), translated by the rail. */
  label: string
  /** The count shown on the entry (unread chats, open tickets); 0 hides it. */
  badge?: () => number
  /** Shown to administrators only (the route itself is guarded by `meta.admin`). */
  adminOnly?: boolean
}

export interface Feature {
  id: string
  /** Children of the signed-in shell (`/chats`, `/support/:ticketId`…); `meta: { admin: true }`
   *  keeps a route to administrators. */
  routes: RouteRecordRaw[]
  nav?: NavEntry
  messages?: FeatureMessages
  /** Shown in the header of the chats of these kinds (`Chat.kind`, a module's bound chats): a link
   *  from the chat to what owns it. The component gets the chat as its `chat` prop. */
  chatHeader?: { kinds: readonly string[]; component: Component }
  /** The event kinds this feature follows: a prefix ends with a dot (`'support.'`), anything else is
   *  one kind. Each documented kind is claimed by exactly one feature or by the app (wire.test.ts). */
  events?: readonly string[]
  /** One event of a claimed kind, in pos order. */
  onEvent?(ev: ServerEvent): void
  /** The live-only frame types this feature follows (`typing`). */
  live?: readonly LiveFrame['type'][]
  onLive?(frame: LiveFrame): void
  /** The socket is up and the first hello has been answered: load what the feature shows (a snapshot
   *  taken now cannot miss an event). Called again after every sign-in. */
  onStart?(): void | Promise<void>
  /** The backlog after a hello was delivered; `resumed` is false on the first connection. */
  onSynced?(info: { resumed: boolean }): void
  /** The server could not resume (`resync_required`): what the feature cached is stale; reload it. */
  onReset?(): void
  /** Signed out, or the password must be changed: forget everything the feature loaded. */
  onStop?(): void
}

/** Whether `feature` claims events of `kind` (by exact kind or by a `prefix.`). */
export function claims(feature: Pick<Feature, 'events'>, kind: string): boolean {
  return (feature.events ?? []).some((c) => (c.endsWith('.') ? kind.startsWith(c) : kind === c))
}
