import 'element-plus/dist/index.css'
import './styles.css'

import { createPinia } from 'pinia'
import { createApp } from 'vue'

import App from './App.vue'
import { api } from './api/client'
import { router } from './router'
import { useSessionStore } from './stores/session'

const app = createApp(App)
app.use(createPinia())
app.use(router)

api.onSessionEnded = () => {
  useSessionStore().forget()
  const here = router.currentRoute.value
  if (here.meta.roles) void router.replace({ name: 'login', query: { redirect: here.fullPath } })
}

app.mount('#app')
