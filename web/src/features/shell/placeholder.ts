// A module that is not built yet: its rail entry and a page that says what it will be.
import type { Feature } from '../feature'
import type { IconName } from '@/shared/icons'
import PlaceholderView from './PlaceholderView.vue'

interface PlaceholderText {
  /** The rail's label and the page's title. */
  label: string
  /** What the module will do. */
  about: string
}

export function placeholderFeature(id: string, icon: IconName, text: { en: PlaceholderText; ru: PlaceholderText }): Feature {
  const messages = (x: PlaceholderText) => ({ nav: { [id]: x.label }, placeholder: { [id]: x.about } })
  return {
    id,
    routes: [{ path: id, name: id, component: PlaceholderView, props: { module: id, icon } }],
    nav: { to: '/' + id, icon, label: 'nav.' + id },
    messages: { en: messages(text.en), ru: messages(text.ru) },
  }
}
