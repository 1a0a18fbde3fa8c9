import type { Feature } from '@/features/feature'
import type { IconName } from '@/shared/icons'

export interface NavItem {
  to: string
  icon: IconName
  /** An i18n key. */
  label: string
  badge: number
}

/** The rail's entries: every feature's nav entry in the features' order, admin-only ones for
 *  administrators; badges are read here, so a computed over this follows them. */
export function navItems(features: readonly Feature[], isAdmin: boolean): NavItem[] {
  return features.flatMap((f) => {
    const n = f.nav
    if (!n || (n.adminOnly && !isAdmin)) return []
    return [{ to: n.to, icon: n.icon, label: n.label, badge: n.badge?.() ?? 0 }]
  })
}
