import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, ApiError } from '@/api/client'
import type { Me, User } from '@/api/types'

const HINT = 'veche.session'
function hasHint(): boolean {
  try {
    return localStorage.getItem(HINT) === '1'
  } catch {
    return true
  }
}
function setHint(on: boolean): void {
  try {
    if (on) localStorage.setItem(HINT, '1')
    else localStorage.removeItem(HINT)
  } catch {
    /* private mode: always probe */
  }
}

/** The permissions behind the admin console's sections (users, jobs, roles, calendar). */
export const CONSOLE_PERMISSIONS = ['users.manage', 'jobs.manage', 'roles.manage', 'calendar.manage'] as const

export type SessionStatus = 'unknown' | 'anonymous' | 'authenticated'

export const useSession = defineStore('session', () => {
  const me = ref<Me | null>(null)
  const status = ref<SessionStatus>('unknown')

  const isAdmin = computed(() => me.value?.role === 'admin')
  /** What the user's roles allow beyond their own objects (docs/api.md, "Roles and permissions"). */
  const permissions = ref<string[]>([])
  const can = (permission: string) => isAdmin.value || permissions.value.includes(permission)
  /** The admin console is for administrators and for whoever holds one of its sections' permissions. */
  const hasConsole = computed(() => isAdmin.value || CONSOLE_PERMISSIONS.some((p) => permissions.value.includes(p)))

  async function loadPermissions(): Promise<void> {
    // Until a forced password change is done the server refuses everything else; ask after it.
    if (!me.value || me.value.must_change_password) {
      permissions.value = []
      return
    }
    try {
      permissions.value = (await api.myPermissions()).permissions
    } catch {
      permissions.value = [] // the server decides anyway; the console just stays hidden
    }
  }
  const mustChangePassword = computed(() => !!me.value?.must_change_password)

  async function load(): Promise<void> {
    // The session cookie is HttpOnly; a local hint saves a guaranteed 401 (and a console error) on a
    // first visit. A stale hint costs one 401.
    if (!hasHint()) {
      status.value = 'anonymous'
      return
    }
    try {
      me.value = await api.me()
      await loadPermissions()
      status.value = 'authenticated'
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        setHint(false)
        me.value = null
        status.value = 'anonymous'
        return
      }
      throw e
    }
  }

  async function login(username: string, password: string): Promise<void> {
    const res = await api.login(username.trim(), password)
    setHint(true)
    me.value = res.user
    await loadPermissions()
    status.value = 'authenticated'
  }

  async function changePassword(oldPassword: string, newPassword: string): Promise<void> {
    await api.changePassword(oldPassword, newPassword)
    if (me.value) me.value = { ...me.value, must_change_password: false }
    await loadPermissions()
  }

  /** The server answered `password_change_required`: show the forced change before anything else. */
  function requirePasswordChange(): void {
    if (me.value && !me.value.must_change_password) me.value = { ...me.value, must_change_password: true }
  }

  /** Re-read our own user (e.g. the presence the server reports once our socket is up). */
  async function refresh(): Promise<void> {
    try {
      const fresh = await api.me()
      me.value = fresh
      await loadPermissions()
    } catch {
      /* keep what we have */
    }
  }

  function updateMe(u: User): void {
    if (me.value && u.id === me.value.id) me.value = { ...me.value, ...u }
  }

  async function logout(): Promise<void> {
    try {
      await api.logout()
    } catch {
      /* the session may already be gone */
    }
    forget()
  }

  function forget(): void {
    setHint(false)
    me.value = null
    permissions.value = []
    status.value = 'anonymous'
  }

  return {
    me,
    status,
    isAdmin,
    permissions,
    can,
    hasConsole,
    loadPermissions,
    mustChangePassword,
    load,
    login,
    logout,
    changePassword,
    requirePasswordChange,
    updateMe,
    forget,
    refresh,
  }
})
