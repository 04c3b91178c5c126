// The government supervision console (政府监管操作手册): always the user's region and below.
import type { RouteRecordRaw } from 'vue-router'

import { accountMenu, type MenuGroup } from './menu'

const roles = ['government' as const]

export const governmentRoutes: RouteRecordRaw = {
  path: '/government',
  component: () => import('@/layouts/ConsoleLayout.vue'),
  meta: { roles },
  redirect: '/government/dashboard',
  children: [
    // The dashboard carries ECharts: its own chunk, loaded when the page is opened.
    { path: 'dashboard', name: 'gov-dashboard', component: () => import('@/views/government/DashboardView.vue'), meta: { title: '监管首页', roles } },
    { path: 'orders', name: 'gov-orders', component: () => import('@/views/government/OrderSupervisionView.vue'), meta: { title: '订单监管', roles } },
    { path: 'orders/:id', name: 'gov-order', component: () => import('@/views/government/OrderSupervisionDetailView.vue'), meta: { title: '订单详情', roles } },
    { path: 'needs', name: 'gov-needs', component: () => import('@/views/government/NeedSupervisionView.vue'), meta: { title: '融资需求', roles } },
    { path: 'whitelist', name: 'gov-whitelist', component: () => import('@/views/institution/WhitelistView.vue'), meta: { title: '信易贷企业白名单', roles } },
    // The review of institution applications inside the console (the portal's /review page has no menu).
    { path: 'institution-applications', name: 'gov-institution-applications', component: () => import('@/views/review/InstitutionApplicationsView.vue'), meta: { title: '申请入驻审核', roles } },
    { path: 'verifications', name: 'gov-verifications', component: () => import('@/views/admin/VerificationsView.vue'), meta: { title: '企业认证审核', roles } },
    { path: 'credit/import', name: 'gov-credit-import', component: () => import('@/views/admin/CreditImportView.vue'), meta: { title: '信用数据导入', roles } },
    { path: 'credit/lookup', name: 'gov-credit-lookup', component: () => import('@/views/admin/CreditLookupView.vue'), meta: { title: '企业信用查询', roles } },
    { path: 'credit/disputes', name: 'gov-credit-disputes', component: () => import('@/views/admin/CreditDisputesView.vue'), meta: { title: '信用异议处理', roles } },
    { path: 'webhooks', name: 'gov-webhooks', component: () => import('@/views/government/WebhooksView.vue'), meta: { title: '事件订阅', roles } },
    { path: 'notifications', name: 'gov-notifications', component: () => import('@/views/account/NotificationsView.vue'), meta: { title: '通知', roles } },
    { path: 'profile', name: 'gov-profile', component: () => import('@/views/account/ProfileView.vue'), meta: { title: '个人中心', roles } },
    { path: 'password', name: 'gov-password', component: () => import('@/views/account/PasswordView.vue'), meta: { title: '修改密码', roles } },
  ],
}

export const governmentMenu: MenuGroup[] = [
  { title: '监管', items: [
    { path: '/government/dashboard', label: '监管首页' },
    { path: '/government/orders', label: '订单监管' },
    { path: '/government/needs', label: '融资需求' },
    { path: '/government/whitelist', label: '信易贷企业白名单' },
  ] },
  { title: '审核', items: [
    { path: '/government/institution-applications', label: '申请入驻审核' },
    { path: '/government/verifications', label: '企业认证审核' },
  ] },
  { title: '信用数据', items: [
    { path: '/government/credit/import', label: '信用数据导入' },
    { path: '/government/credit/lookup', label: '企业信用查询' },
    { path: '/government/credit/disputes', label: '信用异议处理' },
  ] },
  { title: '对接', items: [{ path: '/government/webhooks', label: '事件订阅' }] },
  accountMenu('/government'),
]
