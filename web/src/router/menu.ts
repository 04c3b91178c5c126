// The console menus come from the routes: a route with `meta.menu` is a menu item (its title, under its
// group, with its icon), in the order the routes are written. Nothing else lists the menu.
import { Bell, Key, User } from '@element-plus/icons-vue'
import type { Component } from 'vue'
import type { RouteRecordRaw } from 'vue-router'

import type { Role } from '@/api/models'

export interface MenuMeta {
  /** The menu group the item stands in. */
  group: string
  icon: Component
  /** The item's words when they differ from the page title. */
  label?: string
}

export interface MenuItem {
  path: string
  label: string
  icon: Component
}

export interface MenuGroup {
  title: string
  items: MenuItem[]
}

/** The menu of a console: its child routes that carry `meta.menu`, grouped in the order written. */
export function menuOf(console: RouteRecordRaw): MenuGroup[] {
  const groups: MenuGroup[] = []
  for (const child of console.children ?? []) {
    const menu = child.meta?.menu
    if (!menu) continue
    let group = groups.find((g) => g.title === menu.group)
    if (!group) groups.push((group = { title: menu.group, items: [] }))
    group.items.push({ path: `${console.path}/${child.path}`, label: menu.label ?? child.meta?.title ?? '', icon: menu.icon })
  }
  return groups
}

/** The account pages every signed-in role has (通知, 个人中心, 修改密码), named `<prefix>notifications`, … */
export function accountRoutes(prefix: string, roles: Role[], inMenu = true): RouteRecordRaw[] {
  const group = '账户'
  return [
    { path: 'notifications', name: `${prefix}notifications`, component: () => import('@/views/account/NotificationsView.vue'), meta: { title: '通知', roles, menu: inMenu ? { group, icon: Bell } : undefined } },
    { path: 'profile', name: `${prefix}profile`, component: () => import('@/views/account/ProfileView.vue'), meta: { title: '个人中心', roles, menu: inMenu ? { group, icon: User } : undefined } },
    { path: 'password', name: `${prefix}password`, component: () => import('@/views/account/PasswordView.vue'), meta: { title: '修改密码', roles, menu: inMenu ? { group, icon: Key } : undefined } },
  ]
}
