// The admin console (/admin, lazy-loaded): for administrators and holders of a section's permission
// (session.hasConsole), by the route's meta and the rail; each tab shows only to whoever may use it.
import type { Feature } from '../feature'

export const admin: Feature = {
  id: 'admin',
  routes: [{ path: 'admin', name: 'admin', component: () => import('./AdminView.vue'), meta: { admin: true } }],
  nav: { to: '/admin', icon: 'shield', label: 'nav.admin', adminOnly: true },
}
