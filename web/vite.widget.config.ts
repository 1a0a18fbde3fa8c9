// The embeddable support widget (src/widget/widget.ts), built after the web client into
// dist/widget.js: one classic script without dependencies, which the server serves at /widget.js.
import { defineConfig } from 'vite'
import { fileURLToPath, URL } from 'node:url'

export default defineConfig({
  build: {
    target: 'es2020',
    outDir: 'dist',
    emptyOutDir: false,
    copyPublicDir: false,
    reportCompressedSize: true,
    lib: {
      entry: fileURLToPath(new URL('./src/widget/widget.ts', import.meta.url)),
      name: 'VecheWidgetBundle',
      formats: ['iife'],
      fileName: () => 'widget.js',
    },
  },
})
