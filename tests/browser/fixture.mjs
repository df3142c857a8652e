// A real mHero deployment on loopback for the console's browser tests: a central node running
// `mhero run` (sync listener + console on plain HTTP, loopback only), districts that sync online
// or only by USB bundle, and console users. Everything goes through the real `mhero` binary
// (MHERO_BIN, set by meson) as staff would run it; Chromium is Debian's, driven by playwright-core.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const run = promisify(execFile);
export const MHERO = process.env.MHERO_BIN;
if (!MHERO) throw new Error('MHERO_BIN is not set: run these tests with `meson test -C build browser`');
export const SCREENSHOTS = process.env.MHERO_SCREENSHOT_DIR || join(tmpdir(), 'mhero-screenshots');
mkdirSync(SCREENSHOTS, { recursive: true });

/** Runs `mhero ARGS...`; resolves { code, out } (stdout + stderr), never rejects on exit code. */
export async function mhero(args, { input } = {}) {
  return new Promise((resolve) => {
    const child = spawn(MHERO, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('close', (code) => resolve({ code, out }));
    // A command that reads no input may exit before its stdin is closed: EPIPE is not an error.
    child.stdin.on('error', (e) => { if (e.code !== 'EPIPE') throw e; });
    child.stdin.end(input ?? '');
  });
}

/** Like mhero() but throws with the output when the command fails. */
export async function mheroOk(args, opts) {
  const r = await mhero(args, opts);
  if (r.code !== 0) throw new Error(`mhero ${args.join(' ')} exited ${r.code}:\n${r.out}`);
  return r.out;
}

const portsHandedOut = new Set();

/**
 * A free TCP port on 127.0.0.1 (bound and released), never one this process was given before: the
 * kernel may hand a just-released port out again, and a suite that asks for a sync port and then a
 * console port must get two different ones.
 */
export async function freePort() {
  for (;;) {
    const port = await new Promise((resolve, reject) => {
      const s = createServer();
      s.on('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const { port } = s.address();
        s.close(() => resolve(port));
      });
    });
    if (!portsHandedOut.has(port)) {
      portsHandedOut.add(port);
      return port;
    }
  }
}

/** Sets `key = value` (value as TOML text) in `[table]` of a node's config.toml. */
export function setConfig(dir, table, key, value) {
  const path = join(dir, 'config.toml');
  let text = readFileSync(path, 'utf8');
  const header = `[${table}]`;
  const lines = text.split('\n');
  let start = lines.findIndex((l) => l.trim().startsWith(header));
  if (start < 0) {
    lines.push('', header);
    start = lines.length - 1;
  }
  let end = lines.findIndex((l, i) => i > start && /^\s*\[/.test(l));
  if (end < 0) end = lines.length;
  const at = lines.findIndex((l, i) => i > start && i < end && new RegExp(`^\\s*#?\\s*${key}\\s*=`).test(l));
  const line = `${key} = ${value}`;
  if (at >= 0) lines[at] = line; else lines.splice(start + 1, 0, line);
  text = lines.join('\n');
  writeFileSync(path, text);
}

/** Starts `mhero run` for `dir`; resolves once its control socket answers (a status succeeds). */
export async function startDaemon(dir, logName, extraArgs = []) {
  const log = join(dir, '..', `${logName}.log`);
  const child = spawn(MHERO, ['run', '--dir', dir, ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout.on('data', (d) => { text += d; });
  child.stderr.on('data', (d) => { text += d; });
  child.on('close', () => writeFileSync(log, text));
  // Ready once it logged "mhero run: node …" (its control socket answers from then on).
  for (let i = 0; !/mhero run: node/.test(text); i++) {
    if (child.exitCode !== null) throw new Error(`mhero run exited ${child.exitCode}:\n${text}`);
    if (i === 600) throw new Error(`mhero run did not start within 30 s:\n${text}`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
  const r = await mhero(['status', '--dir', dir]);
  if (r.code !== 0) throw new Error(`mhero status beside a started mhero run exited ${r.code}:\n${r.out}`);
  return { child, log: () => text };
}

/** Stops a daemon started by startDaemon (SIGTERM) and waits for it. */
export async function stopDaemon(d) {
  if (!d || d.child.exitCode !== null) return;
  const done = new Promise((ok) => d.child.on('close', ok));
  d.child.kill('SIGTERM');
  await done;
}

export function tempRoot() {
  return mkdtempSync(join(tmpdir(), 'mhero-browser-'));
}

export function removeRoot(root) {
  rmSync(root, { recursive: true, force: true });
}

/** Debian's Chromium, headless, with the flags this closed network needs. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Runs axe-core in `page`; returns the violations of impact serious or critical. */
export async function seriousA11yViolations(page) {
  const axeSource = readFileSync(new URL('./node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');
  // The console's CSP forbids inline scripts from the page itself; evaluate() goes through the
  // DevTools protocol, which CSP does not govern.
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => globalThis.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

export { run };

/** Looks at a page as staff would: saves a full-page screenshot as SCREENSHOTS/<name>.png and
 *  fails on any serious or critical axe violation. */
export async function look(page, name) {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  assert.deepEqual(await seriousA11yViolations(page), [], `accessibility of ${name}`);
}
