// The region tree (GB/T 2260 codes), loaded once per page load.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'

import { authApi } from '@/api/auth'
import type { Region } from '@/api/models'

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

/** `code` and the codes above it, nearest first (魏都区 → 魏都区, 许昌市, …). */
export function regionPath(regions: Region[], code: string): string[] {
  const parents = new Map(regions.map((r) => [r.code, r.parent_code]))
  const path: string[] = []
  for (let at: string | null | undefined = code; at && !path.includes(at); at = parents.get(at)) path.push(at)
  return path
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

  function path(code: string): string[] {
    return regionPath(regions.value, code)
  }

  return { regions, tree, load, name, path }
})
