// An audit entry in words: who did what to which named object, and its before/after values as
// labelled fields (never the stored JSON).
import type { AuditLog } from '@/api/models'
import { dateTime } from '@/utils/format'

import {
  ACCOUNT_STATUSES, ACTOR_ROLES, APPLICATION_STATUSES, AUDIT_ACTIONS, AUDIT_TARGETS, INSTITUTION_TYPES, PRECHECKS, ROLES,
  VERIFICATION_STATUSES, label,
} from './labels'

/** The fields people care about, in the order they are shown. Keys not named here are internal
 * (row ids, owner ids) and stay off the page. */
const FIELDS: Record<string, string> = {
  name: '名称',
  enterprise_name: '企业名称',
  type: '机构类型',
  role: '角色',
  uscc: '统一社会信用代码',
  enterprise_uscc: '统一社会信用代码',
  region_code: '地区',
  phone: '手机号',
  contact_name: '联系人',
  contact_phone: '联系电话',
  status: '状态',
  verification_status: '认证状态',
  precheck: '自动预核验',
  reason: '原因',
  locked_until: '锁定至',
  code: '行政区代码',
  parent_code: '上级行政区代码',
}

export interface AuditField {
  label: string
  before: string
  after: string
}

type Values = Record<string, unknown>

function values(raw: unknown): Values {
  return raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Values) : {}
}

function show(key: string, value: unknown, target: string, regionName: (code: string) => string): string {
  if (value === null || value === undefined || value === '') return '—'
  const text = String(value)
  switch (key) {
    case 'type':
      return label(INSTITUTION_TYPES, text)
    case 'role':
      return label(ROLES, text)
    case 'region_code':
    case 'parent_code':
      return key === 'region_code' ? regionName(text) : text
    case 'status':
      return label(target === 'institution_application' ? APPLICATION_STATUSES : ACCOUNT_STATUSES, text)
    case 'verification_status':
      return label(VERIFICATION_STATUSES, text)
    case 'precheck':
      return label(PRECHECKS, text).split('（')[0]
    case 'locked_until':
      return dateTime(text)
    default:
      return typeof value === 'boolean' ? (value ? '是' : '否') : text
  }
}

/** The named fields that an entry recorded, before and after. */
export function auditFields(entry: AuditLog, regionName: (code: string) => string): AuditField[] {
  const before = values(entry.before)
  const after = values(entry.after)
  const fields: AuditField[] = []
  for (const [key, text] of Object.entries(FIELDS)) {
    if (!(key in before) && !(key in after)) continue
    fields.push({
      label: text,
      before: key in before ? show(key, before[key], entry.target_type, regionName) : '—',
      after: key in after ? show(key, after[key], entry.target_type, regionName) : '—',
    })
  }
  return fields
}

/** The object's own name where the entry carries one (机构“…”, 用户“…”), else its kind. */
export function auditTarget(entry: AuditLog): string {
  const kind = label(AUDIT_TARGETS, entry.target_type)
  const after = values(entry.after)
  const before = values(entry.before)
  const name = after.name ?? before.name ?? after.enterprise_name ?? before.enterprise_name
  if (name) return `${kind}“${String(name)}”`
  // A password change and the like: the actor's own account.
  if (entry.target_type === 'user' && entry.actor_id !== null && entry.target_id === String(entry.actor_id)) return '本人账户'
  return kind
}

/** The actor as people know them: their name where known, else their role. */
export function auditActor(entry: AuditLog, names: Map<number, string>): string {
  const role = label(ACTOR_ROLES, entry.actor_role)
  const name = entry.actor_id !== null ? names.get(entry.actor_id) : undefined
  return name && name !== role ? `${name}（${role}）` : role
}

/** One sentence: 王磊（平台管理员）新增机构：机构“…”. */
export function auditSentence(entry: AuditLog, names: Map<number, string>): string {
  return `${auditActor(entry, names)} ${label(AUDIT_ACTIONS, entry.action)}：${auditTarget(entry)}`
}
