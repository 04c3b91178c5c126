import { fileURLToPath, URL } from 'node:url'

import vue from '@vitejs/plugin-vue'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'
import Components from 'unplugin-vue-components/vite'
import { defineConfig } from 'vitest/config'

// `npm run dev` serves the app with hot reload and sends the API to a running gateway (`make run`),
// so the browser sees one origin just as in production.
const gateway = process.env.XYD_GATEWAY ?? 'http://127.0.0.1:8080'

export default defineConfig({
  plugins: [
    vue(),
    // Element Plus components and directives (v-loading) imported by each page that uses them instead of
    // the whole library in the first load; the styles stay one stylesheet (main.ts). Types come from
    // element-plus/global (tsconfig.json), so no generated declarations.
    Components({ resolvers: [ElementPlusResolver({ importStyle: false })], dirs: [], dts: false }),
  ],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  server: {
    port: 5173,
    proxy: {
      '/api': { target: gateway, changeOrigin: false },
      '/health': { target: gateway },
    },
  },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    chunkSizeWarningLimit: 1500,
    // dist/.vite/manifest.json: which chunks a page loads (scripts/bundle_size.py reads it).
    manifest: true,
  },
  test: {
    environment: 'node',
    include: ['tests/**/*.test.ts'],
  },
})
