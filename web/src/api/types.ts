// Shapes of the platform's API as its OpenAPI documents describe them (GET /api/docs).

export type Role = 'admin' | 'institution' | 'government' | 'enterprise'

export interface User {
  id: number
  phone: string
  name: string
  role: Role
  institution_id: number | null
  enterprise_uscc: string | null
  region_code: string | null
  must_change_password: boolean
  /** 企业认证 (enterprise users only). */
  verification_status?: VerificationStatus | null
}

export type VerificationStatus = 'unverified' | 'pending' | 'verified' | 'rejected'

export interface TokenPair {
  access_token: string
  refresh_token: string
  token_type: string
  expires_in: number
  user: User
}

export interface Me extends User {
  email: string | null
  status: string
  institution: { id: number; name: string } | null
  enterprise_name: string | null
  last_login_at: string | null
}

export interface Page<T> {
  items: T[]
  total: number
  page: number
  per_page: number
  next_cursor?: string | null
  total_is_estimate?: boolean
}

export interface Region {
  code: string
  name: string
  parent_code: string | null
}

export type ProductStatus = 'active' | 'disabled'

export interface ProductInput {
  name: string
  category: string
  guarantee_methods: string[]
  repayment_methods: string[]
  amount_min: number
  amount_max: number
  term_min_months: number
  term_max_months: number
  rate_min: number
  rate_max: number
  target_customers: string
  requirements: string
  features: string
  description: string
  featured: boolean
  region_codes: string[]
}

export interface Product extends ProductInput {
  id: number
  institution_id: number
  institution_name: string
  status: ProductStatus
  orders_count: number
  created_at: string
  updated_at: string
}

export type RiskLevel = 'none' | 'low' | 'medium' | 'high' | 'unknown'

export interface Order {
  id: number
  order_no: string
  status: string
  product_id: number
  product_name: string
  institution_id: number
  institution_name: string
  enterprise_uscc: string
  enterprise_name: string
  region_code: string
  amount: number
  term_months: number
  purpose: string
  created_at: string
  accept_deadline: string
  accept_overdue: boolean
  granted_amount: number | null
  granted_rate: number | null
  granted_term_months: number | null
  disbursed_amount: number | null
  disbursed_on: string | null
  /** Chosen at 放款 (null before). */
  repayment_method?: string | null
  /** 续贷 (null before 放款). */
  renewal?: boolean | null
  reason: string | null
  risk: { level: RiskLevel; tags: string[] }
  whitelisted: boolean
  /** application 企业申请, need 抢单, push 推荐清单. */
  source?: 'application' | 'need' | 'push'
  /** 退回补正 (the latest return): why, the documents to add, when. */
  return_reason?: string | null
  return_items?: string[] | null
  returned_at?: string | null
}

export interface OrderHistory {
  from_status: string | null
  to_status: string
  actor_id: number | null
  actor_role: string
  remark: string | null
  at: string
}

export interface CreditRecordItem {
  category: string
  title: string
  authority: string
  decided_on: string
  content: string
  /** The rights fields (credit-service's record views; the enterprise's own view adds visibility). */
  id?: number
  disputed?: boolean
  publish_until?: string | null
  repaired_on?: string | null
  visible_to_institutions?: boolean
  hidden_reason?: 'disputed_upheld' | 'expired' | 'repaired' | null
  dispute_note?: string | null
}

export interface RiskFlag {
  indicator: string
  level: RiskLevel
  source: string
  detected_on: string
  active: boolean
}

export interface CreditRecord {
  enterprise: {
    uscc: string
    name: string
    legal_representative: string | null
    registered_capital: number | null
    established_on: string | null
    status: string | null
    industry: string | null
    region_code: string | null
  } | null
  tax_credit_rating: string | null
  records: CreditRecordItem[]
  whitelisted: boolean
  risk: { level: RiskLevel; tags: string[]; flags: RiskFlag[] }
}

export interface OrderDetails extends Order {
  contact_name: string | null
  contact_phone: string | null
  history: OrderHistory[]
  credit_record: CreditRecord | null
  credit_record_error: string | null
}

export interface WhitelistEntry {
  uscc: string
  enterprise_name: string
  region_code: string
  industry: string | null
  batch: string
  listed_on: string
  valid_until: string | null
}

export interface Notification {
  id: number
  kind: string
  title: string
  body: string
  data: Record<string, unknown>
  read: boolean
  read_at: string | null
  created_at: string
}

// --- the government and administration consoles ---------------------------------------------------

export interface Institution {
  id: number
  name: string
  type: string
  region_code: string
  uscc: string | null
  contact_name: string | null
  contact_phone: string | null
  status: 'active' | 'disabled'
  created_at: string
  updated_at: string
}

export interface InstitutionInput {
  name: string
  type: string
  region_code: string
  uscc?: string | null
  contact_name?: string | null
  contact_phone?: string | null
}

export interface ManagedUser extends User {
  status: 'active' | 'disabled'
  enterprise_name: string | null
  last_login_at: string | null
  created_at: string
}

export interface AuditLog {
  id: number
  actor_id: number | null
  actor_role: string | null
  action: string
  target_type: string
  target_id: string | null
  before: unknown
  after: unknown
  ip: string | null
  at: string
}

export interface LoginLog {
  id: number
  phone: string
  user_id: number | null
  result: string
  ip: string | null
  user_agent: string | null
  at: string
}

export interface EnterpriseVerification {
  id: number
  user_id: number
  uscc: string
  enterprise_name: string
  legal_representative: string
  applicant_is_legal_representative: boolean
  claimed_region_code: string | null
  registered_region_code: string | null
  status: 'pending' | 'approved' | 'rejected'
  precheck: 'match' | 'mismatch' | 'unknown'
  precheck_details: Record<string, unknown>
  provider: string
  reason: string | null
  closed_by_owner: boolean
  decided_at: string | null
  created_at: string
  documents: { kind: 'licence' | 'authorization_letter'; content_type: string; size: number }[]
}

export type ImportKind = 'enterprises' | 'records' | 'whitelist' | 'risk_flags'

export interface ImportResult {
  imported: Record<ImportKind, number>
  changed: Record<ImportKind, number>
  errors: { kind: ImportKind; index: number | null; line?: number; message: string; errors?: Record<string, string[]> }[]
}

export interface CreditAccessLog {
  id: number
  viewer_id: string
  viewer_role: string
  institution_id: number | null
  uscc: string
  order_id: string | null
  granted: boolean
  via: string
  viewed_at: string
}

export interface Webhook {
  id: number
  url: string
  event_types: string[]
  description: string
  region_code: string | null
  owner_id: number
  created_at: string
}

export interface WebhookDelivery {
  id: number
  webhook_id: number
  event_id: string
  event_type: string
  status: 'pending' | 'delivered' | 'failed'
  attempts: number
  last_status_code: number | null
  last_error: string | null
  last_attempt_at: string | null
  next_attempt_at: string | null
  delivered_at: string | null
  created_at: string
}

/** The figures of GET /orders/stats, for the whole range or for one group of it. */
export interface StatsFigures {
  total: number
  by_status: Record<string, number>
  requested_amount: number
  granted_amount: number
  disbursed_amount: number
  overdue: number
}

export interface InstitutionStats {
  institution_id: number
  institution_name: string
  orders: number
  accepted: number
  overdue: number
  requested_amount: number
  granted_amount: number
  disbursed_amount: number
  average_hours_to_accept: number | null
}

export interface OrderStats extends StatsFigures {
  region_code: string | null
  from: string | null
  to: string | null
  institutions: InstitutionStats[]
  group_by?: string
  groups?: (StatsFigures & { key: string; name?: string })[]
}

export interface Scorecard {
  institution_id: number
  institution_name: string
  received: number
  accepted: number
  accepted_in_time_rate: number | null
  avg_hours_to_accept: number | null
  p90_hours_to_accept: number | null
  terminated: number
  urged: number
  granted_count: number
  granted_amount: number
  disbursed_count: number
  disbursed_amount: number
  needs_claimed: number
  overdue_open: number
}
// --- the portal, enterprises and institutions applying to join ----------------------------------------

export interface PortalFigures {
  institutions: number
  active_products: number
  orders: number
  granted_amount: number
  disbursed_amount: number
}

export interface MarketProduct extends Product {
  whitelist_only?: boolean
}

export interface VerificationRequest {
  id: number
  uscc: string
  enterprise_name: string
  legal_representative: string
  status: 'pending' | 'approved' | 'rejected'
  reason: string | null
  precheck: string
  decided_at: string | null
  created_at: string
  documents: { kind: string; content_type: string; size: number }[]
}

export interface AuthorizationText {
  version: number
  text: string
  data_categories: string[]
  purpose: string
  valid_days: number
}

export interface InstitutionApplication {
  id: number
  name: string
  type: string
  uscc: string
  region_code: string
  address: string
  contact_name: string
  contact_phone: string
  licence_no: string | null
  description: string | null
  status: 'pending' | 'approved' | 'rejected'
  reason: string | null
  institution_id: number | null
  user_id: number | null
  decided_at: string | null
  created_at: string
}

// --- credit rights (types of the generated OpenAPI schema, with every field present) -------------------

type Schemas = import('./schema').components['schemas']
/** A schema's fields as the API always sends them (the generated types mark every field optional). */
type Full<T> = { [K in keyof T]-?: T[K] }

export type RecordHiddenReason = NonNullable<Schemas['Record']['hidden_reason']>
export type DisputedRecord = Full<Schemas['DisputedRecord']>
export type Dispute = Full<Omit<Schemas['Dispute'], 'record'>> & { record: DisputedRecord }
export type DisputeStatus = Dispute['status']
export type CreditAuthorization = Full<Schemas['AuthorizationItem']>
export type OwnAccessLog = Full<Schemas['OwnAccessLog']>
export type PublishedAuthorizationText = Full<Schemas['AuthorizationText']>
export type AuthorizationTextInput = Schemas['AuthorizationTextCreate']
