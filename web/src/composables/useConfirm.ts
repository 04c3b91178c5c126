import { ElMessageBox } from 'element-plus'

/** Asks before an action; true when the user confirmed. */
export async function confirmAction(message: string, title = '请确认'): Promise<boolean> {
  try {
    await ElMessageBox.confirm(message, title, { confirmButtonText: '确定', cancelButtonText: '取消', type: 'warning' })
    return true
  } catch {
    return false
  }
}
