// The enterprise's pages (企业用户操作手册): 我的订单, 我的贷款 and its 贴息申请, 融资需求, 为我推荐, 企业认证, 立即申请,
// 我的信用, 授权管理, notifications and the account.
import type { RouteRecordRaw } from 'vue-router'

import { accountRoutes } from './menu'

const roles = ['enterprise' as const]

export const enterpriseRoutes: RouteRecordRaw = {
  path: '/enterprise',
  component: () => import('@/layouts/PortalLayout.vue'),
  meta: { roles },
  redirect: '/enterprise/orders',
  children: [
    { path: 'orders', name: 'enterprise-orders', component: () => import('@/views/enterprise/OrderListView.vue'), meta: { title: '我的订单', roles } },
    { path: 'orders/:id(\\d+)', name: 'enterprise-order', component: () => import('@/views/enterprise/OrderDetailView.vue'), meta: { title: '订单详情', roles, parent: 'enterprise-orders' } },
    { path: 'loans', name: 'enterprise-loans', component: () => import('@/views/loans/MyLoansView.vue'), meta: { title: '我的贷款', roles } },
    { path: 'loans/subsidies', name: 'enterprise-subsidies', component: () => import('@/views/loans/MySubsidiesView.vue'), meta: { title: '贴息申请', roles, parent: 'enterprise-loans' } },
    { path: 'apply/:productId(\\d+)', name: 'enterprise-apply', component: () => import('@/views/enterprise/ApplyView.vue'), meta: { title: '申请融资', roles } },
    { path: 'needs', name: 'enterprise-needs', component: () => import('@/views/enterprise/NeedListView.vue'), meta: { title: '我的需求', roles } },
    { path: 'needs/new', name: 'enterprise-need-new', component: () => import('@/views/enterprise/NeedPostView.vue'), meta: { title: '发布融资需求', roles } },
    { path: 'recommendations', name: 'enterprise-recommendations', component: () => import('@/views/enterprise/RecommendationsView.vue'), meta: { title: '为我推荐', roles } },
    { path: 'verification', name: 'enterprise-verification', component: () => import('@/views/enterprise/VerificationView.vue'), meta: { title: '企业认证', roles } },
    { path: 'credit', name: 'enterprise-credit', component: () => import('@/views/enterprise/MyCreditView.vue'), meta: { title: '我的信用', roles } },
    { path: 'authorizations', name: 'enterprise-authorizations', component: () => import('@/views/enterprise/CreditAuthorizationsView.vue'), meta: { title: '授权管理', roles } },
    ...accountRoutes('enterprise-', roles, false),
  ],
}
