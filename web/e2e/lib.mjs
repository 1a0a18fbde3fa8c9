// Helpers for the browser tests: a real `veche serve` on a free port, an API client, Chromium.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, existsSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

export const VECHE_BIN = process.env.VECHE_BIN || '/work/main/build/debug/veche'
export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium'
export const ADMIN_PASSWORD = 'adminpass123'

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.unref()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

// The browser tests log in and post faster than a person (many users from 127.0.0.1, setup through
// the API): raise every rate limit through configuration, as an operator would (docs/api.md).
const RAISED_RATE_LIMITS = Object.fromEntries(
  ['send', 'edit', 'react', 'upload', 'search', 'create_chat', 'invite', 'login'].map((a) => [
    `VECHE_RATE_LIMIT_${a.toUpperCase()}`,
    '100000:1000000',
  ]),
)

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** A veche server process; restartable on the same port and data dir. */
export class VecheServer {
  constructor({ port, dataDir, webDir, log = false }) {
    this.port = port
    this.dataDir = dataDir
    this.webDir = webDir
    this.log = log
    this.proc = null
    this.output = ''
  }
  get url() {
    return `http://127.0.0.1:${this.port}`
  }
  async start() {
    if (!existsSync(VECHE_BIN)) throw new Error(`veche binary not found at ${VECHE_BIN} (set VECHE_BIN)`)
    const args = ['serve', '--listen', `127.0.0.1:${this.port}`, '--data', this.dataDir, '--web', this.webDir]
    this.proc = spawn(VECHE_BIN, args, {
      env: { ...process.env, ...RAISED_RATE_LIMITS, VECHE_BOOTSTRAP_ADMIN_PASSWORD: ADMIN_PASSWORD },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const collect = (d) => {
      this.output += d.toString()
      if (this.output.length > 200_000) this.output = this.output.slice(-100_000)
      if (this.log) process.stderr.write(d)
    }
    this.proc.stdout.on('data', collect)
    this.proc.stderr.on('data', collect)
    const deadline = Date.now() + 60_000
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`veche exited (${this.proc.exitCode}):\n${this.output.slice(-3000)}`)
      try {
        const r = await fetch(`${this.url}/api/v1/health`)
        if (r.ok) return
      } catch {
        /* not yet */
      }
      await sleep(100)
    }
    throw new Error('veche did not become healthy in 60 s:\n' + this.output.slice(-3000))
  }
  async stop(signal = 'SIGTERM') {
    const p = this.proc
    if (!p || p.exitCode !== null || p.signalCode !== null) return
    const exited = new Promise((r) => p.once('exit', r))
    p.kill(signal)
    const t = setTimeout(() => p.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(t)
  }
}

export function tempDir(prefix = 'veche-e2e-') {
  return mkdtempSync(path.join(os.tmpdir(), prefix))
}
export function removeDir(d) {
  try {
    rmSync(d, { recursive: true, force: true })
  } catch {
    /* ignore */
  }
}

/** Minimal API client with a bearer token (tests drive the server directly to set up data). */
export class Api {
  constructor(base, token = null) {
    this.base = base
    this.token = token
  }
  async req(method, p, body) {
    const headers = {}
    if (this.token) headers.Authorization = `Bearer ${this.token}`
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    const r = await fetch(this.base + '/api/v1' + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    const text = await r.text()
    const data = text ? JSON.parse(text) : null
    if (!r.ok) throw new Error(`${method} ${p} → ${r.status} ${text}`)
    return data
  }
  static async login(base, username, password) {
    const a = new Api(base)
    const res = await a.req('POST', '/auth/login', { username, password })
    a.token = res.token
    a.user = res.user
    return a
  }
}

/** Log in as admin and clear the bootstrap must-change-password flag. */
export async function adminApi(base) {
  const a = await Api.login(base, 'admin', ADMIN_PASSWORD)
  a.password = ADMIN_PASSWORD
  if (a.user.must_change_password) {
    await a.req('POST', '/users/me/password', { old_password: ADMIN_PASSWORD, new_password: ADMIN_PASSWORD + 'x' })
    const b = await Api.login(base, 'admin', ADMIN_PASSWORD + 'x')
    b.password = ADMIN_PASSWORD + 'x'
    return b
  }
  return a
}

export async function launchChromium() {
  const { chromium } = await import('playwright-core')
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}
