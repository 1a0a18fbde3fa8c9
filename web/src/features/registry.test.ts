// The feature list builds the rail, the router and the strings.
import { mount, RouterLinkStub } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { createI18n } from 'vue-i18n'
import { chat, user } from '@/api/fixtures'
import { buildRoutes } from '@/app/router'
import { useSession } from '@/features/auth/session'
import { useChats } from '@/features/messenger/stores/chats'
import NavRail from '@/features/shell/NavRail.vue'
import { navItems } from '@/features/shell/nav'
import { appMessages } from '@/i18n'
import { messageKeys } from '@/i18n/merge'
import type { Feature } from './feature'
import { features } from '.'

beforeEach(() => {
  setActivePinia(createPinia())
})

describe('feature list', () => {
  it('has unique ids and unique route names', () => {
    expect(new Set(features.map((f) => f.id)).size).toBe(features.length)
    const names = features.flatMap((f) => f.routes.flatMap((r) => [r.name, ...(r.children ?? []).map((c) => c.name)])).filter(Boolean)
    expect(new Set(names).size).toBe(names.length)
  })
})

describe('navigation rail', () => {
  it('lists the features with a nav entry, in order, admin-only ones for administrators', () => {
    expect(navItems(features, false).map((i) => i.to)).toEqual(['/chats', '/objects', '/support', '/experts', '/video'])
    expect(navItems(features, true).map((i) => i.to)).toEqual(['/chats', '/objects', '/support', '/experts', '/video', '/admin'])
  })

  it('reads each badge when built', () => {
    let n = 3
    const f: Feature = { id: 'x', routes: [], nav: { to: '/x', icon: 'box', label: 'nav.x', badge: () => n } }
    expect(navItems([f], false)[0].badge).toBe(3)
    n = 0
    expect(navItems([f], false)[0].badge).toBe(0)
  })

  it('renders the entries with their translated labels and the messenger unread badge', async () => {
    const session = useSession()
    session.me = { ...user('me', 'me', 'Me', { role: 'admin' }), must_change_password: false }
    session.status = 'authenticated'
    useChats().byId.set('c1', chat({ unread_count: 4 }))
    const i18n = createI18n({ legacy: false, locale: 'ru', messages: appMessages(features) as never })
    const w = mount(NavRail, { global: { plugins: [i18n], stubs: { RouterLink: RouterLinkStub } } })
    const links = w.findAllComponents(RouterLinkStub)
    expect(links.map((l) => l.props('to'))).toEqual(['/chats', '/objects', '/support', '/experts', '/video', '/admin'])
    expect(w.findAll('.rail-label').map((l) => l.text())).toEqual(['Мессенджер', 'Объекты', 'Поддержка', 'Эксперты', 'Видео', 'Админка'])
    expect(w.findAll('.rail-badge').map((b) => b.text())).toEqual(['4'])
    session.me = { ...session.me, role: 'user' }
    await w.vm.$nextTick()
    expect(w.findAll('.rail-label')).toHaveLength(5)
  })
})

describe('router', () => {
  it('puts every feature route inside the shell and keeps the admin guard meta', () => {
    const shell = buildRoutes(features).find((r) => r.path === '/')!
    const paths = shell.children!.map((r) => r.path)
    for (const p of ['chats', 'sessions', 'admin', 'objects', 'support', 'experts', 'video']) expect(paths).toContain(p)
    expect(shell.children!.find((r) => r.path === 'admin')!.meta).toEqual({ admin: true })
    expect(buildRoutes(features).find((r) => r.path === '/login')!.meta).toEqual({ public: true })
  })
})

describe('feature strings', () => {
  it('are merged into both languages with the same keys', () => {
    const all = appMessages(features)
    expect(messageKeys(all.ru).sort()).toEqual(messageKeys(all.en).sort())
    expect(messageKeys(all.en)).toContain('nav.support')
    expect(messageKeys(all.en)).toContain('sessions.title')
    expect(messageKeys(all.en)).toContain('admin.title')
  })

  it('a feature missing a key in one language makes the two differ', () => {
    const f: Feature = { id: 'x', routes: [], messages: { en: { x: { a: 'A', b: 'B' } }, ru: { x: { a: 'А' } } } }
    const all = appMessages([...features, f])
    expect(messageKeys(all.ru).sort()).not.toEqual(messageKeys(all.en).sort())
  })

  it('a feature redefining a key another one owns is refused', () => {
    const f: Feature = { id: 'x', routes: [], messages: { en: { nav: { messenger: 'Chat' } }, ru: { nav: { messenger: 'Чат' } } } }
    expect(() => appMessages([...features, f])).toThrow(/x redefines "nav.messenger"/)
  })
})
