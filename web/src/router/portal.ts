// The public portal (门户网站): home, 金融超市, product details, 政策资讯, enterprise registration, 申请入驻, and
// the review of institution applications (the admin and government consoles also show it in their own shell).
import type { RouteRecordRaw } from 'vue-router'

export const portalRoutes: RouteRecordRaw = {
  path: '/',
  component: () => import('@/layouts/PortalLayout.vue'),
  children: [
    { path: '', name: 'home', component: () => import('@/views/portal/HomeView.vue'), meta: { title: '首页' } },
    { path: 'market', name: 'market', component: () => import('@/views/portal/MarketView.vue'), meta: { title: '金融超市' } },
    { path: 'products/:id(\\d+)', name: 'product', component: () => import('@/views/portal/ProductView.vue'), meta: { title: '产品详情' } },
    { path: 'policies', name: 'policies', component: () => import('@/views/policies/PolicyListView.vue'), meta: { title: '政策资讯' } },
    { path: 'policies/:id(\\d+)', name: 'policy', component: () => import('@/views/policies/PolicyView.vue'), meta: { title: '政策详情' } },
    { path: 'register', name: 'register', component: () => import('@/views/enterprise/RegisterView.vue'), meta: { title: '企业注册' } },
    { path: 'join', name: 'join', component: () => import('@/views/portal/JoinView.vue'), meta: { title: '申请入驻' } },
    { path: 'join/status', name: 'join-status', component: () => import('@/views/portal/JoinStatusView.vue'), meta: { title: '查询入驻申请进度' } },
    { path: 'guide/webhooks', name: 'webhook-guide', component: () => import('@/views/portal/WebhookGuideView.vue'), meta: { title: '事件订阅接入指南' } },
    {
      path: 'review/institution-applications',
      name: 'review-institution-applications',
      component: () => import('@/views/review/InstitutionApplicationsView.vue'),
      meta: { title: '入驻申请审核', roles: ['admin', 'government'] },
    },
  ],
}
