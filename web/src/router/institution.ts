// The institution console: every section of the 金融机构操作手册 and 贷后管理. Its menu is `meta.menu` of these routes.
import { Collection, DocumentAdd, Goods, List, Plus, Promotion, Tickets, Trophy, Upload, Wallet } from '@element-plus/icons-vue'
import type { RouteRecordRaw } from 'vue-router'

import { accountRoutes } from './menu'

const roles = ['institution' as const]

export const institutionRoutes: RouteRecordRaw = {
  path: '/institution',
  component: () => import('@/layouts/ConsoleLayout.vue'),
  meta: { roles },
  redirect: '/institution/orders',
  children: [
    { path: 'products/new', name: 'product-new', component: () => import('@/views/institution/ProductEditView.vue'), meta: { title: '上传产品', roles, menu: { group: '产品管理', icon: Plus } } },
    { path: 'products', name: 'products', component: () => import('@/views/institution/ProductListView.vue'), meta: { title: '产品管理', roles, menu: { group: '产品管理', icon: Goods } } },
    { path: 'products/:id/edit', name: 'product-edit', component: () => import('@/views/institution/ProductEditView.vue'), meta: { title: '修改产品', roles, parent: 'products' } },
    { path: 'orders', name: 'orders', component: () => import('@/views/institution/OrderListView.vue'), meta: { title: '订单管理', roles, menu: { group: '订单管理', icon: Tickets } } },
    { path: 'orders/:id', name: 'order', component: () => import('@/views/institution/OrderDetailView.vue'), meta: { title: '订单详情', roles, parent: 'orders' } },
    { path: 'needs', name: 'needs', component: () => import('@/views/institution/NeedMarketView.vue'), meta: { title: '融资需求', roles, menu: { group: '订单管理', icon: List } } },
    { path: 'pushes', name: 'pushes', component: () => import('@/views/coordination/PushInboxView.vue'), meta: { title: '推荐清单', roles, menu: { group: '订单管理', icon: Promotion } } },
    { path: 'scorecard', name: 'scorecard', component: () => import('@/views/institution/ScorecardView.vue'), meta: { title: '我的考核', roles, menu: { group: '订单管理', icon: Trophy } } },
    { path: 'whitelist', name: 'whitelist', component: () => import('@/views/credit/WhitelistView.vue'), meta: { title: '信易贷企业白名单', roles, menu: { group: '订单管理', icon: Collection } } },
    { path: 'loans', name: 'loans', component: () => import('@/views/loans/LoanListView.vue'), meta: { title: '贷后管理', roles, menu: { group: '贷后', icon: Wallet } } },
    { path: 'loans/import', name: 'loan-import', component: () => import('@/views/loans/RepaymentImportView.vue'), meta: { title: '还款导入', roles, menu: { group: '贷后', icon: Upload } } },
    { path: 'loans/:id(\\d+)', name: 'loan', component: () => import('@/views/loans/LoanDetailView.vue'), meta: { title: '贷款详情', roles, parent: 'loans' } },
    { path: 'claims', name: 'claims', component: () => import('@/views/instruments/ClaimListView.vue'), meta: { title: '代偿申请', roles, menu: { group: '贷后', icon: DocumentAdd } } },
    { path: 'claims/new', name: 'claim-new', component: () => import('@/views/instruments/ClaimNewView.vue'), meta: { title: '申请代偿', roles, parent: 'claims' } },
    { path: 'claims/:id(\\d+)', name: 'claim', component: () => import('@/views/instruments/ClaimDetailView.vue'), meta: { title: '代偿申请详情', roles, parent: 'claims' } },
    ...accountRoutes('', roles),
  ],
}
