import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { useSession } from '@/features/auth/session'
import LoginView from '@/features/auth/LoginView.vue'
import AppShell from '@/features/shell/AppShell.vue'
import MessengerView from '@/features/messenger/views/MessengerView.vue'
import ChatView from '@/features/messenger/views/ChatView.vue'
import NoChatView from '@/features/messenger/views/NoChatView.vue'
import PlaceholderView from '@/features/shell/PlaceholderView.vue'

const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: LoginView, meta: { public: true } },
  {
    path: '/',
    component: AppShell,
    children: [
      { path: '', redirect: { name: 'chats' } },
      {
        path: 'chats',
        component: MessengerView,
        children: [
          { path: '', name: 'chats', component: NoChatView },
          { path: ':chatId', name: 'chat', component: ChatView, props: true },
        ],
      },
      { path: 'sessions', name: 'sessions', component: () => import('@/features/sessions/SessionsView.vue') },
      { path: 'admin', name: 'admin', component: () => import('@/features/admin/AdminView.vue'), meta: { admin: true } },
      { path: 'objects', name: 'objects', component: PlaceholderView, props: { module: 'objects' } },
      { path: 'support', name: 'support', component: PlaceholderView, props: { module: 'support' } },
      { path: 'experts', name: 'experts', component: PlaceholderView, props: { module: 'experts' } },
      { path: 'video', name: 'video', component: PlaceholderView, props: { module: 'video' } },
    ],
  },
  { path: '/:pathMatch(.*)*', redirect: '/' },
]

export const router = createRouter({ history: createWebHistory(), routes })

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
  if (to.meta.admin && !session.isAdmin) return { name: 'chats' }
  return true
})
