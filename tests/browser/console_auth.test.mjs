// The console's doors in a real browser: login, a wrong password, lockout, a viewer's POST, a
// forged cross-site POST, logout, and the audit trail that records them. Every page visited is
// scanned with axe (no serious or critical violation) and saved as a screenshot.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  freePort, launchBrowser, look, mhero, mheroOk, removeRoot, setConfig,
  startDaemon, stopDaemon, tempRoot,
} from './fixture.mjs';

const PASSWORDS = { admin: 'admin-pass-0123', viewer: 'viewer-pass-0123', ops: 'ops-pass-012345' };
let root; let central; let daemon; let browser; let base;

async function addUser(name, role) {
  const file = join(root, `${name}.pw`);
  writeFileSync(file, `${PASSWORDS[name]}\n`, { mode: 0o600 });
  await mheroOk(['console', 'user', 'add', name, '--role', role, '--password-file', file, '--dir', central]);
}

async function login(page, name, password = PASSWORDS[name]) {
  await page.goto(`${base}/login`);
  await page.fill('#user', name);
  await page.fill('#password', password);
  await Promise.all([page.waitForLoadState('load'), page.click('#login-submit')]);
}

before(async () => {
  root = tempRoot();
  central = join(root, 'central');
  await mheroOk(['init', '--dir', central, '--role', 'central']);
  const consolePort = await freePort();
  setConfig(central, 'sync', 'listen', `"127.0.0.1:${await freePort()}"`);
  setConfig(central, 'console', 'listen', `"127.0.0.1:${consolePort}"`);
  base = `http://127.0.0.1:${consolePort}`;
  await addUser('admin', 'admin');
  await addUser('viewer', 'viewer');
  await addUser('ops', 'operator');
  daemon = await startDaemon(central, 'central', ['--console-plain-http']);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stopDaemon(daemon);
  removeRoot(root);
});

test('login: the page, a wrong password, then the right one', async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/`);
  assert.match(page.url(), /\/login/, 'an anonymous visit is sent to the login page');
  await look(page, 'login');
  await login(page, 'admin', 'not-the-password');
  assert.match(await page.textContent('#login-notice'), /Invalid user name or password/);
  await login(page, 'admin');
  assert.match(await page.textContent('#current-user'), /admin/);
  await look(page, 'overview');
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === 'session' || c.name === '__Host-session');
  assert.ok(session, 'a session cookie is set');
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Strict');
  await page.close();
});

test('lockout: five failures lock the account, even the right password is then refused', async () => {
  const page = await browser.newPage();
  for (let i = 0; i < 5; i++) await login(page, 'ops', `wrong-${i}-password`);
  await login(page, 'ops');
  assert.doesNotMatch(page.url(), /\/$/, 'not logged in');
  const notice = await page.textContent('#login-notice');
  assert.match(notice, /Invalid user name or password|locked|Too many|try again/i);
  assert.equal(await page.locator('#current-user').count(), 0);
  await look(page, 'login-locked');
  await page.close();
});

test("a viewer's POST to an admin action is refused and nothing changes", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await login(page, 'viewer');
  const csrf = await page.getAttribute('#logout-form input[name="csrf"]', 'value');
  assert.ok(csrf, 'pages carry a CSRF token');
  const res = await page.request.post(`${base}/users`, {
    form: { csrf, name: 'mallory', role: 'admin', password: 'mallory-pass-01', password2: 'mallory-pass-01' },
    headers: { Origin: base },
  });
  assert.equal(res.status(), 403);
  const users = await mheroOk(['console', 'user', 'list', '--dir', central]);
  assert.doesNotMatch(users, /mallory/);
  await context.close();
});

test('a forged cross-site POST is refused even with a live admin session', async () => {
  const evilPort = await freePort();
  const evil = createServer((req, res) => {
    res.setHeader('Content-Type', 'text/html');
    res.end(`<!doctype html><html lang="en"><title>prize</title><body>
      <form id="f" method="post" action="${base}/users">
        <input name="name" value="eve"><input name="role" value="admin">
        <input name="password" value="eve-password-01"><input name="password2" value="eve-password-01">
      </form><script>document.getElementById('f').submit()</script></body></html>`);
  });
  await new Promise((ok) => evil.listen(evilPort, '127.0.0.1', ok));
  const context = await browser.newContext();
  const page = await context.newPage();
  await login(page, 'admin');
  const response = page.waitForResponse((r) => r.url() === `${base}/users` && r.request().method() === 'POST');
  await page.goto(`http://localhost:${evilPort}/`);
  assert.equal((await response).status(), 403);
  const users = await mheroOk(['console', 'user', 'list', '--dir', central]);
  assert.doesNotMatch(users, /\beve\b/);
  evil.close();
  await context.close();
});

test('an admin adds a user in the browser; logout ends the session server-side', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await login(page, 'admin');
  await page.goto(`${base}/users`);
  await look(page, 'users');
  await page.fill('#add-name', 'nurse.lead');
  await page.selectOption('#add-role', 'reviewer');
  await page.fill('#add-password', 'reviewer-pass-01');
  await page.fill('#add-password2', 'reviewer-pass-01');
  await Promise.all([page.waitForLoadState('load'), page.click('#user-add-submit')]);
  assert.match(await page.textContent('#users'), /nurse\.lead/);
  const cookies = await context.cookies();
  await Promise.all([page.waitForLoadState('load'), page.click('#logout')]);
  assert.match(page.url(), /\/login/);
  // The old cookie no longer opens a page.
  const replay = await browser.newContext();
  await replay.addCookies(cookies);
  const again = await replay.newPage();
  await again.goto(`${base}/users`);
  assert.match(again.url(), /\/login/);
  await replay.close();
  await context.close();
});

test('the audit trail lists these actions, and exports them as CSV', async () => {
  const page = await browser.newPage();
  await login(page, 'admin');
  await page.goto(`${base}/audit`);
  await look(page, 'audit');
  const log = await page.textContent('#audit-log');
  for (const what of ['login_failed', 'login', 'logout', 'user.add']) assert.match(log, new RegExp(what.replace('.', '\\.')));
  assert.match(log, /nurse\.lead/);
  const csv = await page.request.get(`${base}/audit.csv`);
  assert.equal(csv.status(), 200);
  assert.match(csv.headers()['content-type'], /text\/csv/);
  const text = await csv.text();
  assert.match(text.split('\n')[0], /time/);
  assert.match(text, /user\.add/);
  await page.close();
});

test('registry pages answer, and every response carries the security headers', async () => {
  const page = await browser.newPage();
  await login(page, 'viewer');
  const res = await page.goto(`${base}/registry`);
  const h = res.headers();
  assert.match(h['content-security-policy'], /default-src 'self'/);
  assert.match(h['content-security-policy'], /frame-ancestors 'none'/);
  assert.equal(h['x-content-type-options'], 'nosniff');
  assert.equal(h['referrer-policy'], 'same-origin');
  await look(page, 'registry');
  await page.close();
});

test('pages are small: the first load of each is under 100 KB on the wire', async () => {
  const page = await browser.newPage();
  await login(page, 'admin');
  for (const path of ['/', '/registry', '/audit', '/users']) {
    let bytes = 0;
    const onResponse = async (r) => {
      try { bytes += Number(r.headers()['content-length'] ?? (await r.body()).length); } catch { /* redirect */ }
    };
    const ctx = page.context();
    await ctx.clearCookies({ name: 'none' }).catch(() => {});
    page.on('response', onResponse);
    await page.goto(`${base}${path}`, { waitUntil: 'load' });
    page.off('response', onResponse);
    assert.ok(bytes < 100 * 1024, `${path}: ${bytes} bytes`);
  }
  await page.close();
});

test('a password or role changed with `mhero console user` while `mhero run` serves ends that user\'s sessions', async () => {
  PASSWORDS.lead = 'lead-pass-012345';
  await addUser('lead', 'operator');
  const context = await browser.newContext();
  const page = await context.newPage();
  await login(page, 'lead');
  assert.match(await page.textContent('#current-user'), /lead \(operator\)/);
  // A leaked password is changed on the command line: the session opened with it ends.
  const file = join(root, 'lead-new.pw');
  writeFileSync(file, 'lead-new-pass-6789\n', { mode: 0o600 });
  await mheroOk(['console', 'user', 'passwd', 'lead', '--password-file', file, '--dir', central]);
  await page.goto(`${base}/compose`);
  assert.match(page.url(), /\/login/, 'the old session no longer opens a page');
  await login(page, 'lead', 'lead-new-pass-6789');
  assert.match(await page.textContent('#current-user'), /lead \(operator\)/);
  // A role taken away on the command line ends the session too (as it does in the console).
  await mheroOk(['console', 'user', 'role', 'lead', '--role', 'viewer', '--dir', central]);
  await page.goto(`${base}/messages`);
  assert.match(page.url(), /\/login/);
  await login(page, 'lead', 'lead-new-pass-6789');
  assert.match(await page.textContent('#current-user'), /lead \(viewer\)/);
  await context.close();
});
