// Business objects (CTX, docs/api.md "Business objects"): the objects list and "For my decision"
// under /objects, an object's page under /objects/:objectId, the rail's badge of decisions waiting,
// the `objects.` events, and the link from an object's chat back to its object.
import type { Feature } from '../feature'
import { messages } from './messages'
import ObjectChatLink from './ObjectChatLink.vue'
import { useObjects } from './store'

export const objects: Feature = {
  id: 'objects',
  routes: [
    { path: 'objects', name: 'objects', component: () => import('./ObjectsView.vue') },
    { path: 'objects/:objectId', name: 'object', component: () => import('./ObjectPage.vue'), props: true },
  ],
  nav: { to: '/objects', icon: 'box', label: 'nav.objects', badge: () => useObjects().pendingCount },
  messages,
  events: ['objects.'],
  onEvent: (ev) => useObjects().onEvent(ev),
  chatHeader: { kinds: ['object'], component: ObjectChatLink },
  async onStart() {
    await useObjects().loadPending()
  },
  onReset: () => void useObjects().loadPending(),
  onStop: () => useObjects().clear(),
}
