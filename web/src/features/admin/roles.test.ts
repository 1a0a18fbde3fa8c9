import { afterEach, describe, expect, it, vi } from 'vitest'
import { api } from '@/api/client'
import type { Grant, Role } from '@/api/types'
import { grantableRoles, roleNameError, samePermissions, sortRoles } from './roles'

function role(id: string, name: string, extra: Partial<Role> = {}): Role {
  return { id, name, title: name, description: '', system: false, archived_at: null, permissions: [], created_at: 1, updated_at: 1, ...extra }
}
function grant(roleId: string, scope: string | null = null): Grant {
  return { user_id: '9', role_id: roleId, role_name: 'r', role_title: 'R', role_archived: false, scope_kind: scope, scope_id: scope ? '1' : null, granted_by: '1', granted_at: 1 }
}

afterEach(() => vi.unstubAllGlobals())

describe('roles helpers', () => {
  it('checks role names as the server does', () => {
    expect(roleNameError('auditor')).toBeNull()
    expect(roleNameError('on-call_2')).toBeNull()
    expect(roleNameError('')).toBe('empty')
    expect(roleNameError('Auditor')).toBe('format')
    expect(roleNameError('1st')).toBe('format')
    expect(roleNameError('a'.repeat(65))).toBe('format')
    expect(roleNameError('support.boss')).toBe('reserved')
    expect(roleNameError('admin')).toBe('reserved')
  })

  it('orders admin, system, custom, archived', () => {
    const sorted = sortRoles([role('4', 'zeta', { archived_at: 5 }), role('3', 'beta'), role('2', 'support.agent', { system: true }), role('1', 'admin', { system: true })])
    expect(sorted.map((r) => r.name)).toEqual(['admin', 'support.agent', 'beta', 'zeta'])
  })

  it('offers only unarchived roles not held globally', () => {
    const roles = [role('1', 'a'), role('2', 'b'), role('3', 'c', { archived_at: 1 })]
    expect(grantableRoles(roles, [grant('1'), grant('2', 'support_queue')]).map((r) => r.id)).toEqual(['2'])
  })

  it('compares permission sets', () => {
    expect(samePermissions(['a', 'b'], ['b', 'a'])).toBe(true)
    expect(samePermissions(['a'], ['a', 'b'])).toBe(false)
  })
})

describe('roles api wrapper', () => {
  it('sends the documented methods, paths and bodies', async () => {
    const calls: [string, string, unknown][] = []
    vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit) => {
      calls.push([init.method ?? 'GET', String(url), init.body ? JSON.parse(String(init.body)) : undefined])
      return new Response(init.method === 'DELETE' ? null : '{}', { status: init.method === 'DELETE' ? 204 : 200 })
    }))
    await api.adminRoles(true)
    await api.createRole({ name: 'auditor', title: 'Auditor', permissions: ['audit.read'] })
    await api.updateRole('5', { permissions: [] })
    await api.archiveRole('5')
    await api.grantRole('9', '5')
    await api.revokeRole('9', '5')
    await api.myPermissions()
    expect(calls.map(([m, u]) => `${m} ${u.replace(/^.*\/api\/v1/, '')}`)).toEqual([
      'GET /admin/roles?archived=true',
      'POST /admin/roles',
      'PATCH /admin/roles/5',
      'POST /admin/roles/5/archive',
      'POST /admin/users/9/roles',
      'DELETE /admin/users/9/roles/5',
      'GET /users/me/permissions',
    ])
    expect(calls[1][2]).toEqual({ name: 'auditor', title: 'Auditor', permissions: ['audit.read'] })
    expect(calls[4][2]).toEqual({ role_id: '5' })
  })
})
