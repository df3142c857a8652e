// The country at a glance in a real browser: a district that synced online and one that only
// sent a USB bundle (carried through the running central node's control socket), their lag and
// last contact on the Districts page, the chain of custody on the district page, and a fork (a
// district restored from a copy of its directory) on the Alarms page with both entries.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  freePort, launchBrowser, look, mhero, mheroOk, removeRoot, setConfig,
  startDaemon, stopDaemon, tempRoot,
} from './fixture.mjs';

let root; let central; let daemon; let browser; let base; let page; let bundleId;
const nodes = {};

before(async () => {
  root = tempRoot();
  central = join(root, 'central');
  await mheroOk(['init', '--dir', central, '--role', 'central']);
  const centralId = (await mheroOk(['id', '--dir', central])).trim().split('\n')[0];
  const syncPort = await freePort();
  const consolePort = await freePort();
  setConfig(central, 'sync', 'listen', `"127.0.0.1:${syncPort}"`);
  setConfig(central, 'console', 'listen', `"127.0.0.1:${consolePort}"`);
  base = `http://127.0.0.1:${consolePort}`;
  for (const code of ['D01', 'D02']) {
    const dir = join(root, code);
    nodes[code] = dir;
    await mheroOk(['init', '--dir', dir, '--role', 'district', '--district', code, '--central-key', centralId]);
    const id = (await mheroOk(['id', '--dir', dir])).trim().split('\n')[0];
    await mheroOk(['enroll', '--dir', central, '--district', code, '--key', id, '--label', `${code} office`]);
  }
  writeFileSync(join(root, 'pw'), 'viewer-pass-0123\n', { mode: 0o600 });
  await mheroOk(['console', 'user', 'add', 'viewer', '--role', 'viewer', '--password-file', join(root, 'pw'), '--dir', central]);
  daemon = await startDaemon(central, 'central', ['--console-plain-http']);

  // D01 syncs online: its note arrives, and the enrollments come back.
  await mheroOk(['log', 'append', '--dir', nodes.D01, '--note', 'stock count done']);
  await mheroOk(['sync', '--dir', nodes.D01, '--peer', `127.0.0.1:${syncPort}`]);
  // A copy of D01's directory, as a restored backup would be.
  cpSync(nodes.D01, join(root, 'D01-copy'), { recursive: true });
  // D02 has no link: a USB bundle, imported at the central node while `mhero run` holds it.
  await mheroOk(['log', 'append', '--dir', nodes.D02, '--note', 'monthly report']);
  const exported = await mheroOk(['bundle', 'export', '--dir', nodes.D02, '--to', 'central', '--with-status',
    '--out', join(root, 'd02.mhb')]);
  bundleId = exported.match(/exported bundle ([0-9a-f]{32})/)[1];
  await mheroOk(['bundle', 'import', '--dir', central, join(root, 'd02.mhb')]);
  // Both copies of D01 write their next entry: two different entries at one seq.
  await mheroOk(['log', 'append', '--dir', nodes.D01, '--note', 'written by the original']);
  await mheroOk(['sync', '--dir', nodes.D01, '--peer', `127.0.0.1:${syncPort}`]);
  // The copy holds its writes (README "Backup and restore") until a staff member overrides the hold
  // against the advice, as someone restoring by hand might: the fork the alarm must show.
  await mheroOk(['log', 'resume-writes', '--dir', join(root, 'D01-copy'), '--no-peer-holds-more']);
  await mheroOk(['log', 'append', '--dir', join(root, 'D01-copy'), '--note', 'written by the restored copy']);
  await mheroOk(['log', 'export-raw', '--dir', join(root, 'D01-copy'), '--out', join(root, 'copy.raw')]);
  const forked = await mhero(['log', 'import-raw', '--dir', central, join(root, 'copy.raw')]);
  assert.notEqual(forked.code, 0, 'the central node refuses the forked history');

  browser = await launchBrowser();
  page = await browser.newPage();
  await page.goto(`${base}/login`);
  await page.fill('#user', 'viewer');
  await page.fill('#password', 'viewer-pass-0123');
  await Promise.all([page.waitForLoadState('load'), page.click('#login-submit')]);
});

after(async () => {
  await browser?.close();
  await stopDaemon(daemon);
  removeRoot(root);
});

test('Districts: the online district with its session, the USB district with its bundle id', async () => {
  await page.goto(`${base}/districts`);
  await look(page, 'districts');
  const d01 = await page.textContent('#district-D01');
  assert.match(d01, /online session/);
  // Its key signed two histories: red, whatever its last contact says.
  assert.match(d01, /forked at feed district\/D01 seq \d+ \(see Alarms\)/);
  assert.equal((await page.textContent('#district-D01 .tag')).trim(), 'red');
  const d02 = await page.textContent('#district-D02');
  assert.match(d02, /USB bundle/);
  assert.match(d02, new RegExp(bundleId.slice(0, 12)));
  // Lag: the central node holds what each district wrote; the districts lack what the central
  // node wrote after their last contact (D02 never received anything back).
  const behind = async (code) => Number((await page.textContent(`#district-${code} td:nth-of-type(4)`)).trim().split(' ')[0]);
  assert.ok(await behind('D02') > 0, 'D02 has not received the central node\'s entries');
  // The same numbers as `mhero districts --json`.
  const cli = JSON.parse(await mheroOk(['districts', '--dir', central, '--json']));
  const rows = Array.isArray(cli) ? cli : cli.districts;
  const row = rows.find((r) => r.district === 'D02');
  assert.equal(await behind('D02'), row.behind_entries);
  // Filters live in the URL.
  await page.goto(`${base}/districts?q=D02`);
  assert.equal(await page.locator('#districts tbody tr').count(), 1);
});

test('Overview: the alarms come first, the critical fork named, with a link', async () => {
  await page.goto(`${base}/`);
  await look(page, 'overview-alarms');
  const banner = page.locator('#overview-alarms');
  assert.equal(await banner.getAttribute('class'), 'notice bad');
  assert.match(await banner.textContent(), /\d+ alarms? \(1 critical\)\. Fork: node district D01/);
  await Promise.all([page.waitForLoadState('load'), page.click('#overview-alarms-link')]);
  assert.match(page.url(), /\/alarms$/);
});

test('District detail: the chain of custody of the bundle', async () => {
  await page.goto(`${base}/districts/D02`);
  await look(page, 'district-D02');
  assert.match(await page.textContent('#district-bundles'), new RegExp(bundleId.slice(0, 16)));
  await page.goto(`${base}/districts/D01`);
  assert.match(await page.textContent('#district-sessions'), /ok/);
  const missing = await page.goto(`${base}/districts/NOPE`);
  assert.equal(missing.status(), 404);
});

test('Alarms: the fork, with both entries as evidence and what to do', async () => {
  await page.goto(`${base}/alarms`);
  await look(page, 'alarms');
  const fork = page.locator('#alarms li[data-kind="fork"]');
  assert.equal(await fork.count(), 1);
  const text = await fork.textContent();
  assert.match(text, /district\/D01/);
  assert.match(text, /What to do/);
  assert.ok((text.match(/[0-9a-f]{64}/g) || []).length >= 2, 'both entry ids are shown');
});
