import { reactive } from 'vue'
import type { Id, Message } from '@/api/types'

export type SidePanel = 'members' | 'history' | 'thread' | 'files' | 'pins' | 'search' | null
export type CreateMode = 'channel' | 'group' | 'direct'

/** UI state of the messenger shared between the sidebar, the chat view and dialogs. */
export const chatUi = reactive({
  editingId: null as Id | null,
  panel: null as SidePanel,
  create: null as CreateMode | null,
  browseOpen: false,
  /** Root message of the open thread panel. */
  threadRootId: null as Id | null,
  /** Message to scroll to and flash once its chat's list shows it. */
  jump: null as { chatId: Id; id: Id } | null,
  highlightId: null as Id | null,
  /** Quote being composed, per chat. */
  quotes: {} as Record<Id, { id: Id; author_id: Id; text: string } | undefined>,
  forwarding: null as Message | null,
  pollChatId: null as Id | null,
  /** The scheduled messages popover (from the sidebar or a chat's "N scheduled" line). */
  scheduledOpen: false,
})

export function openThread(rootId: Id): void {
  chatUi.threadRootId = rootId
  chatUi.panel = 'thread'
}
