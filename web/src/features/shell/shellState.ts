import { reactive } from 'vue'

/** App-wide UI state that several unrelated components toggle. */
export const shell = reactive({
  switcherOpen: false,
  profileOpen: false,
})
