// The Chinese names of the API's codes, in one place.

export const PRODUCT_CATEGORIES: Record<string, string> = {
  loan: '贷款',
  guarantee: '担保',
  leasing: '融资租赁',
  factoring: '保理',
  insurance: '保险',
  other: '其他',
}

export const GUARANTEE_METHODS: Record<string, string> = {
  credit: '信用',
  guarantee: '保证',
  mortgage: '抵押',
  pledge: '质押',
}

export const REPAYMENT_METHODS: Record<string, string> = {
  equal_installment: '等额本息',
  equal_principal: '等额本金',
  interest_first: '先息后本',
  bullet: '到期一次还本付息',
  flexible: '随借随还',
}

export const PRODUCT_STATUSES: Record<string, string> = { active: '已启用', disabled: '已禁用' }

export const ORDER_STATUSES: Record<string, string> = {
  submitted: '待受理',
  accepted: '已受理',
  credit_granted: '已授信',
  disbursed: '已放款',
  terminated: '已终止',
  withdrawn: '已撤回',
}

export const RISK_LEVELS: Record<string, string> = {
  none: '无风险',
  low: '低风险',
  medium: '中风险',
  high: '高风险',
  unknown: '待核实',
}

/** Element Plus tag type per risk level. */
export const RISK_TAG_TYPES: Record<string, 'success' | 'info' | 'warning' | 'danger' | 'primary'> = {
  none: 'success',
  low: 'primary',
  medium: 'warning',
  high: 'danger',
  unknown: 'info',
}

export const RISK_INDICATORS: Record<string, string> = {
  dishonest_debtor: '失信被执行人',
  equity_frozen: '股权冻结',
  license_revoked: '吊销营业执照',
  consumption_restricted: '限制高消费',
  administrative_penalty: '行政处罚',
  abnormal_operation: '经营异常',
  tax_arrears: '欠税',
  litigation: '涉诉',
}

export const CREDIT_CATEGORIES: Record<string, string> = {
  administrative_license: '行政许可',
  administrative_penalty: '行政处罚',
  dishonest_debtor: '失信被执行人',
  abnormal_operation: '经营异常',
  tax_arrears: '欠税',
  commendation: '表彰荣誉',
}

export const ROLES: Record<string, string> = {
  admin: '平台管理员',
  institution: '金融机构',
  government: '政府部门',
  enterprise: '企业',
}

export const ACTOR_ROLES: Record<string, string> = { ...ROLES, system: '系统' }

export function label(map: Record<string, string>, code: string | null | undefined): string {
  if (!code) return '—'
  return map[code] ?? code
}

/** A UTC timestamp of the API in China time, as people here read it. */
export function dateTime(value: string | null | undefined): string {
  if (!value) return '—'
  return new Date(value).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false })
}

export function money(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${value} 万元`
}

// --- the portal, enterprises, institutions applying to join -------------------------------------------

export const INSTITUTION_TYPES: Record<string, string> = {
  bank: '银行',
  guarantee: '担保公司',
  microloan: '小额贷款公司',
  leasing: '融资租赁公司',
  insurance: '保险公司',
  other: '其他金融机构',
}

export const MARKET_SORTS: Record<string, string> = {
  newest: '最新发布',
  rate_asc: '利率最低',
  amount_desc: '额度最高',
  popular: '申请最多',
}

export const VERIFICATION_STATUSES: Record<string, string> = {
  unverified: '未认证',
  pending: '审核中',
  verified: '已认证',
  rejected: '未通过',
  approved: '已通过',
}

export const APPLICATION_STATUSES: Record<string, string> = { pending: '待审核', approved: '已通过', rejected: '未通过' }

/** What each order status means for the applying enterprise (我的订单). */
export const ORDER_STATUS_MEANINGS: Record<string, string> = {
  submitted: '申请已提交，等待金融机构受理；受理期限内未受理的订单会被标记为逾期并督办。',
  accepted: '金融机构已受理，正在审查，可能会电话联系您补充资料。',
  credit_granted: '金融机构已批准授信，额度、利率和期限见订单详情，等待放款。',
  disbursed: '贷款已发放，订单完成。',
  terminated: '金融机构终止了办理，原因见订单详情。',
  withdrawn: '您已撤回申请。',
}

/** Orders the enterprise may still withdraw (the API's own rule: before the grant). */
export const WITHDRAWABLE_STATUSES = ['submitted', 'accepted']
