import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { useSession } from '@/features/auth/session'
import LoginView from '@/features/auth/LoginView.vue'
import type { Feature } from '@/features/feature'
import { features } from '@/features'
import AppShell from '@/features/shell/AppShell.vue'

/** The login page, and every feature's routes inside the signed-in shell; `/` is the messenger. */
export function buildRoutes(list: readonly Feature[]): RouteRecordRaw[] {
  return [
    { path: '/login', name: 'login', component: LoginView, meta: { public: true } },
    {
      path: '/',
      component: AppShell,
      children: [{ path: '', redirect: { name: 'chats' } }, ...list.flatMap((f) => f.routes)],
    },
    { path: '/:pathMatch(.*)*', redirect: '/' },
  ]
}

export const router = createRouter({ history: createWebHistory(), routes: buildRoutes(features) })

router.beforeEach(async (to) => {
  const session = useSession()
  if (session.status === 'unknown') {
    try {
      await session.load()
    } catch {
      // Server unreachable: the login screen shows the error when it tries.
      session.status = 'anonymous'
    }
  }
  if (to.meta.public) {
    if (session.status === 'authenticated') return { name: 'chats' }
    return true
  }
  if (session.status !== 'authenticated') {
    return { name: 'login', query: to.fullPath !== '/' && to.fullPath !== '/chats' ? { next: to.fullPath } : {} }
  }
  if (to.meta.admin && !session.hasConsole) return { name: 'chats' }
  return true
})
