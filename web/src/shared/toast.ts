import { ref } from 'vue'

export interface Toast {
  id: number
  text: string
  kind: 'info' | 'error' | 'success'
}

export const toasts = ref<Toast[]>([])
let seq = 0

export function toast(text: string, kind: Toast['kind'] = 'info', ms = 3500): void {
  const id = ++seq
  toasts.value = [...toasts.value, { id, text, kind }]
  setTimeout(() => dismissToast(id), ms)
}

export function dismissToast(id: number): void {
  toasts.value = toasts.value.filter((t) => t.id !== id)
}
