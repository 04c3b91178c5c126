// The console menus, one per role: groups of links as the operating manuals order their sections.
export interface MenuItem {
  path: string
  label: string
}

export interface MenuGroup {
  title: string
  items: MenuItem[]
}

/** The account section every console ends with (通知, 个人中心, 修改密码) under `base`. */
export function accountMenu(base: string): MenuGroup {
  return {
    title: '账户',
    items: [
      { path: `${base}/notifications`, label: '通知' },
      { path: `${base}/profile`, label: '个人中心' },
      { path: `${base}/password`, label: '修改密码' },
    ],
  }
}
