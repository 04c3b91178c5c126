// Routes with the roles that may open them. A signed-in user who still has the initial password
// reaches nothing but the forced password change.
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'

import type { Role } from '@/api/models'
import { useSessionStore } from '@/stores/session'

import { adminRoutes } from './admin'
import { governmentRoutes } from './government'
import { enterpriseRoutes } from './enterprise'
import { institutionRoutes } from './institution'
import type { MenuMeta } from './menu'
import { portalRoutes } from './portal'

declare module 'vue-router' {
  interface RouteMeta {
    title?: string
    /** Signed-in users of these roles only; absent: a public page. */
    roles?: Role[]
    /** A console menu item (see router/menu.ts). */
    menu?: MenuMeta
    /** The list a detail page belongs to (its breadcrumb), by route name. */
    parent?: string
  }
}

const routes: RouteRecordRaw[] = [
  portalRoutes,
  { path: '/login', name: 'login', component: () => import('@/views/auth/LoginView.vue'), meta: { title: '登录' } },
  {
    path: '/password/initial',
    name: 'password-initial',
    component: () => import('@/views/auth/InitialPasswordView.vue'),
    meta: { title: '修改初始密码', roles: ['admin', 'institution', 'government', 'enterprise'] },
  },
  institutionRoutes,
  governmentRoutes,
  adminRoutes,
  enterpriseRoutes,
  { path: '/:rest(.*)*', name: 'not-found', component: () => import('@/views/portal/NotFoundView.vue'), meta: { title: '页面不存在' } },
]

/** Where a user lands after signing in. */
export function homeFor(role: Role): string {
  if (role === 'institution') return '/institution/orders'
  if (role === 'government') return '/government/dashboard'
  if (role === 'admin') return '/admin/institutions'
  if (role === 'enterprise') return '/enterprise/orders'
  return '/'
}

export const router = createRouter({ history: createWebHistory(), routes })

router.beforeEach(async (to) => {
  const session = useSessionStore()
  await session.restore()
  const roles = to.meta.roles
  if (!roles) return true
  if (!session.user) return { name: 'login', query: { redirect: to.fullPath } }
  if (session.mustChangePassword && to.name !== 'password-initial') return { name: 'password-initial' }
  if (!session.mustChangePassword && to.name === 'password-initial') return homeFor(session.user.role)
  if (!roles.includes(session.user.role)) return { name: 'home' }
  return true
})

router.afterEach((to) => {
  document.title = `${to.meta.title ? to.meta.title + ' - ' : ''}信易贷平台`
})
