// The platform administration console (平台管理员操作手册); its menu is `meta.menu` of these routes.
import {
  Checked, Coin, Connection, DataAnalysis, Discount, DocumentChecked, EditPen, Files, List, Location, Memo, Money,
  Monitor, OfficeBuilding, Search, Stamp, Tickets, Upload, User, Warning,
} from '@element-plus/icons-vue'
import type { RouteRecordRaw } from 'vue-router'

import { accountRoutes } from './menu'

const roles = ['admin' as const]

export const adminRoutes: RouteRecordRaw = {
  path: '/admin',
  component: () => import('@/layouts/ConsoleLayout.vue'),
  meta: { roles },
  redirect: '/admin/institutions',
  children: [
    { path: 'regions', name: 'admin-regions', component: () => import('@/views/admin/RegionsView.vue'), meta: { title: '行政区', roles, menu: { group: '基础设置', icon: Location } } },
    { path: 'institutions', name: 'admin-institutions', component: () => import('@/views/admin/InstitutionsView.vue'), meta: { title: '机构管理', roles, menu: { group: '基础设置', icon: OfficeBuilding } } },
    { path: 'government-users', name: 'admin-government-users', component: () => import('@/views/admin/GovernmentUsersView.vue'), meta: { title: '政府用户', roles, menu: { group: '基础设置', icon: User } } },
    { path: 'institution-applications', name: 'admin-institution-applications', component: () => import('@/views/review/InstitutionApplicationsView.vue'), meta: { title: '申请入驻审核', roles, menu: { group: '审核', icon: Stamp } } },
    { path: 'verifications', name: 'admin-verifications', component: () => import('@/views/review/VerificationsView.vue'), meta: { title: '企业认证审核', roles, menu: { group: '审核', icon: DocumentChecked } } },
    { path: 'credit/import', name: 'admin-credit-import', component: () => import('@/views/credit/CreditImportView.vue'), meta: { title: '信用数据导入', roles, menu: { group: '信用数据', icon: Upload } } },
    { path: 'credit/lookup', name: 'admin-credit-lookup', component: () => import('@/views/credit/CreditLookupView.vue'), meta: { title: '企业信用查询', roles, menu: { group: '信用数据', icon: Search } } },
    { path: 'credit/disputes', name: 'admin-credit-disputes', component: () => import('@/views/credit/CreditDisputesView.vue'), meta: { title: '信用异议处理', roles, menu: { group: '信用数据', icon: Warning } } },
    { path: 'credit/authorization-texts', name: 'admin-authorization-texts', component: () => import('@/views/credit/AuthorizationTextsView.vue'), meta: { title: '授权书管理', roles, menu: { group: '信用数据', icon: EditPen } } },
    { path: 'credit/access-logs', name: 'admin-credit-access-logs', component: () => import('@/views/credit/CreditAccessLogsView.vue'), meta: { title: '信用查阅日志', roles, menu: { group: '信用数据', icon: Files } } },
    { path: 'dashboard', name: 'admin-dashboard', component: () => import('@/views/supervision/DashboardView.vue'), meta: { title: '监管首页', roles, menu: { group: '监管', icon: DataAnalysis } } },
    { path: 'orders', name: 'admin-orders', component: () => import('@/views/supervision/OrderSupervisionView.vue'), meta: { title: '订单监管', roles, menu: { group: '监管', icon: Tickets } } },
    { path: 'orders/:id', name: 'admin-order', component: () => import('@/views/supervision/OrderSupervisionDetailView.vue'), meta: { title: '订单详情', roles, parent: 'admin-orders' } },
    { path: 'loans', name: 'admin-loans', component: () => import('@/views/loans/LoanListView.vue'), meta: { title: '贷款监测', roles, menu: { group: '监管', icon: Money } } },
    { path: 'loans/:id(\\d+)', name: 'admin-loan', component: () => import('@/views/loans/LoanDetailView.vue'), meta: { title: '贷款详情', roles, parent: 'admin-loans' } },
    { path: 'needs', name: 'admin-needs', component: () => import('@/views/supervision/NeedSupervisionView.vue'), meta: { title: '融资需求', roles, menu: { group: '监管', icon: List } } },
    // The government instruments of every region (the same pages as the government's, which name their
    // routes by the role: FundListView, ClaimListView, SubsidyProgramListView…).
    { path: 'funds', name: 'admin-funds', component: () => import('@/views/instruments/FundListView.vue'), meta: { title: '风险补偿资金池', roles, menu: { group: '政府工具', icon: Coin } } },
    { path: 'funds/:id(\\d+)', name: 'admin-fund', component: () => import('@/views/instruments/FundDetailView.vue'), meta: { title: '资金池详情', roles, parent: 'admin-funds' } },
    { path: 'claims', name: 'admin-claims', component: () => import('@/views/instruments/ClaimListView.vue'), meta: { title: '代偿审核', roles, menu: { group: '政府工具', icon: Checked } } },
    { path: 'claims/:id(\\d+)', name: 'admin-claim', component: () => import('@/views/instruments/ClaimDetailView.vue'), meta: { title: '代偿申请详情', roles, parent: 'admin-claims' } },
    { path: 'subsidy-programs', name: 'admin-subsidy-programs', component: () => import('@/views/instruments/SubsidyProgramListView.vue'), meta: { title: '贴息项目', roles, menu: { group: '政府工具', icon: Discount } } },
    { path: 'subsidy-programs/:id(\\d+)', name: 'admin-subsidy-program', component: () => import('@/views/instruments/SubsidyProgramDetailView.vue'), meta: { title: '贴息项目详情', roles, parent: 'admin-subsidy-programs' } },
    { path: 'audit-logs', name: 'admin-audit-logs', component: () => import('@/views/admin/AuditLogsView.vue'), meta: { title: '审计日志', roles, menu: { group: '日志与对接', icon: Memo } } },
    { path: 'login-logs', name: 'admin-login-logs', component: () => import('@/views/admin/LoginLogsView.vue'), meta: { title: '登录日志', roles, menu: { group: '日志与对接', icon: Monitor } } },
    { path: 'webhooks', name: 'admin-webhooks', component: () => import('@/views/supervision/WebhooksView.vue'), meta: { title: '事件订阅', roles, menu: { group: '日志与对接', icon: Connection } } },
    ...accountRoutes('admin-', roles),
  ],
}
