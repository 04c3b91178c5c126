// The Chinese names of the API's codes, in one place. Each map is keyed by the generated code type
// (api/models.ts), so a code the API adds fails vue-tsc until it has a name here.

import type {
  AuthorizationStatus, CreditCategory, DataCategory, DisputeStatus, GuaranteeMethodCode, ImportKind, InstalmentStatus, InstitutionType, LoanStatus, NeedStatusCode, OrderSource, OrderStatus, OverdueBucket, PolicyLinkType, PolicyStatus, Precheck, ProductCategory, ProductStatus, PushStatus, RecordHiddenReason, RepaymentMethod, ReviewStatus, RiskIndicator, RiskLevel, Role,
} from '@/api/models'
import type { ProgramStatus, SubsidyStatus } from '@/api/instruments'

/** An Element Plus tag colour. */
export type TagType = 'success' | 'info' | 'warning' | 'danger' | 'primary'

export const PRODUCT_CATEGORIES: Record<ProductCategory, string> = {
  loan: '贷款',
  guarantee: '担保',
  leasing: '融资租赁',
  factoring: '保理',
  insurance: '保险',
  other: '其他',
}

export const GUARANTEE_METHODS: Record<GuaranteeMethodCode, string> = {
  credit: '信用',
  guarantee: '保证',
  mortgage: '抵押',
  pledge: '质押',
}

export const REPAYMENT_METHODS: Record<RepaymentMethod, string> = {
  equal_installment: '等额本息',
  equal_principal: '等额本金',
  interest_first: '先息后本',
  bullet: '到期一次还本付息',
  flexible: '随借随还',
}

export const PRODUCT_STATUSES: Record<ProductStatus, string> = { active: '已启用', disabled: '已禁用' }

export const ORDER_STATUSES: Record<OrderStatus, string> = {
  submitted: '待受理',
  accepted: '已受理',
  credit_granted: '已授信',
  disbursed: '已放款',
  terminated: '已终止',
  withdrawn: '已撤回',
  returned: '待补正',
}

export const RISK_LEVELS: Record<RiskLevel, string> = {
  none: '无风险',
  low: '低风险',
  medium: '中风险',
  high: '高风险',
  unknown: '待核实',
}

/** Element Plus tag type per risk level. */
export const RISK_TAG_TYPES: Record<RiskLevel, TagType> = {
  none: 'success',
  low: 'primary',
  medium: 'warning',
  high: 'danger',
  unknown: 'info',
}

export const RISK_INDICATORS: Record<RiskIndicator, string> = {
  dishonest_debtor: '失信被执行人',
  equity_frozen: '股权冻结',
  license_revoked: '吊销营业执照',
  consumption_restricted: '限制高消费',
  administrative_penalty: '行政处罚',
  abnormal_operation: '经营异常',
  tax_arrears: '欠税',
  litigation: '涉诉',
  loan_default: '贷款违约',
}

export const CREDIT_CATEGORIES: Record<CreditCategory, string> = {
  administrative_license: '行政许可',
  administrative_penalty: '行政处罚',
  dishonest_debtor: '失信被执行人',
  abnormal_operation: '经营异常',
  tax_arrears: '欠税',
  commendation: '表彰荣誉',
  loan_default: '贷款违约',
}

export const ROLES: Record<Role, string> = {
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

// --- the portal, enterprises, institutions applying to join -------------------------------------------

export const INSTITUTION_TYPES: Record<InstitutionType, string> = {
  bank: '银行',
  guarantee: '担保公司',
  microloan: '小额贷款公司',
  leasing: '融资租赁公司',
  insurance: '保险公司',
  other: '其他金融机构',
}

export const ACCOUNT_STATUSES: Record<string, string> = { active: '正常', disabled: '已停用' }

/** A verification request's status (企业认证审核), as reviewers see it. */
export const VERIFICATION_REQUEST_STATUSES: Record<ReviewStatus, string> = { pending: '待审核', approved: '已通过', rejected: '已驳回' }

export const PRECHECKS: Record<Precheck, string> = {
  match: '一致（信用库中企业名称与法定代表人相符）',
  mismatch: '不一致（与信用库登记信息不符）',
  unknown: '无法核验（信用库中暂无该企业）',
}

export const IMPORT_KINDS: Record<ImportKind, string> = {
  enterprises: '企业登记信息',
  records: '信用记录',
  whitelist: '白名单',
  risk_flags: '风险标记',
}

/** The columns of a credit import, as the sample files' Chinese headers name them (credit-service's
 * imports.COLUMNS): a row's problems are shown under these names, never the field names. */
export const IMPORT_FIELDS: Record<string, string> = {
  uscc: '统一社会信用代码', name: '企业名称', legal_representative: '法定代表人', registered_capital: '注册资本（万元）',
  established_on: '成立日期', status: '登记状态', industry: '行业', region_code: '行政区代码',
  tax_credit_rating: '纳税信用等级', category: '类别', title: '标题', authority: '决定机关', decided_on: '决定日期',
  content: '内容', publish_until: '公示截止日期', repaired_on: '信用修复日期', batch: '批次', listed_on: '列入日期',
  valid_until: '有效期至', indicator: '风险指标', level: '风险等级', source: '来源', detected_on: '发现日期',
  active: '是否有效',
}

export const DELIVERY_STATUSES: Record<string, string> = { pending: '待投递', delivered: '已送达', failed: '已放弃' }

export const LOGIN_RESULTS: Record<string, string> = {
  success: '成功',
  invalid_code: '验证码错误',
  unknown_phone: '账户不存在',
  wrong_password: '密码错误',
  locked: '账户已锁定',
  disabled: '账户已停用',
}

export const AUDIT_ACTIONS: Record<string, string> = {
  'region.created': '新增行政区',
  'institution.created': '新增机构',
  'institution.updated': '修改机构',
  'institution.disabled': '停用机构',
  'institution.enabled': '启用机构',
  'user.created': '新增用户',
  'user.registered': '企业注册',
  'user.disabled': '停用用户',
  'user.enabled': '启用用户',
  'user.password_reset': '重置密码',
  'password.changed': '修改密码',
  'password.change_failed': '修改密码失败',
  'password.reset_by_sms': '短信找回密码',
  'account.locked': '账户锁定',
  'enterprise_verification.submitted': '提交企业认证',
  'enterprise_verification.approved': '企业认证通过',
  'enterprise_verification.rejected': '企业认证驳回',
  'enterprise_verification.claim_closed': '关闭重复认领',
  'institution_application.submitted': '提交入驻申请',
  'institution_application.approved': '通过入驻申请',
  'institution_application.rejected': '驳回入驻申请',
}

/** What an audit entry was done to. */
export const AUDIT_TARGETS: Record<string, string> = {
  region: '行政区',
  institution: '机构',
  user: '用户',
  enterprise_verification: '企业认证',
  institution_application: '入驻申请',
}

export const EVENT_TYPES: Record<string, string> = {
  'order.*': '全部订单事件',
  'order.submitted': '订单提交',
  'order.accepted': '订单受理',
  'order.credit_granted': '授信',
  'order.disbursed': '放款',
  'order.terminated': '订单终止',
  'order.withdrawn': '订单撤回',
  'order.returned': '退回补正',
  'order.resubmitted': '补正后重新提交',
  'order.accept_overdue': '超期未受理',
  'order.urged': '督办',
  'need.*': '全部融资需求事件',
  'need.posted': '发布融资需求',
  'need.claimed': '融资需求被受理',
  'need.expired': '融资需求过期',
  'need.cancelled': '融资需求取消',
  'need.pushed': '推送融资需求',
  'need.push_accepted': '推送被接受',
  'need.push_declined': '推送被拒绝',
  'need.push_overdue': '推送超期未答复',
  'loan.*': '全部贷款事件',
  'loan.opened': '贷款开立',
  'loan.repayment_recorded': '登记还款',
  'loan.instalment_due_soon': '还款即将到期',
  'loan.overdue': '贷款逾期',
  'loan.recovered': '逾期已还清',
  'loan.non_performing': '转为不良',
  'loan.settled': '贷款结清',
  'loan.written_off': '贷款核销',
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

export const APPLICATION_STATUSES: Record<ReviewStatus, string> = { pending: '待审核', approved: '已通过', rejected: '未通过' }

/** What each order status means for the applying enterprise (我的订单). */
export const ORDER_STATUS_MEANINGS: Record<OrderStatus, string> = {
  submitted: '申请已提交，等待金融机构受理；受理期限内未受理的订单会被标记为逾期并督办。',
  accepted: '金融机构已受理，正在审查，可能会电话联系您补充资料。',
  credit_granted: '金融机构已批准授信，额度、利率和期限见订单详情，等待放款。',
  disbursed: '贷款已发放，订单完成。',
  terminated: '金融机构终止了办理，原因见订单详情。',
  withdrawn: '您已撤回申请。',
  returned: '金融机构退回补正：请按订单详情中列出的材料补充后重新提交，也可以撤回申请。',
}

/** Orders the enterprise may still withdraw (the API's own rule: before the grant). */
export const WITHDRAWABLE_STATUSES = ['submitted', 'accepted', 'returned']

// --- financing needs (融资需求) and the institution's scorecard (我的考核) --------------------------------

export const NEED_STATUSES: Record<NeedStatusCode, string> = {
  open: '待抢单',
  claimed: '已被受理',
  expired: '已过期',
  cancelled: '已撤销',
}

/** Where an order came from: the enterprise applied, an institution claimed its need (抢单), or accepted
 * it pushed by the government (推荐清单). */
export const ORDER_SOURCES: Record<OrderSource, string> = {
  application: '企业申请',
  need: '机构抢单',
  push: '政府推荐',
}

/** A need pushed to one institution (推荐清单). */
export const PUSH_STATUSES: Record<PushStatus, string> = {
  pending: '待答复',
  accepted: '已接受',
  declined: '已拒绝',
  overdue: '超期未答复',
}

/** What each need status means for the enterprise that posted it (我的需求). */
export const NEED_STATUS_MEANINGS: Record<NeedStatusCode, string> = {
  open: '需求已发布，服务本地区的金融机构可以抢单受理。',
  claimed: '金融机构已抢单受理，需求已转为订单，进度见订单详情。',
  expired: '有效期内无机构受理，需求已过期，可重新发布。',
  cancelled: '您已撤销该需求。',
}

/** The figures of a scorecard (我的考核), in the order they are shown, with what each one means. */
export const SCORECARD_FIGURES: { key: string; label: string; meaning: string }[] = [
  { key: 'received', label: '收到申请', meaning: '期间内收到的融资申请笔数，含抢单生成的订单。' },
  { key: 'accepted', label: '已受理', meaning: '其中已受理（含后续授信、放款）的笔数。' },
  { key: 'accepted_in_time_rate', label: '按期受理率', meaning: '在受理期限内受理的笔数占收到申请的比例，考核排名首先依据此项。' },
  { key: 'avg_hours_to_accept', label: '平均受理时长', meaning: '从申请提交（抢单为需求发布）到受理的平均小时数，越短越好。' },
  { key: 'p90_hours_to_accept', label: '90% 受理时长', meaning: '九成申请在此时长内受理（近似值）。' },
  { key: 'overdue_open', label: '超期未受理', meaning: '已过受理期限仍未受理的笔数，应尽快处理。' },
  { key: 'urged', label: '被督办', meaning: '政府部门就本机构订单发出督办的次数。' },
  { key: 'terminated', label: '已终止', meaning: '终止办理的笔数。' },
  { key: 'granted_count', label: '授信笔数', meaning: '已批准授信的笔数。' },
  { key: 'granted_amount', label: '授信金额', meaning: '已批准授信的金额合计（万元）。' },
  { key: 'disbursed_count', label: '放款笔数', meaning: '已放款的笔数。' },
  { key: 'disbursed_amount', label: '放款金额', meaning: '已放款的金额合计（万元）。' },
  { key: 'needs_claimed', label: '抢单受理', meaning: '通过融资需求抢单受理的笔数。' },
]

/** A need's acceptable guarantee methods, as one phrase (none named: any). */
export function guaranteeMethods(codes: string[]): string {
  return codes.map((code) => label(GUARANTEE_METHODS, code)).join('、') || '不限'
}

// --- credit rights: disputes (异议), authorizations (授权书), who read the record -----------------------

export const DISPUTE_STATUSES: Record<DisputeStatus, string> = { open: '待处理', upheld: '异议成立', rejected: '已驳回' }

export const DISPUTE_STATUS_TAGS: Record<DisputeStatus, 'warning' | 'success' | 'info'> = { open: 'warning', upheld: 'success', rejected: 'info' }

/** Why a record is not shown to institutions (GET /credit/me). */
export const HIDDEN_REASONS: Record<RecordHiddenReason, string> = {
  disputed_upheld: '异议成立，已不再展示',
  expired: '公示期满，已不再展示',
  repaired: '已完成信用修复，已不再展示',
}

export const AUTHORIZATION_STATUSES: Record<AuthorizationStatus, string> = {
  active: '有效',
  post_loan: '贷后管理期',
  ended: '已结束',
  revoked: '已撤回',
}

export const AUTHORIZATION_STATUS_TAGS: Record<AuthorizationStatus, 'success' | 'primary' | 'info' | 'danger'> = {
  active: 'success', post_loan: 'primary', ended: 'info', revoked: 'danger',
}

/** Authorizations the enterprise may still revoke (the API answers 409 for the others). */
export const REVOCABLE_AUTHORIZATIONS = ['active', 'post_loan']

/** What an authorization text lets institutions see (授权书 data_categories). */
export const DATA_CATEGORIES: Record<DataCategory, string> = {
  registration: '企业登记信息',
  tax_credit_rating: '纳税信用等级',
  credit_records: '信用记录',
  whitelist: '白名单状态',
  risk_flags: '风险提示',
}

// --- policies (政策资讯) ---------------------------------------------------------------------------------

export const POLICY_STATUSES: Record<PolicyStatus, string> = { scheduled: '定时发布', published: '已发布', withdrawn: '已撤回', expired: '已过期' }

/** What a policy links to: loan-service's funds and subsidy programmes, and products. */
export const POLICY_LINK_TYPES: Record<PolicyLinkType, string> = { fund: '风险补偿资金池', subsidy_program: '贴息项目', product: '金融产品' }

// --- loans after disbursement (贷后管理, 我的贷款, 贷款监测) --------------------------------------------

export const LOAN_STATUSES: Record<LoanStatus, string> = {
  repaying: '正常还款',
  overdue: '逾期',
  non_performing: '不良',
  settled: '已结清',
  written_off: '已核销',
}

/** How long the oldest unpaid instalment is past due (the API's overdue_bucket). */
export const OVERDUE_BUCKETS: Record<OverdueBucket, string> = {
  none: '未逾期',
  '1-30': '逾期 1–30 天',
  '31-90': '逾期 31–90 天',
  '91+': '逾期 91 天以上',
}

export const INSTALMENT_STATUSES: Record<InstalmentStatus, string> = {
  due: '待还',
  partly_paid: '部分已还',
  paid: '已还清',
  overdue: '逾期',
}

/** What each loan status means for the borrowing enterprise (我的贷款). */
export const LOAN_STATUS_MEANINGS: Record<LoanStatus, string> = {
  repaying: '贷款正常还款中，请按还款计划按时还款。',
  overdue: '有到期未还清的期次，请尽快联系放款机构还款，逾期会影响企业信用。',
  non_performing: '逾期已超过 90 天，贷款已转为不良，并计入企业信用记录，请尽快联系放款机构。',
  settled: '贷款已全部还清。',
  written_off: '放款机构已核销该笔贷款。',
}

// --- government instruments (风险补偿资金池, 代偿) -------------------------------------------------------

export const FUND_STATUSES: Record<string, string> = { open: '受理中', closed: '已关闭' }

export const CLAIM_STATUSES: Record<string, string> = {
  submitted: '待审核',
  approved: '已核准',
  rejected: '已驳回',
  paid: '已拨付',
  withdrawn: '已撤销',
}

// --- interest subsidies (贴息) -------------------------------------------------------------------------

export const PROGRAM_STATUSES: Record<ProgramStatus, string> = { open: '受理中', ended: '已截止' }

export const SUBSIDY_STATUSES: Record<SubsidyStatus, string> = {
  submitted: '待审核',
  approved: '已核准',
  rejected: '已驳回',
  paid: '已拨付',
}

// --- statuses: every status on a page is a coloured tag, named and coloured here ----------------------

/** Each kind of status: its Chinese names and its tag colour per code (StatusTag shows them). */
export const STATUSES = {
  order: {
    labels: ORDER_STATUSES,
    tags: { submitted: 'warning', accepted: 'primary', credit_granted: 'success', disbursed: 'success', terminated: 'danger', withdrawn: 'info', returned: 'warning' },
  },
  product: { labels: PRODUCT_STATUSES, tags: { active: 'success', disabled: 'info' } },
  account: { labels: ACCOUNT_STATUSES, tags: { active: 'success', disabled: 'info' } },
  review: { labels: VERIFICATION_REQUEST_STATUSES, tags: { pending: 'warning', approved: 'success', rejected: 'danger' } },
  application: { labels: APPLICATION_STATUSES, tags: { pending: 'warning', approved: 'success', rejected: 'danger' } },
  verification: {
    labels: VERIFICATION_STATUSES,
    tags: { unverified: 'info', pending: 'warning', verified: 'success', rejected: 'danger', approved: 'success' },
  },
  need: { labels: NEED_STATUSES, tags: { open: 'warning', claimed: 'success', expired: 'info', cancelled: 'info' } },
  push: { labels: PUSH_STATUSES, tags: { pending: 'warning', accepted: 'success', declined: 'info', overdue: 'danger' } },
  dispute: { labels: DISPUTE_STATUSES, tags: DISPUTE_STATUS_TAGS },
  policy: { labels: POLICY_STATUSES, tags: { scheduled: 'warning', published: 'success', withdrawn: 'info', expired: 'info' } },
  authorization: { labels: AUTHORIZATION_STATUSES, tags: AUTHORIZATION_STATUS_TAGS },
  delivery: { labels: DELIVERY_STATUSES, tags: { pending: 'warning', delivered: 'success', failed: 'danger' } },
  login: {
    labels: LOGIN_RESULTS,
    tags: { success: 'success', invalid_code: 'danger', unknown_phone: 'danger', wrong_password: 'danger', locked: 'danger', disabled: 'danger' },
  },
  risk: { labels: RISK_LEVELS, tags: RISK_TAG_TYPES },
  loan: {
    labels: LOAN_STATUSES,
    tags: { repaying: 'primary', overdue: 'warning', non_performing: 'danger', settled: 'success', written_off: 'info' },
  },
  instalment: { labels: INSTALMENT_STATUSES, tags: { due: 'info', partly_paid: 'primary', paid: 'success', overdue: 'danger' } },
  fund: { labels: FUND_STATUSES, tags: { open: 'success', closed: 'info' } },
  claim: { labels: CLAIM_STATUSES, tags: { submitted: 'warning', approved: 'primary', rejected: 'danger', paid: 'success', withdrawn: 'info' } },
  program: { labels: PROGRAM_STATUSES, tags: { open: 'success', ended: 'info' } },
  subsidy: { labels: SUBSIDY_STATUSES, tags: { submitted: 'warning', approved: 'primary', rejected: 'danger', paid: 'success' } },
  bucket: { labels: OVERDUE_BUCKETS, tags: { none: 'success', '1-30': 'warning', '31-90': 'danger', '91+': 'danger' } },
  precheck: {
    labels: { match: '一致', mismatch: '不一致', unknown: '无法核验' } as Record<string, string>,
    tags: { match: 'success', mismatch: 'danger', unknown: 'info' },
  },
} satisfies Record<string, { labels: Record<string, string>; tags: Record<string, TagType> }>

export type StatusKind = keyof typeof STATUSES
