// The institution console: every section of the 金融机构操作手册.
import type { RouteRecordRaw } from 'vue-router'

export const institutionRoutes: RouteRecordRaw = {
  path: '/institution',
  component: () => import('@/layouts/ConsoleLayout.vue'),
  meta: { roles: ['institution'] },
  redirect: '/institution/orders',
  children: [
    { path: 'products/new', name: 'product-new', component: () => import('@/views/institution/ProductEditView.vue'), meta: { title: '上传产品', roles: ['institution'] } },
    { path: 'products', name: 'products', component: () => import('@/views/institution/ProductListView.vue'), meta: { title: '产品管理', roles: ['institution'] } },
    { path: 'products/:id/edit', name: 'product-edit', component: () => import('@/views/institution/ProductEditView.vue'), meta: { title: '修改产品', roles: ['institution'] } },
    { path: 'orders', name: 'orders', component: () => import('@/views/institution/OrderListView.vue'), meta: { title: '订单管理', roles: ['institution'] } },
    { path: 'orders/:id', name: 'order', component: () => import('@/views/institution/OrderDetailView.vue'), meta: { title: '订单详情', roles: ['institution'] } },
    { path: 'needs', name: 'needs', component: () => import('@/views/institution/NeedMarketView.vue'), meta: { title: '融资需求', roles: ['institution'] } },
    { path: 'scorecard', name: 'scorecard', component: () => import('@/views/institution/ScorecardView.vue'), meta: { title: '我的考核', roles: ['institution'] } },
    { path: 'whitelist', name: 'whitelist', component: () => import('@/views/institution/WhitelistView.vue'), meta: { title: '信易贷企业白名单', roles: ['institution'] } },
    { path: 'notifications', name: 'notifications', component: () => import('@/views/account/NotificationsView.vue'), meta: { title: '通知', roles: ['institution'] } },
    { path: 'profile', name: 'profile', component: () => import('@/views/account/ProfileView.vue'), meta: { title: '个人中心', roles: ['institution'] } },
    { path: 'password', name: 'password', component: () => import('@/views/account/PasswordView.vue'), meta: { title: '修改密码', roles: ['institution'] } },
  ],
}
