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
  reason: string | null
  risk: { level: RiskLevel; tags: string[] }
  whitelisted: boolean
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
