// Pure helpers of the roles section (RolesSection.vue), tested in roles.test.ts.
import type { Grant, Role } from '@/api/types'

/** The server's rule for a custom role's name (docs/api.md): a-z 0-9 _ -, from a letter, no '.'. */
export const ROLE_NAME = /^[a-z][a-z0-9_-]{0,63}$/

export function roleNameError(name: string): 'empty' | 'format' | 'reserved' | null {
  if (!name) return 'empty'
  if (name === 'admin' || name.includes('.')) return 'reserved'
  return ROLE_NAME.test(name) ? null : 'format'
}

/** System roles first (admin at the top), then custom ones by name; archived ones last. */
export function sortRoles(roles: Role[]): Role[] {
  const rank = (r: Role) => (r.archived_at ? 3 : r.name === 'admin' ? 0 : r.system ? 1 : 2)
  return [...roles].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name))
}

/** Roles a user can still be given: unarchived and not held globally already. */
export function grantableRoles(roles: Role[], grants: Grant[]): Role[] {
  const held = new Set(grants.filter((g) => g.scope_kind === null).map((g) => g.role_id))
  return sortRoles(roles.filter((r) => !r.archived_at && !held.has(r.id)))
}

/** Whether `a` and `b` name the same permissions, whatever their order. */
export function samePermissions(a: string[], b: string[]): boolean {
  const x = [...new Set(a)].sort()
  const y = [...new Set(b)].sort()
  return x.length === y.length && x.every((v, i) => v === y[i])
}
