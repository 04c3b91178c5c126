// The government supervision console (政府监管操作手册): always the user's region and below. Its menu
// is `meta.menu` of these routes.
import {
  Checked, Coin, Collection, Connection, DataAnalysis, Discount, DocumentChecked, List, MapLocation, Money, Notebook, Promotion, Search, Stamp,
  Tickets, Upload, Warning,
} from '@element-plus/icons-vue'
import type { RouteRecordRaw } from 'vue-router'

import { accountRoutes } from './menu'

const roles = ['government' as const]

export const governmentRoutes: RouteRecordRaw = {
  path: '/government',
  component: () => import('@/layouts/ConsoleLayout.vue'),
  meta: { roles },
  redirect: '/government/dashboard',
  children: [
    // The dashboard carries ECharts: its own chunk, loaded when the page is opened.
    { path: 'dashboard', name: 'gov-dashboard', component: () => import('@/views/supervision/DashboardView.vue'), meta: { title: '监管首页', roles, menu: { group: '监管', icon: DataAnalysis } } },
    { path: 'orders', name: 'gov-orders', component: () => import('@/views/supervision/OrderSupervisionView.vue'), meta: { title: '订单监管', roles, menu: { group: '监管', icon: Tickets } } },
    { path: 'orders/:id', name: 'gov-order', component: () => import('@/views/supervision/OrderSupervisionDetailView.vue'), meta: { title: '订单详情', roles, parent: 'gov-orders' } },
    { path: 'loans', name: 'gov-loans', component: () => import('@/views/loans/LoanListView.vue'), meta: { title: '贷款监测', roles, menu: { group: '监管', icon: Money } } },
    { path: 'loans/:id(\\d+)', name: 'gov-loan', component: () => import('@/views/loans/LoanDetailView.vue'), meta: { title: '贷款详情', roles, parent: 'gov-loans' } },
    { path: 'funds', name: 'gov-funds', component: () => import('@/views/instruments/FundListView.vue'), meta: { title: '风险补偿资金池', roles, menu: { group: '政府工具', icon: Coin } } },
    { path: 'funds/:id(\\d+)', name: 'gov-fund', component: () => import('@/views/instruments/FundDetailView.vue'), meta: { title: '资金池详情', roles, parent: 'gov-funds' } },
    { path: 'claims', name: 'gov-claims', component: () => import('@/views/instruments/ClaimListView.vue'), meta: { title: '代偿审核', roles, menu: { group: '政府工具', icon: Checked } } },
    { path: 'claims/:id(\\d+)', name: 'gov-claim', component: () => import('@/views/instruments/ClaimDetailView.vue'), meta: { title: '代偿申请详情', roles, parent: 'gov-claims' } },
    { path: 'subsidy-programs', name: 'gov-subsidy-programs', component: () => import('@/views/instruments/SubsidyProgramListView.vue'), meta: { title: '贴息项目', roles, menu: { group: '政府工具', icon: Discount } } },
    { path: 'subsidy-programs/:id(\\d+)', name: 'gov-subsidy-program', component: () => import('@/views/instruments/SubsidyProgramDetailView.vue'), meta: { title: '贴息项目详情', roles, parent: 'gov-subsidy-programs' } },
    { path: 'needs', name: 'gov-needs', component: () => import('@/views/supervision/NeedSupervisionView.vue'), meta: { title: '融资需求', roles, menu: { group: '监管', icon: List } } },
    { path: 'visits', name: 'gov-visits', component: () => import('@/views/coordination/VisitListView.vue'), meta: { title: '走访登记', roles, menu: { group: '融资协调', icon: MapLocation } } },
    { path: 'pushes', name: 'gov-pushes', component: () => import('@/views/coordination/PushListView.vue'), meta: { title: '推荐清单', roles, menu: { group: '融资协调', icon: Promotion } } },
    { path: 'whitelist', name: 'gov-whitelist', component: () => import('@/views/credit/WhitelistView.vue'), meta: { title: '信易贷企业白名单', roles, menu: { group: '监管', icon: Collection } } },
    { path: 'policies', name: 'gov-policies', component: () => import('@/views/policies/PolicyManageView.vue'), meta: { title: '政策发布', roles, menu: { group: '政策', icon: Notebook } } },
    { path: 'institution-applications', name: 'gov-institution-applications', component: () => import('@/views/review/InstitutionApplicationsView.vue'), meta: { title: '申请入驻审核', roles, menu: { group: '审核', icon: Stamp } } },
    { path: 'verifications', name: 'gov-verifications', component: () => import('@/views/review/VerificationsView.vue'), meta: { title: '企业认证审核', roles, menu: { group: '审核', icon: DocumentChecked } } },
    { path: 'credit/import', name: 'gov-credit-import', component: () => import('@/views/credit/CreditImportView.vue'), meta: { title: '信用数据导入', roles, menu: { group: '信用数据', icon: Upload } } },
    { path: 'credit/lookup', name: 'gov-credit-lookup', component: () => import('@/views/credit/CreditLookupView.vue'), meta: { title: '企业信用查询', roles, menu: { group: '信用数据', icon: Search } } },
    { path: 'credit/disputes', name: 'gov-credit-disputes', component: () => import('@/views/credit/CreditDisputesView.vue'), meta: { title: '信用异议处理', roles, menu: { group: '信用数据', icon: Warning } } },
    { path: 'webhooks', name: 'gov-webhooks', component: () => import('@/views/supervision/WebhooksView.vue'), meta: { title: '事件订阅', roles, menu: { group: '对接', icon: Connection } } },
    ...accountRoutes('gov-', roles),
  ],
}
