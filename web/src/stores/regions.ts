// The region tree (GB/T 2260 codes), loaded once per page load.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'

import { authApi } from '@/api/auth'
import type { Region } from '@/api/types'

export interface RegionNode {
  value: string
  label: string
  children?: RegionNode[]
}

export function regionTree(regions: Region[]): RegionNode[] {
  const nodes = new Map<string, RegionNode>()
  for (const region of regions) nodes.set(region.code, { value: region.code, label: region.name })
  const roots: RegionNode[] = []
  for (const region of regions) {
    const node = nodes.get(region.code)!
    const parent = region.parent_code ? nodes.get(region.parent_code) : undefined
    if (parent) (parent.children ??= []).push(node)
    else roots.push(node)
  }
  return roots
}

export const useRegionsStore = defineStore('regions', () => {
  const regions = ref<Region[]>([])
  let loading: Promise<void> | null = null

  const tree = computed(() => regionTree(regions.value))
  const names = computed(() => new Map(regions.value.map((r) => [r.code, r.name])))

  function load(): Promise<void> {
    loading ??= authApi.regions().then((answer) => {
      regions.value = answer.items
    }).catch((error) => {
      loading = null
      throw error
    })
    return loading
  }

  function name(code: string | null | undefined): string {
    return (code && names.value.get(code)) || code || '—'
  }

  return { regions, tree, load, name }
})
