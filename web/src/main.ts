import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { router } from './app/router'
import { features } from './features'
import { i18n, installMessages } from './i18n'
import './shared/styles.css'

installMessages(features)
const app = createApp(App)
app.use(createPinia())
app.use(i18n)
app.use(router)
app.mount('#app')
