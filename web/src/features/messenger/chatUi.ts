import { reactive } from 'vue'
import type { Id } from '@/api/types'

export type SidePanel = 'members' | null
export type CreateMode = 'channel' | 'group' | 'direct'

/** UI state of the messenger shared between the sidebar, the chat view and dialogs. */
export const chatUi = reactive({
  editingId: null as Id | null,
  panel: null as SidePanel,
  create: null as CreateMode | null,
  browseOpen: false,
})
