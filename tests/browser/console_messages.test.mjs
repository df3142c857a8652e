// Messages and answers in a real browser, against a running central node (`mhero run`) and the
// RapidPro emulator program (tools/rapidpro-emulator) on loopback: a text and a flow are
// dispatched by the node's messaging task, the delivery poller reads the emulator's SMS statuses
// (messages.json?broadcast=), the simulated health workers answer; the viewer follows it all.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  freePort, launchBrowser, look, mheroOk, removeRoot, SCREENSHOTS, setConfig, startDaemon, stopDaemon, tempRoot,
} from './fixture.mjs';

const EMULATOR = process.env.RAPIDPRO_EMULATOR_BIN;
if (!EMULATOR) throw new Error('RAPIDPRO_EMULATOR_BIN is not set: run these tests with `meson test -C build browser`');
const FLOW = '11111111-2222-4333-8444-555555555555';
const TOKEN = 'browser-token';

let root; let central; let daemon; let emulator; let emulatorUrl; let browser; let base; let page;
let textId; let flowId;

/** A CSD document: `n` active nurses per district with Liberian mobiles, one facility each. */
function csd(districts) {
  let x = '<?xml version="1.0" encoding="UTF-8"?><CSD xmlns="urn:ihe:iti:csd:2013"><organizationDirectory>';
  for (const d of Object.keys(districts)) {
    x += `<organization entityID="O-${d}"><otherID assigningAuthorityName="urn:mhero:district" code="${d}"/>`
      + `<primaryName>${d} CHT</primaryName><record updated="2024-01-01T00:00:00+00:00" status="Active"/></organization>`;
  }
  x += '</organizationDirectory><serviceDirectory/><facilityDirectory>';
  for (const d of Object.keys(districts)) {
    x += `<facility entityID="F-${d}"><primaryName>${d} health centre</primaryName><organizations>`
      + `<organization entityID="O-${d}"/></organizations><record updated="2024-01-01T00:00:00+00:00" status="Active"/></facility>`;
  }
  x += '</facilityDirectory><providerDirectory>';
  let k = 0;
  for (const [d, n] of Object.entries(districts)) {
    for (let i = 0; i < n; i++, k++) {
      x += `<provider entityID="${d}-${i}"><codedType code="NURSE" codingScheme="urn:mhero:cadre"/><demographic><name>`
        + `<forename>Nurse</forename><surname>${d} ${i}</surname></name><contactPoint><codedType code="BP">+23177${String(1000000 + k)}`
        + `</codedType></contactPoint></demographic><facilities><facility entityID="F-${d}"/></facilities>`
        + '<record updated="2024-02-01T10:00:00+00:00" status="Active"/></provider>';
    }
  }
  return `${x}</providerDirectory></CSD>`;
}

async function startEmulator(port) {
  const child = spawn(EMULATOR, ['--port', String(port), '--token', TOKEN, '--flow', `${FLOW}=Stock survey`,
    '--answer', 'stock=12', '--answer', 'expiry=2027-01', '--answer-delay-ms', '0',
    '--broadcast-reply', 'Received, thanks', '--delivery-pattern', 'dfdeds'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise((ok, fail) => {
    child.stdout.on('data', (d) => { if (/listening on/.test(String(d))) ok(); });
    child.on('close', (code) => fail(new Error(`rapidpro-emulator exited ${code}`)));
  });
  return child;
}

async function stopEmulator() {
  if (!emulator || emulator.exitCode !== null) return;
  const done = new Promise((ok) => emulator.on('close', ok));
  emulator.kill('SIGTERM');
  await done;
}

/** Loads `path` until `selector` is on the page (the node's task runs every 300 ms). */
async function waitFor(path, selector, what) {
  for (let i = 0; i < 300; i++) {
    await page.goto(`${base}${path}`);
    if (await page.locator(selector).count() > 0) return;
    await new Promise((ok) => setTimeout(ok, 200));
  }
  throw new Error(`timed out waiting for ${what} on ${path}`);
}

before(async () => {
  root = tempRoot();
  central = join(root, 'central');
  const emulatorPort = await freePort();
  emulator = await startEmulator(emulatorPort);
  emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
  await mheroOk(['init', '--dir', central, '--role', 'central']);
  const consolePort = await freePort();
  setConfig(central, 'sync', 'listen', `"127.0.0.1:${await freePort()}"`);
  setConfig(central, 'console', 'listen', `"127.0.0.1:${consolePort}"`);
  setConfig(central, 'console', 'message_delayed_ms', '1500');
  setConfig(central, 'rapidpro', 'url', `"${emulatorUrl}"`);
  setConfig(central, 'rapidpro', 'token', `"${TOKEN}"`);
  setConfig(central, 'rapidpro', 'poll_interval_ms', '300');
  setConfig(central, 'rapidpro', 'max_attempts_count', '1');
  base = `http://127.0.0.1:${consolePort}`;
  writeFileSync(join(root, 'hw.xml'), csd({ BONG: 6, NIMBA: 3 }));
  await mheroOk(['registry', 'import-csd', '--dir', central, join(root, 'hw.xml')]);
  writeFileSync(join(root, 'pw'), 'viewer-pass-0123\n', { mode: 0o600 });
  await mheroOk(['console', 'user', 'add', 'viewer', '--role', 'viewer', '--password-file', join(root, 'pw'), '--dir', central]);
  const text = await mheroOk(['send', '--dir', central, '--text', 'Bong nurses: vaccination day on Monday',
    '--district', 'BONG', '--author', 'county health team', '--yes']);
  textId = text.match(/message ([0-9a-f-]{36}) written/)[1];
  daemon = await startDaemon(central, 'central-messages', ['--console-plain-http']);

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
  await stopEmulator();
  removeRoot(root);
});

test('Message page: dispatched, with the emulator\'s delivery counts per status', async () => {
  await waitFor(`/messages/${textId}`, '#delivery-counts', 'the delivery report');
  await look(page, 'message-text');
  assert.match(await page.textContent('#message-state'), /dispatched 6\/6/);
  assert.match(await page.textContent('#message-author'), /county health team/);
  assert.match(await page.textContent('#batches'), /broadcast/);
  // What the emulator itself says about the broadcast's SMS (RapidPro API v2).
  const broadcastId = (await page.textContent('#batches')).match(/\(id (\d+)\)/)[1];
  const listing = await (await fetch(`${emulatorUrl}/api/v2/messages.json?broadcast=${broadcastId}`,
    { headers: { Authorization: `Token ${TOKEN}` } })).json();
  const counts = {};
  for (const sms of listing.results) counts[sms.status] = (counts[sms.status] || 0) + 1;
  assert.deepEqual(counts, { delivered: 3, failed: 1, errored: 1, sent: 1 });  // Pattern d f d e d s.
  for (const [status, n] of Object.entries(counts)) {
    assert.equal((await page.textContent(`#delivery-${status} td`)).trim(), String(n), status);
  }
  assert.match(await page.textContent('#delivery-summary'), /3 of 6 SMS delivered/);
  assert.match(await page.textContent('#delivery-failures'), /errored\s*1/);
});

test('Answers: the flow\'s responses per hour with uPlot, the summary, SMS replies as text', async () => {
  // The text's recipients have replied by now; the flow goes out while `mhero run` holds the node.
  const flow = await mheroOk(['send', '--dir', central, '--flow', FLOW, '--district', 'BONG', '--district', 'NIMBA', '--yes']);
  flowId = flow.match(/message ([0-9a-f-]{36}) written/)[1];
  await waitFor(`/responses?message=${flowId}`, '.stat-median', 'the flow answers');
  for (let i = 0; i < 50 && !/9 answer\(s\)/.test(await page.textContent('#summary-totals')); i++) {
    await new Promise((ok) => setTimeout(ok, 200));
    await page.reload();
  }
  await look(page, 'responses-flow');
  assert.match(await page.textContent('#summary-totals'), /9 answers from 9 health workers/);
  assert.equal((await page.textContent('.stat-median')).trim(), '12');
  assert.equal((await page.textContent('.stat-min')).trim(), '12');
  assert.match(await page.textContent('#responses'), /stock=12/);
  assert.match(await page.textContent('#responses'), /BONG health centre/);

  await page.goto(`${base}/messages/${flowId}`);
  await page.waitForSelector('.uplot canvas');
  await look(page, 'message-flow');
  assert.match(await page.textContent('#response-rate'), /response rate 100 %/);
  assert.equal(await page.locator('#answers-per-hour tbody tr').count() >= 1, true);

  // The broadcast's recipients replied by SMS: replies outside a flow show their text.
  await waitFor('/responses?district=BONG', 'td.answer .tag', 'the SMS replies');
  await look(page, 'responses-bong');
  assert.match(await page.textContent('#responses'), /SMS reply\s*Received, thanks/);
  const cli = await mheroOk(['responses', 'list', '--dir', central, '--district', 'BONG']);
  assert.match(cli, /text: Received, thanks/);
  assert.doesNotMatch(cli, /\{\}/);
});

test('Messages page: the state tabs filter, the counts match', async () => {
  await page.goto(`${base}/messages`);
  await look(page, 'messages');
  assert.match(await page.textContent('#tab-dispatched'), /dispatched \(2\)/);
  await page.click('#tab-dispatched');
  assert.match(page.url(), /state=dispatched/);
  assert.equal(await page.locator('#messages tbody tr').count(), 2);
  await page.click('#tab-pending');
  assert.equal(await page.locator('#messages-empty').count(), 1);
  await page.click('#tab-all');
  assert.equal(await page.locator(`#message-${flowId}`).count(), 1);
});

test('Page weight: chart pages stay small; uPlot only where a time series is drawn', async (t) => {
  const weigh = async (path) => {
    const html = await (await page.request.get(`${base}${path}`)).text();
    const assets = [...html.matchAll(/(?:href|src)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
    let assetBytes = 0;
    for (const a of assets) {
      const r = await page.request.get(`${base}${a}`, { headers: { 'Accept-Encoding': 'gzip' } });
      assetBytes += Number(r.headers()['content-length'] || (await r.body()).length);
    }
    t.diagnostic(`${path}: HTML ${html.length} bytes, ${assets.length} assets ${assetBytes} bytes (gzip)`);
    return { html: html.length, assets, assetBytes };
  };
  const list = await weigh('/messages');
  assert.ok(!list.assets.some((a) => /uPlot/.test(a)), 'no chart library on the list');
  const message = await weigh(`/messages/${flowId}`);
  assert.ok(message.assets.some((a) => /uPlot/.test(a)), 'uPlot on the page with the time series');
  const responses = await weigh(`/responses?message=${flowId}`);
  assert.ok(!responses.assets.some((a) => /uPlot/.test(a)), 'SVG bar charts need no library');
  for (const w of [list, message, responses]) assert.ok(w.html + w.assetBytes < 100 * 1024);
});

test('Without JavaScript the chart\'s table carries the figures', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const plain = await context.newPage();
  await plain.goto(`${base}/login`);
  await plain.fill('#user', 'viewer');
  await plain.fill('#password', 'viewer-pass-0123');
  await Promise.all([plain.waitForLoadState('load'), plain.click('#login-submit')]);
  await plain.goto(`${base}/messages/${flowId}`);
  // A screenshot only: axe needs JavaScript in the page.
  await plain.screenshot({ path: join(SCREENSHOTS, 'message-flow-nojs.png'), fullPage: true });
  assert.equal(await plain.locator('.uplot canvas').count(), 0);
  assert.ok(await plain.locator('#answers-per-hour tbody tr').count() >= 1);
  await plain.goto(`${base}/responses?message=${flowId}`);
  assert.ok(await plain.locator('figure.chart svg').count() >= 1, 'the server-rendered SVG charts are there');
  await context.close();
});

test('The CSV and JSON exports equal `mhero responses list` for the same filters', async () => {
  for (const query of [`message=${flowId}`, 'district=BONG', '']) {
    const args = ['responses', 'list', '--dir', central];
    if (query.startsWith('message=')) args.push('--message', flowId);
    if (query.startsWith('district=')) args.push('--district', 'BONG');
    const csv = await page.request.get(`${base}/responses.csv?${query}`);
    assert.equal(csv.status(), 200);
    assert.match(csv.headers()['content-type'], /text\/csv/);
    assert.equal(await csv.text(), await mheroOk([...args, '--csv']), `CSV ${query}`);
    const json = await page.request.get(`${base}/responses.json?${query}`);
    assert.equal(await json.text(), await mheroOk([...args, '--json']), `JSON ${query}`);
  }
  await page.goto(`${base}/responses?message=${flowId}`);
  assert.equal(await page.getAttribute('#export-csv', 'href'), `/responses.csv?message=${flowId}`);
});

test('A viewer reads every page; without a session the export is refused', async () => {
  for (const path of ['/messages', `/messages/${textId}`, '/responses', '/responses.csv']) {
    const r = await page.request.get(`${base}${path}`);
    assert.equal(r.status(), 200, path);
  }
  const anonymous = await fetch(`${base}/responses.csv`, { redirect: 'manual' });
  assert.equal(anonymous.status, 303);
  assert.match(anonymous.headers.get('location'), /^\/login/);
});

test('RapidPro down: a due message not dispatched is flagged delayed', async () => {
  await stopEmulator();
  const sent = await mheroOk(['send', '--dir', central, '--text', 'Nimba: stock count due', '--district', 'NIMBA', '--yes']);
  const id = sent.match(/message ([0-9a-f-]{36}) written/)[1];
  await new Promise((ok) => setTimeout(ok, 2000));
  await page.goto(`${base}/messages?delayed=1`);
  await look(page, 'messages-delayed');
  assert.equal(await page.locator('#messages tbody tr').count(), 1);
  assert.match(await page.textContent(`#message-${id}`), /(pending|dispatching)\s*delayed/);
  await page.goto(`${base}/messages/${id}`);
  assert.equal(await page.locator('#message-delayed').count(), 1);
});
