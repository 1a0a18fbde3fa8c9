#!/usr/bin/env node
// Browser end-to-end tests: a real `veche serve` (fresh temp data dir, free port) and headless Chromium
// driven through playwright-core. Users chat in real time; the server is killed and restarted
// mid-conversation; screenshots of the main screens land in e2e/artifacts/.
//
// One feature a file in e2e/tests/; every test makes its own users, chats and browser contexts, so
// each passes alone. The runner is e2e/harness.mjs.
//   node e2e/run.mjs                 the whole suite
//   E2E_ONLY=chat node e2e/run.mjs   one feature file (its name), or the tests whose names contain it
// VECHE_BIN overrides the server binary; E2E_KEEP=1 keeps the data dir; E2E_BIG, E2E_TIMEOUT_MS,
// E2E_SERVER_LOG: see web/README.md.
import { run } from './harness.mjs'

await run(['auth', 'chat', 'restart', 'channels', 'threads', 'files', 'search', 'big-history', 'admin', 'roles', 'sessions', 'scheduled', 'calendar', 'objects', 'support', 'support-email', 'widget', 'experts', 'experts-consultations', 'screenshots'])
