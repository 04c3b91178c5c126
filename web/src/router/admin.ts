// The platform administration console (平台管理员操作手册).
import type { RouteRecordRaw } from 'vue-router'

import { accountMenu, type MenuGroup } from './menu'

const roles = ['admin' as const]

export const adminRoutes: RouteRecordRaw = {
  path: '/admin',
  component: () => import('@/layouts/ConsoleLayout.vue'),
  meta: { roles },
  redirect: '/admin/institutions',
  children: [
    { path: 'regions', name: 'admin-regions', component: () => import('@/views/admin/RegionsView.vue'), meta: { title: '行政区', roles } },
    { path: 'institutions', name: 'admin-institutions', component: () => import('@/views/admin/InstitutionsView.vue'), meta: { title: '机构管理', roles } },
    { path: 'government-users', name: 'admin-government-users', component: () => import('@/views/admin/GovernmentUsersView.vue'), meta: { title: '政府用户', roles } },
    // The review of institution applications inside the console (the portal's /review page has no menu).
    { path: 'institution-applications', name: 'admin-institution-applications', component: () => import('@/views/review/InstitutionApplicationsView.vue'), meta: { title: '申请入驻审核', roles } },
    { path: 'verifications', name: 'admin-verifications', component: () => import('@/views/admin/VerificationsView.vue'), meta: { title: '企业认证审核', roles } },
    { path: 'credit/import', name: 'admin-credit-import', component: () => import('@/views/admin/CreditImportView.vue'), meta: { title: '信用数据导入', roles } },
    { path: 'credit/lookup', name: 'admin-credit-lookup', component: () => import('@/views/admin/CreditLookupView.vue'), meta: { title: '企业信用查询', roles } },
    { path: 'credit/disputes', name: 'admin-credit-disputes', component: () => import('@/views/admin/CreditDisputesView.vue'), meta: { title: '信用异议处理', roles } },
    { path: 'credit/authorization-texts', name: 'admin-authorization-texts', component: () => import('@/views/admin/AuthorizationTextsView.vue'), meta: { title: '授权书管理', roles } },
    { path: 'credit/access-logs', name: 'admin-credit-access-logs', component: () => import('@/views/admin/CreditAccessLogsView.vue'), meta: { title: '信用查阅日志', roles } },
    { path: 'dashboard', name: 'admin-dashboard', component: () => import('@/views/government/DashboardView.vue'), meta: { title: '监管首页', roles } },
    { path: 'orders', name: 'admin-orders', component: () => import('@/views/government/OrderSupervisionView.vue'), meta: { title: '订单监管', roles } },
    { path: 'orders/:id', name: 'admin-order', component: () => import('@/views/government/OrderSupervisionDetailView.vue'), meta: { title: '订单详情', roles } },
    { path: 'needs', name: 'admin-needs', component: () => import('@/views/government/NeedSupervisionView.vue'), meta: { title: '融资需求', roles } },
    { path: 'audit-logs', name: 'admin-audit-logs', component: () => import('@/views/admin/AuditLogsView.vue'), meta: { title: '审计日志', roles } },
    { path: 'login-logs', name: 'admin-login-logs', component: () => import('@/views/admin/LoginLogsView.vue'), meta: { title: '登录日志', roles } },
    { path: 'webhooks', name: 'admin-webhooks', component: () => import('@/views/government/WebhooksView.vue'), meta: { title: '事件订阅', roles } },
    { path: 'notifications', name: 'admin-notifications', component: () => import('@/views/account/NotificationsView.vue'), meta: { title: '通知', roles } },
    { path: 'profile', name: 'admin-profile', component: () => import('@/views/account/ProfileView.vue'), meta: { title: '个人中心', roles } },
    { path: 'password', name: 'admin-password', component: () => import('@/views/account/PasswordView.vue'), meta: { title: '修改密码', roles } },
  ],
}

export const adminMenu: MenuGroup[] = [
  { title: '基础设置', items: [
    { path: '/admin/regions', label: '行政区' },
    { path: '/admin/institutions', label: '机构管理' },
    { path: '/admin/government-users', label: '政府用户' },
  ] },
  { title: '审核', items: [
    { path: '/admin/institution-applications', label: '申请入驻审核' },
    { path: '/admin/verifications', label: '企业认证审核' },
  ] },
  { title: '信用数据', items: [
    { path: '/admin/credit/import', label: '信用数据导入' },
    { path: '/admin/credit/lookup', label: '企业信用查询' },
    { path: '/admin/credit/disputes', label: '信用异议处理' },
    { path: '/admin/credit/authorization-texts', label: '授权书管理' },
    { path: '/admin/credit/access-logs', label: '信用查阅日志' },
  ] },
  { title: '监管', items: [
    { path: '/admin/dashboard', label: '监管首页' },
    { path: '/admin/orders', label: '订单监管' },
    { path: '/admin/needs', label: '融资需求' },
  ] },
  { title: '日志与对接', items: [
    { path: '/admin/audit-logs', label: '审计日志' },
    { path: '/admin/login-logs', label: '登录日志' },
    { path: '/admin/webhooks', label: '事件订阅' },
  ] },
  accountMenu('/admin'),
]
