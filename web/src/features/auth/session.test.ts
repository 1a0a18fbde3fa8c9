import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { api } from '@/api/client'
import type { Me } from '@/api/types'
import { useSession } from './session'

beforeEach(() => {
  setActivePinia(createPinia())
  vi.restoreAllMocks()
})

function me(role: 'user' | 'admin'): Me {
  return { id: '7', username: 'u7', display_name: 'U7', role } as unknown as Me
}

describe('session permissions', () => {
  it('a plain user has no console; a holder of a section permission has it, for that section only', async () => {
    const session = useSession()
    session.me = me('user')
    expect(session.hasConsole).toBe(false)
    vi.spyOn(api, 'myPermissions').mockResolvedValue({ is_admin: false, permissions: ['calendar.manage'], grants: [] })
    await session.loadPermissions()
    expect(session.hasConsole).toBe(true)
    expect(session.can('calendar.manage')).toBe(true)
    expect(session.can('roles.manage')).toBe(false)
  })

  it('audit.read alone opens no console (it has no section yet)', async () => {
    const session = useSession()
    session.me = me('user')
    vi.spyOn(api, 'myPermissions').mockResolvedValue({ is_admin: false, permissions: ['audit.read'], grants: [] })
    await session.loadPermissions()
    expect(session.hasConsole).toBe(false)
  })

  it('administrators may do everything; a failed read leaves the console hidden; forgetting clears', async () => {
    const session = useSession()
    session.me = me('admin')
    expect(session.hasConsole).toBe(true)
    expect(session.can('anything.at_all')).toBe(true)
    session.me = me('user')
    vi.spyOn(api, 'myPermissions').mockRejectedValue(new Error('down'))
    await session.loadPermissions()
    expect(session.hasConsole).toBe(false)
    session.permissions = ['jobs.manage']
    session.forget()
    expect(session.permissions).toEqual([])
  })
})

describe('a forced password change', () => {
  it('asks for no permissions until the password is changed (the server would refuse with 403)', async () => {
    const session = useSession()
    session.me = { ...me('user'), must_change_password: true } as Me
    const ask = vi.spyOn(api, 'myPermissions').mockResolvedValue({ is_admin: false, permissions: ['jobs.manage'], grants: [] })
    await session.loadPermissions()
    expect(ask).not.toHaveBeenCalled()
    vi.spyOn(api, 'changePassword').mockResolvedValue(undefined)
    await session.changePassword('old-password', 'new-password')
    expect(ask).toHaveBeenCalledTimes(1)
    expect(session.can('jobs.manage')).toBe(true)
  })
})
