// The platform's API shapes, every one derived from the generated OpenAPI types (schema.d.ts, made by
// `npm run api-types`); nothing here is written by hand. The generated types mark output fields
// optional; `Sent<T>` states what the services always send: every field present (deeply).
import type { components, paths } from './schema'

type Schemas = components['schemas']

/** A schema as the API sends it: every field present, in nested objects and arrays too. The generator
 * writes a nullable nested schema as `Schema | Record<string, never> | null`; the empty-object member
 * is dropped (the services send the object or null). */
export type Sent<T> = T extends (infer U)[]
  ? Sent<U>[]
  : T extends object
    ? string extends keyof T
      ? [T[string]] extends [never] ? never : { -readonly [K in keyof T]-?: Sent<T[K]> }
      : { -readonly [K in keyof T]-?: Sent<T[K]> }
    : T

/** One page of a list (the shape every `…Page` schema shares); `total_is_estimate` only on the lists whose
 * count is estimated past a bound. */
export type Page<T> = Omit<Sent<Schemas['OrderPage']>, 'items' | 'total_is_estimate'> & {
  items: T[]
  total_is_estimate?: boolean
}

export type User = Sent<Schemas['User']>
export type Role = User['role']
export type VerificationStatus = NonNullable<User['verification_status']>
export type TokenPair = Sent<Schemas['TokenPair']>
export type Me = Sent<Schemas['Me']>
export type Region = Sent<Schemas['Region']>

export type Product = Sent<Schemas['Product']>
export type ProductStatus = Product['status']
export type ProductInput = Schemas['ProductCreate']
export type MarketProduct = Product

export type Order = Sent<Schemas['Order']>
export type RiskLevel = Order['risk']['level']
export type OrderHistory = Sent<Schemas['History']>
export type OrderDetails = Sent<Schemas['OrderDetail']>
export type CreditRecord = Sent<Schemas['CreditRecord']>
export type CreditRecordItem = Sent<Schemas['Record']>
export type RiskFlag = Sent<Schemas['Flag']>
export type WhitelistEntry = Sent<Schemas['WhitelistItem']>
export type Notification = Sent<Schemas['Notification']>

export type Institution = Sent<Schemas['Institution']>
export type InstitutionInput = Schemas['InstitutionCreate']
export type ManagedUser = Sent<Schemas['ManagedUser']>
export type AuditLog = Sent<Schemas['AuditLog']>
export type LoginLog = Sent<Schemas['LoginLog']>
export type EnterpriseVerification = Sent<Schemas['Verification']>
export type VerificationRequest = EnterpriseVerification
export type ImportResult = Sent<Schemas['ImportResult']>
export type ImportKind = keyof ImportResult['imported']
export type CreditAccessLog = Sent<Schemas['AccessLog']>
export type Webhook = Sent<Schemas['Webhook']>
export type WebhookDelivery = Sent<Schemas['Delivery']>

export type OrderStats = Sent<Schemas['Stats']>
export type StatsFigures = Omit<OrderStats, 'groups' | 'institutions'>
export type InstitutionStats = Sent<Schemas['InstitutionStats']>
export type Scorecard = Sent<Schemas['Scorecard']>
export type PortalFigures = Sent<Schemas['PortalFigures']>
export type InstitutionApplication = Sent<Schemas['InstitutionApplication']>

export type AuthorizationText = Sent<Schemas['AuthorizationText']>
export type PublishedAuthorizationText = AuthorizationText
export type AuthorizationTextInput = Schemas['AuthorizationTextCreate']
export type RecordHiddenReason = NonNullable<Schemas['Record']['hidden_reason']>
export type DisputedRecord = Sent<Schemas['DisputedRecord']>
export type Dispute = Sent<Schemas['Dispute']>
export type DisputeStatus = Dispute['status']
export type CreditAuthorization = Sent<Schemas['AuthorizationItem']>
export type OwnAccessLog = Sent<Schemas['OwnAccessLog']>

// --- the API's codes (label maps in utils/labels.ts are keyed by these, so a new code fails vue-tsc) ---

type Code<T> = NonNullable<T> extends (infer U)[] ? NonNullable<U> : NonNullable<T>

export type ProductCategory = Code<Schemas['Product']['category']>
export type GuaranteeMethodCode = Code<Schemas['Product']['guarantee_methods']>
export type RepaymentMethod = Code<Schemas['Product']['repayment_methods']>
export type OrderStatus = Code<Schemas['Order']['status']>
export type OrderSource = Code<Schemas['Order']['source']>
export type RiskIndicator = Code<Schemas['Flag']['indicator']>
export type CreditCategory = Code<Schemas['Record']['category']>
export type InstitutionType = Code<Schemas['Institution']['type']>
export type ReviewStatus = Code<Schemas['Verification']['status']>
export type Precheck = Code<Schemas['Verification']['precheck']>
export type NeedStatusCode = Code<Schemas['Need']['status']>
export type PushStatus = Code<Schemas['Push']['status']>
export type AuthorizationStatus = Code<Schemas['AuthorizationItem']['status']>
export type DataCategory = Code<Schemas['AuthorizationText']['data_categories']>
export type PolicyStatus = Code<Schemas['Policy']['status']>
export type PolicyLinkType = Code<Schemas['PolicyLink']['type']>
export type LoanStatus = Code<Schemas['Loan']['status']>
export type OverdueBucket = Code<Schemas['Loan']['overdue_bucket']>
export type InstalmentStatus = Code<Schemas['Instalment']['status']>
export type DocumentKind = Code<Schemas['VerificationDocument']['kind']>

// --- queries: the parameters of a GET path, as the generated `paths` declare them ---------------------

/** The query parameters of `GET path`. */
export type QueryOf<P extends keyof paths> = paths[P] extends { get: { parameters: { query?: infer Q } } }
  ? NonNullable<Q>
  : never

/** A filter form's value for one parameter: '' is "not filtered" (the client drops it); a form's
 * select holds booleans and numbers as the text the query string carries. */
type Param<V> =
  | V
  | ''
  | (NonNullable<V> extends boolean ? 'true' | 'false' : never)
  | (NonNullable<V> extends number ? `${number}` : never)

/** A list's filter form: the query's parameters, as a form holds them. */
export type Filters<Q> = { [K in keyof Q]?: Param<Q[K]> }
