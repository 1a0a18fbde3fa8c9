// Features bring their own strings (Feature.messages); they are merged into the app's tree per
// language. Two owners of one key would silently shadow each other, so that is an error.
export type MessageTree = Record<string, unknown>

function isTree(v: unknown): v is MessageTree {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** `base` with `add` merged in (neither is changed); throws when both define the same key. */
export function mergeMessages(base: MessageTree, add: MessageTree, owner: string, path = ''): MessageTree {
  const out: MessageTree = { ...base }
  for (const [k, v] of Object.entries(add)) {
    const key = path + k
    const have = out[k]
    if (have === undefined) out[k] = v
    else if (isTree(have) && isTree(v)) out[k] = mergeMessages(have, v, owner, key + '.')
    else throw new Error(`i18n: ${owner} redefines "${key}"`)
  }
  return out
}

/** Every leaf key of a message tree, dotted (`nav.support`). */
export function messageKeys(o: MessageTree, prefix = ''): string[] {
  return Object.entries(o).flatMap(([k, v]) => (isTree(v) ? messageKeys(v, prefix + k + '.') : [prefix + k]))
}
