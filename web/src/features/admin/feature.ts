// The admin console (/admin, lazy-loaded): administrators only, by the route's meta and the rail.
import type { Feature } from '../feature'

export const admin: Feature = {
  id: 'admin',
  routes: [{ path: 'admin', name: 'admin', component: () => import('./AdminView.vue'), meta: { admin: true } }],
  nav: { to: '/admin', icon: 'shield', label: 'nav.admin', adminOnly: true },
}
