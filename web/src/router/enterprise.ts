// The enterprise's pages (企业用户操作手册): 我的订单, 融资需求, 为我推荐, 企业认证, 立即申请, 我的信用,
// 授权管理, notifications and the account.
import type { RouteRecordRaw } from 'vue-router'

export const enterpriseRoutes: RouteRecordRaw = {
  path: '/enterprise',
  component: () => import('@/layouts/PortalLayout.vue'),
  meta: { roles: ['enterprise'] },
  redirect: '/enterprise/orders',
  children: [
    { path: 'orders', name: 'enterprise-orders', component: () => import('@/views/enterprise/OrderListView.vue'), meta: { title: '我的订单', roles: ['enterprise'] } },
    { path: 'orders/:id(\\d+)', name: 'enterprise-order', component: () => import('@/views/enterprise/OrderDetailView.vue'), meta: { title: '订单详情', roles: ['enterprise'] } },
    { path: 'apply/:productId(\\d+)', name: 'enterprise-apply', component: () => import('@/views/enterprise/ApplyView.vue'), meta: { title: '申请融资', roles: ['enterprise'] } },
    { path: 'needs', name: 'enterprise-needs', component: () => import('@/views/enterprise/NeedListView.vue'), meta: { title: '我的需求', roles: ['enterprise'] } },
    { path: 'needs/new', name: 'enterprise-need-new', component: () => import('@/views/enterprise/NeedPostView.vue'), meta: { title: '发布融资需求', roles: ['enterprise'] } },
    { path: 'recommendations', name: 'enterprise-recommendations', component: () => import('@/views/enterprise/RecommendationsView.vue'), meta: { title: '为我推荐', roles: ['enterprise'] } },
    { path: 'verification', name: 'enterprise-verification', component: () => import('@/views/enterprise/VerificationView.vue'), meta: { title: '企业认证', roles: ['enterprise'] } },
    { path: 'credit', name: 'enterprise-credit', component: () => import('@/views/enterprise/MyCreditView.vue'), meta: { title: '我的信用', roles: ['enterprise'] } },
    { path: 'authorizations', name: 'enterprise-authorizations', component: () => import('@/views/enterprise/CreditAuthorizationsView.vue'), meta: { title: '授权管理', roles: ['enterprise'] } },
    { path: 'notifications', name: 'enterprise-notifications', component: () => import('@/views/account/NotificationsView.vue'), meta: { title: '通知', roles: ['enterprise'] } },
    { path: 'profile', name: 'enterprise-profile', component: () => import('@/views/account/ProfileView.vue'), meta: { title: '个人中心', roles: ['enterprise'] } },
    { path: 'password', name: 'enterprise-password', component: () => import('@/views/account/PasswordView.vue'), meta: { title: '修改密码', roles: ['enterprise'] } },
  ],
}
