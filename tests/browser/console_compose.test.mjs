// Composing messages in a real browser (issue 12, compose side): the live reach preview equals
// `mhero send`'s, a curly quote shows UCS-2 and its GSM-7 form, the confirmation repeats the
// count, the message is pending in `mhero messages list`, a viewer cannot compose, a district
// console composes only for its own district and the message reaches the central node by sync,
// and a cancel between dispatch batches (RapidPro emulator on loopback) stops the rest.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  MHERO, freePort, launchBrowser, look, mhero, mheroOk, removeRoot, setConfig,
  startDaemon, stopDaemon, tempRoot,
} from './fixture.mjs';

const PASSWORDS = { ama: 'operator-pass-01', ben: 'viewer-pass-0123', dee: 'district-pass-01' };
const FLOW = '11111111-2222-4333-8444-555555555555';
const CADRES = '2.25.309768652999692686176651983274504471835.1';
let root; let central; let bong; let centralDaemon; let bongDaemon; let emulator; let emulatorUrl;
let browser; let base; let bongBase; let syncPort;

/** A CSD document: BONG has `bong` workers (even: nurses, odd: CHWs), NIMBA 4; BONG-0's phone is
 *  shared with BONG-s1 and BONG-s2; one inactive nurse and one nurse without a valid mobile. */
function csd(bongCount) {
  const phone = (d, i) => `+231${d === 'BONG' ? 77 : 88}${String(i).padStart(7, '0')}`;
  let x = '<?xml version="1.0" encoding="UTF-8"?><CSD xmlns="urn:ihe:iti:csd:2013"><organizationDirectory>';
  for (const d of ['BONG', 'NIMBA']) {
    x += `<organization entityID="O-${d}"><otherID assigningAuthorityName="urn:mhero:district" code="${d}"/>`
      + `<primaryName>${d[0]}${d.slice(1).toLowerCase()} County Health Team</primaryName>`
      + '<record updated="2024-01-01T00:00:00+00:00" status="Active"/></organization>';
  }
  x += '</organizationDirectory><serviceDirectory/><facilityDirectory>';
  for (const d of ['BONG', 'NIMBA']) {
    x += `<facility entityID="F-${d}"><primaryName>${d[0]}${d.slice(1).toLowerCase()} Health Centre</primaryName>`
      + `<organizations><organization entityID="O-${d}"/></organizations>`
      + '<record updated="2024-01-01T00:00:00+00:00" status="Active"/></facility>';
  }
  x += '</facilityDirectory><providerDirectory>';
  const provider = (id, d, cadre, tel, status = 'Active') => {
    x += `<provider entityID="${id}"><codedType code="${cadre}" codingScheme="${CADRES}"/>`
      + `<demographic><name><forename>Worker</forename><surname>${id}</surname></name>`
      + `<contactPoint><codedType code="BP">${tel}</codedType></contactPoint></demographic>`
      + `<facilities><facility entityID="F-${d}"/></facilities>`
      + `<record updated="2024-02-01T10:00:00+00:00" status="${status}"/></provider>`;
  };
  for (let i = 0; i < bongCount; i++) provider(`BONG-${i}`, 'BONG', i % 2 ? 'CHW' : 'NURSE', phone('BONG', i));
  for (let i = 0; i < 4; i++) provider(`NIMBA-${i}`, 'NIMBA', i % 2 ? 'CHW' : 'NURSE', phone('NIMBA', i));
  provider('BONG-s1', 'BONG', 'NURSE', phone('BONG', 0));
  provider('BONG-s2', 'BONG', 'CHW', phone('BONG', 0));
  provider('BONG-inactive', 'BONG', 'NURSE', '+231779999991', 'Inactive');
  provider('BONG-nophone', 'BONG', 'NURSE', '44.44.44');
  return `${x}</providerDirectory></CSD>`;
}

const SVS = `<ValueSet xmlns="urn:ihe:iti:svs:2008" id="${CADRES}" version="1" displayName="mHero cadres">
  <ConceptList xml:lang="en"><Concept code="NURSE" displayName="Registered nurse" codeSystem="${CADRES}"/>
  <Concept code="CHW" displayName="Community health worker" codeSystem="${CADRES}"/></ConceptList></ValueSet>`;

async function addUser(dir, name, role) {
  const file = join(root, `${name}.pw`);
  writeFileSync(file, `${PASSWORDS[name]}\n`, { mode: 0o600 });
  await mheroOk(['console', 'user', 'add', name, '--role', role, '--password-file', file, '--dir', dir]);
}

async function login(page, at, name) {
  await page.goto(`${at}/login`);
  await page.fill('#user', name);
  await page.fill('#password', PASSWORDS[name]);
  await Promise.all([page.waitForLoadState('load'), page.click('#login-submit')]);
}

/** Starts tools/rapidpro-emulator on a free port; resolves its base URL. */
async function startEmulator() {
  const bin = process.env.RAPIDPRO_EMULATOR || join(dirname(MHERO), '..', 'tools', 'rapidpro-emulator', 'rapidpro-emulator');
  const child = spawn(bin, ['--port', '0', '--flow', `${FLOW}=Stock survey`], { stdio: ['ignore', 'pipe', 'pipe'] });
  emulator = child;
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
      const m = text.match(/listening on (\S+)/);
      if (m) resolve(m[1]);
    });
    child.on('error', reject);
    child.on('close', (code) => reject(new Error(`rapidpro-emulator exited ${code}: ${text}`)));
  });
}

async function deliveries() {
  return (await (await fetch(`${emulatorUrl}/emulator/deliveries.json`)).json()).total;
}

/** The counts `mhero send` prints for a target (answering "no": nothing is written). */
async function cliPreview(dir, args) {
  const r = await mhero(['send', '--dir', dir, ...args], { input: 'n\n' });
  const num = (re) => Number(r.out.match(re)?.[1]);
  return {
    out: r.out,
    workers: num(/will reach (\d+) health worker/),
    inactive: num(/Excluded: (\d+) inactive/),
    noMobile: num(/(\d+) without a valid mobile number/),
    unassigned: num(/(\d+) without a district/),
    phones: num(/Reach: \d+ workers?, (\d+) phones?/),
    segments: num(/Total: (\d+) SMS segment/),
  };
}

/** Waits until the script refreshed the preview after the last change. */
async function freshPreview(page, before) {
  await page.waitForFunction((b) => {
    const box = document.getElementById('compose-preview');
    return box && box.getAttribute('data-fresh') && box.getAttribute('data-fresh') !== b && !box.hasAttribute('aria-busy');
  }, before);
}

async function previewOnPage(page) {
  const n = async (id) => Number((await page.textContent(`#${id}`)).trim());
  return {
    workers: await n('preview-workers'),
    phones: await n('preview-phones'),
    inactive: await n('preview-inactive'),
    noMobile: await n('preview-no-mobile'),
    unassigned: await n('preview-unassigned'),
  };
}

before(async () => {
  root = tempRoot();
  central = join(root, 'central');
  bong = join(root, 'BONG');
  emulatorUrl = await startEmulator();
  await mheroOk(['init', '--dir', central, '--role', 'central']);
  const centralId = (await mheroOk(['id', '--dir', central])).trim().split('\n')[0];
  syncPort = await freePort();
  const consolePort = await freePort();
  setConfig(central, 'sync', 'listen', `"127.0.0.1:${syncPort}"`);
  setConfig(central, 'console', 'listen', `"127.0.0.1:${consolePort}"`);
  setConfig(central, 'rapidpro', 'url', `"${emulatorUrl}"`);
  setConfig(central, 'rapidpro', 'token', '"emulator-token"');
  setConfig(central, 'rapidpro', 'poll_interval_ms', '3600000');  // Dispatch only when the test says.
  base = `http://127.0.0.1:${consolePort}`;
  await mheroOk(['init', '--dir', bong, '--role', 'district', '--district', 'BONG', '--central-key', centralId]);
  const bongId = (await mheroOk(['id', '--dir', bong])).trim().split('\n')[0];
  await mheroOk(['enroll', '--dir', central, '--district', 'BONG', '--key', bongId, '--label', 'Bong county office']);
  const bongConsole = await freePort();
  setConfig(bong, 'console', 'listen', `"127.0.0.1:${bongConsole}"`);
  setConfig(bong, 'sync', 'peers', `["127.0.0.1:${syncPort}"]`);
  bongBase = `http://127.0.0.1:${bongConsole}`;
  writeFileSync(join(root, 'hw.xml'), csd(130));
  writeFileSync(join(root, 'cadres.xml'), SVS);
  await mheroOk(['registry', 'import-csd', '--dir', central, join(root, 'cadres.xml'), join(root, 'hw.xml')]);
  await mheroOk(['flows', 'pull', '--dir', central]);
  await addUser(central, 'ama', 'operator');
  await addUser(central, 'ben', 'viewer');
  await addUser(bong, 'dee', 'operator');
  centralDaemon = await startDaemon(central, 'central', ['--console-plain-http']);
  // The district receives its registry and the flow list by sync.
  await mheroOk(['sync', '--dir', bong, '--peer', `127.0.0.1:${syncPort}`]);
  bongDaemon = await startDaemon(bong, 'bong', ['--console-plain-http']);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stopDaemon(bongDaemon);
  await stopDaemon(centralDaemon);
  emulator?.kill('SIGTERM');
  removeRoot(root);
});

test('compose: the live preview equals mhero send; a curly quote shows UCS-2 and its GSM-7 form', async () => {
  const page = await browser.newPage();
  await login(page, base, 'ama');
  await page.goto(`${base}/compose`);
  await look(page, 'compose-empty');
  assert.match(await page.textContent('#c-cadre'), /Registered nurse \(NURSE\)/, 'value-set display names');
  assert.match(await page.textContent('#c-district'), /Bong County Health Team \(BONG\)/);
  // Facilities by name and district, without their entityIDs (often UUIDs).
  const facilities = await page.locator('#c-facility option').evaluateAll((o) => o.map((x) => [x.value, x.textContent]));
  assert.deepEqual(facilities.map(([value]) => value), ['F-BONG', 'F-NIMBA']);
  // The count is of the workers a message reaches (the rest are inactive or have no valid mobile).
  assert.match(facilities[0][1], /^Bong Health Centre, BONG · \d+ of \d+ workers reachable$/);
  assert.equal(facilities[1][1], 'Nimba Health Centre, NIMBA · 4 workers');
  assert.match(await page.textContent('#c-flow'), /Stock survey/);

  const text = 'Don’t forget the stock count on Friday';
  await page.fill('#c-text', text);
  await page.selectOption('#c-cadre', ['NURSE']);
  await page.selectOption('#c-district', ['BONG']);
  await freshPreview(page, null);
  const cli = await cliPreview(central, ['--text', text, '--cadre', 'NURSE', '--district', 'BONG']);
  assert.match(cli.out, /Nothing written/);
  const shown = await previewOnPage(page);
  assert.deepEqual(shown, {
    workers: cli.workers, phones: cli.phones, inactive: cli.inactive, noMobile: cli.noMobile, unassigned: cli.unassigned,
  });
  assert.equal(shown.workers, 66);  // The 65 even-numbered Bong workers and BONG-s1 (on BONG-0's phone).
  assert.equal(shown.phones, 65);
  assert.equal(shown.inactive, 1);
  assert.equal(shown.noMobile, 1);
  assert.match(await page.textContent('#preview-sharing'), /1 phone is shared by 2 workers/);
  assert.equal((await page.textContent('#sms-cost tbody .encoding')).trim(), 'UCS-2');
  assert.equal(Number(await page.textContent('#sms-cost tbody .segments')), 1);
  const notice = await page.textContent('#ucs2-notice');
  assert.match(notice, /U\+2019 right single quotation mark/);
  assert.equal((await page.textContent('#gsm7-form')).trim(), 'Don\'t forget the stock count on Friday');
  assert.equal(Number((await page.textContent('#preview-total-segments')).match(/(\d+) SMS segment/)[1]), cli.segments);
  await look(page, 'compose-preview-ucs2');

  // A long text: 71 characters with a curly quote are 2 UCS-2 segments; its GSM-7 form is 1.
  const long = `Don’t forget: ${'x'.repeat(57)}`;
  const fresh = await page.getAttribute('#compose-preview', 'data-fresh');
  await page.fill('#c-text', long);
  await freshPreview(page, fresh);
  assert.equal(Number(await page.textContent('#sms-cost tbody .segments')), 2);
  assert.equal(Number((await page.textContent('#preview-total-segments')).match(/(\d+) SMS segment/)[1]), 2 * shown.phones);
  // The form works without the script: the GSM-7 button is a plain submit.
  await Promise.all([page.waitForLoadState('load'), page.click('#use-gsm7')]);
  assert.equal(await page.inputValue('#c-text'), `Don't forget: ${'x'.repeat(57)}`);
  assert.equal((await page.textContent('#sms-cost tbody .encoding')).trim(), 'GSM-7');
  assert.equal(Number(await page.textContent('#sms-cost tbody .segments')), 1);
  // A long unbroken word (a pasted link) wraps in the GSM-7 box: the page stays as wide as the window.
  const before = await page.getAttribute('#compose-preview', 'data-fresh');
  await page.fill('#c-text', `Don’t miss https://example.org/${'x'.repeat(600)}`);
  await freshPreview(page, before);
  const [pageWidth, windowWidth] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(pageWidth <= windowWidth, `the page is ${pageWidth} px wide in a ${windowWidth} px window`);
  await page.fill('#c-text', text);
  await Promise.all([page.waitForLoadState('load'), page.click('#compose-preview-submit')]);
  assert.deepEqual(await previewOnPage(page), shown, 'the server-rendered preview gives the same counts');
});

test('compose: confirmation repeats the count; send writes a pending message, audited', async () => {
  const page = await browser.newPage();
  await login(page, base, 'ama');
  await page.goto(`${base}/compose`);
  await page.fill('#c-text', 'Bong nurses: meeting on Friday at 9');
  await page.selectOption('#c-cadre', ['NURSE']);
  await page.selectOption('#c-district', ['BONG']);
  await Promise.all([page.waitForLoadState('load'), page.click('#compose-review')]);
  await look(page, 'compose-confirm');
  const formToken = await page.inputValue('#compose-confirm input[name=form_token]');
  assert.match(await page.textContent('#confirm-count'), /will reach 66 health workers on 65 phones/);
  assert.match(await page.textContent('#confirm-summary'), /Registered nurse \(NURSE\)/);
  await Promise.all([page.waitForLoadState('load'), page.click('#compose-send')]);
  assert.match(page.url(), /\/compose\/[0-9a-f-]{36}\?done=written/);
  await look(page, 'compose-written');
  const id = page.url().match(/compose\/([0-9a-f-]{36})/)[1];
  assert.match(await page.textContent('#message-state'), /pending/);
  const list = JSON.parse(await mheroOk(['messages', 'list', '--dir', central, '--json']));
  const m = list.find((x) => x.id === id);
  assert.equal(m.state, 'pending');
  assert.equal(m.scope, 'district/BONG', 'one district: only Bong\'s node (and central) hold it');
  // The same confirmation sent again (a double click, a reload) writes nothing new.
  const csrf = await page.inputValue('input[name=csrf]');
  const resent = await page.request.post(`${base}/compose`, {
    form: { csrf, form_token: formToken, action: 'send', kind: 'text', text: 'Bong nurses: meeting on Friday at 9', cadre: 'NURSE', district: 'BONG' },
  });
  assert.equal(resent.status(), 200);
  assert.match(resent.url(), new RegExp(`/compose/${id}$`));
  const again = JSON.parse(await mheroOk(['messages', 'list', '--dir', central, '--json']));
  assert.equal(again.filter((x) => x.id === id).length, 1);
  assert.equal(again.length, list.length);
  // A form cannot choose a message's id (e.g. one a message of another district holds): the id is
  // derived from the form's token and the session, and a form without a token writes nothing.
  const noToken = await page.request.post(`${base}/compose`, {
    form: { csrf, id, action: 'send', kind: 'text', text: 'same id?', cadre: 'NURSE', district: 'BONG' },
  });
  assert.equal(noToken.status(), 400);
  assert.match(await noToken.text(), /The form carries no valid form token\. Nothing was written\./);
  const chosen = await page.request.post(`${base}/compose`, {
    form: { csrf, form_token: id, id: 'not-a-uuid', action: 'send', kind: 'text', text: 'own id', cadre: 'NURSE', district: 'BONG',
      not_before: '+2h', expires: '+3d' },
  });
  assert.equal(chosen.status(), 200);
  // The page a send lands on shows when it may go and when it expires.
  const landed = await chosen.text();
  assert.match(landed, /<dt>Not before<\/dt><dd id="message-not-before">20\d\d-\d\d-\d\d \d\d:\d\d:\d\d UTC<\/dd>/);
  assert.match(landed, /<dt>Expires<\/dt><dd id="message-expires">20\d\d-\d\d-\d\d \d\d:\d\d:\d\d UTC<\/dd>/);
  const written = chosen.url().match(/compose\/([0-9a-f-]{36})/)[1];
  assert.notEqual(written, id);
  assert.match(written, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const withChosen = JSON.parse(await mheroOk(['messages', 'list', '--dir', central, '--json']));
  assert.equal(withChosen.filter((x) => x.id === id).length, 1);
  assert.equal(withChosen.length, list.length + 1);
  assert.equal(withChosen.filter((x) => x.id === 'not-a-uuid').length, 0);
  await mheroOk(['messages', 'cancel', written, '--dir', central, '--reason', 'test']);
  // A target nobody matches (a forged or stale code) stops at the confirmation step.
  const nobody = await page.request.post(`${base}/compose`, {
    form: { csrf, action: 'review', kind: 'text', text: 'x', cadre: 'NOPE' },
  });
  assert.equal(nobody.status(), 400);
  assert.match(await nobody.text(), /No health worker with a valid mobile matches these choices/);
  // A mistyped code beside a good one (values of a kind are OR-ed, so it would be dropped without a
  // word) is named back with the codes held, at review and at send alike; nothing is written.
  const mixed = (action, extra = []) => page.request.post(`${base}/compose`, {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    data: new URLSearchParams([['csrf', csrf], ['action', action], ['kind', 'text'], ['text', 'x'],
      ['cadre', 'NURSE'], ['cadre', 'NURSEE'], ['district', 'BONG'], ...extra]).toString(),
  });
  const reviewed = await mixed('review');
  assert.equal(reviewed.status(), 400);
  assert.match(await reviewed.text(),
    /Cadres: no health worker in this node&#39;s registry carries the cadre code &quot;NURSEE&quot; \(it holds [^)]*NURSE[^)]*\); choose from the list\./);
  const forgedSend = await mixed('send', [['form_token', '0b7e3f1c-2d4a-4b5c-8d6e-7f8091a2b3c4']]);
  assert.equal(forgedSend.status(), 400);
  assert.match(await forgedSend.text(), /carries the cadre code &quot;NURSEE&quot;/);
  const unchanged = JSON.parse(await mheroOk(['messages', 'list', '--dir', central, '--json']));
  assert.equal(unchanged.length, list.length + 1);
  // Named health workers the registry does not hold are named back, with the other problems.
  const strangers = await page.request.post(`${base}/compose`, {
    form: { csrf, action: 'review', kind: 'text', text: 'x', entities: 'NOPE-1, NOPE-2' },
  });
  assert.equal(strangers.status(), 400);
  assert.match(await strangers.text(), /no health worker with the entityID NOPE-1, NOPE-2 is in this node&#39;s registry; correct or remove them/);
  assert.match(await strangers.text(), /No health worker with a valid mobile matches these choices/);
  // With the form's other problems too: all in one answer.
  const everything = await page.request.post(`${base}/compose`, {
    form: { csrf, action: 'review', kind: 'text', text: 'x', lang: 'zz', ltext: 'y', entities: 'NOPE-3' },
  });
  assert.equal(everything.status(), 400);
  const listed = await everything.text();
  assert.match(listed, /Translation 1: language &#39;zz&#39; is not an ISO 639-3 code/);
  assert.match(listed, /no health worker with the entityID NOPE-3 is in this node&#39;s registry; correct or remove it/);
  await page.goto(`${base}/audit?action=message.compose`);
  assert.match(await page.textContent('#audit-log'), new RegExp(id));
});

test('compose: an alert limited to SMS says so at confirmation and is written with its channel', async () => {
  const page = await browser.newPage();
  await login(page, base, 'ama');
  await page.goto(`${base}/compose`);
  await page.fill('#c-text', 'Cholera alert: report every case today');
  await page.selectOption('#c-district', ['NIMBA']);
  await page.check('#c-channel-sms');
  await Promise.all([page.waitForLoadState('load'), page.click('#compose-preview-submit')]);
  assert.ok(await page.isChecked('#c-channel-sms'), 'the choice survives the server-rendered preview');
  await look(page, 'compose-channel');
  await Promise.all([page.waitForLoadState('load'), page.click('#compose-review')]);
  assert.match(await page.textContent('#confirm-summary'), /Channel\s*sms only/);
  assert.match(await page.textContent('#confirm-count'), /reachable only on other channels/);
  await Promise.all([page.waitForLoadState('load'), page.click('#compose-send')]);
  const id = page.url().match(/compose\/([0-9a-f-]{36})/)[1];
  const list = JSON.parse(await mheroOk(['messages', 'list', '--dir', central, '--json']));
  assert.deepEqual(list.find((x) => x.id === id).channels, ['sms']);
  // A forged channel is refused with the field named.
  const csrf = await page.inputValue('input[name=csrf]');
  const forged = await page.request.post(`${base}/compose`, {
    form: { csrf, action: 'review', kind: 'text', text: 'x', district: 'NIMBA', channel: 'pigeon' },
  });
  assert.equal(forged.status(), 400);
  assert.match(await forged.text(), /Channel: &#39;pigeon&#39; is not sms, whatsapp or telegram|Channel: 'pigeon' is not sms, whatsapp or telegram/);
});

test('a viewer cannot compose: 403, and the refusal is audited', async () => {
  const page = await browser.newPage();
  await login(page, base, 'ben');
  const r = await page.goto(`${base}/compose`);
  assert.equal(r.status(), 403);
  await look(page, 'compose-viewer-403');
  assert.equal(await page.locator('nav.sections a[href="/compose"]').count(), 0, 'no Compose link for a viewer');
  await page.goto(`${base}/audit?action=access_denied&user=ben`);
  assert.match(await page.textContent('#audit-log'), /GET \/compose/);
});

test('a district console composes only for its own district; the message reaches the central node by sync', async () => {
  const page = await browser.newPage();
  await login(page, bongBase, 'dee');
  await page.goto(`${bongBase}/compose`);
  await look(page, 'compose-district');
  assert.deepEqual(await page.locator('#c-district option').evaluateAll((o) => o.map((x) => x.value)), ['BONG']);
  assert.match(await page.textContent('#c-flow'), /Stock survey/, 'the flow list arrived by sync');
  // A forged district is refused and audited.
  const csrf = await page.inputValue('input[name=csrf]');
  const formToken = await page.inputValue('#compose-form input[name=form_token]');
  const forged = await page.request.post(`${bongBase}/compose`, {
    form: { csrf, form_token: formToken, action: 'send', kind: 'text', text: 'hello Nimba', district: 'NIMBA' },
  });
  assert.equal(forged.status(), 400);
  assert.match(await forged.text(), /composes only for its own district \(BONG\)/);
  // A flow picked by name, for the CHWs of Bong.
  await page.check('#c-kind-flow');
  await page.selectOption('#c-flow', FLOW);
  await page.selectOption('#c-cadre', ['CHW']);
  await Promise.all([page.waitForLoadState('load'), page.click('#compose-review')]);
  assert.match(await page.textContent('#confirm-summary'), /Stock survey/);
  await Promise.all([page.waitForLoadState('load'), page.click('#compose-send')]);
  const id = page.url().match(/compose\/([0-9a-f-]{36})/)[1];
  assert.match(await page.textContent('#compose-notice'), /next sync or USB bundle/);
  await mheroOk(['sync', '--dir', bong, '--peer', `127.0.0.1:${syncPort}`]);
  const list = JSON.parse(await mheroOk(['messages', 'list', '--dir', central, '--json']));
  const m = list.find((x) => x.id === id);
  assert.ok(m, 'the district message is held by the central node');
  assert.equal(m.scope, 'district/BONG');
  assert.equal(m.flow, FLOW);
  assert.equal(m.state, 'pending');
});

test('cancel between dispatch batches stops the rest', async () => {
  const page = await browser.newPage();
  await login(page, base, 'ama');
  await page.goto(`${base}/compose`);
  await page.fill('#c-text', 'All of Bong: new reporting form');
  await page.selectOption('#c-district', ['BONG']);
  await page.check('#c-urgent');  // Urgent: the dispatcher takes it first.
  await Promise.all([page.waitForLoadState('load'), page.click('#compose-review')]);
  assert.match(await page.textContent('#confirm-count'), /will reach 132 health workers on 130 phones/);
  await Promise.all([page.waitForLoadState('load'), page.click('#compose-send')]);
  const id = page.url().match(/compose\/([0-9a-f-]{36})/)[1];
  const before = await deliveries();
  await mheroOk(['dispatch', '--dir', central, '--max-batches', '1']);
  assert.equal(await deliveries() - before, 100, 'one batch of 100 contacts (phones) went out');
  await page.goto(`${base}/compose/${id}`);
  // BONG-0's phone is the first of the batch and carries BONG-s1 and BONG-s2 too.
  assert.match(await page.textContent('#message-state'), /dispatching: 102 of about 132 workers sent so far \(on 100 phones\)/);
  assert.match(await page.textContent('#message-sent'), /102 of about 132 health workers, 100 phones/);
  // A refused reason (a direction override) comes back above the form, as typed.
  page.once('dialog', (d) => d.accept());
  await page.fill('#cancel-reason', 'wrong \u202Eform');
  const refused = await Promise.all([page.waitForNavigation(), page.click('#cancel-submit')]);
  assert.equal(refused[0].status(), 400);
  assert.match(await page.textContent('#cancel-refused'), /Not cancelled: .*direction/);
  assert.equal(await page.inputValue('#cancel-reason'), 'wrong \u202Eform');
  await look(page, 'compose-cancel-refused');
  page.once('dialog', (d) => d.accept());
  await page.fill('#cancel-reason', 'wrong form attached');
  await Promise.all([page.waitForLoadState('load'), page.click('#cancel-submit')]);
  await look(page, 'compose-cancelled');
  assert.match(await page.textContent('#cancel-notice'), /102 of about 132 health workers had already been handed to RapidPro/);
  await mheroOk(['dispatch', '--dir', central]);
  const after = await deliveries();
  const list = JSON.parse(await mheroOk(['messages', 'list', '--dir', central, '--json']));
  const m = list.find((x) => x.id === id);
  assert.equal(m.state, 'cancelled');
  assert.match(m.description, /cancelled \(102\/132 sent before the cancel\)/);
  // Only the other pending messages went out in the second pass, none of this one.
  const audit = await mheroOk(['messages', 'list', '--dir', central]);
  assert.match(audit, /cancelled/);
  assert.ok(after - before >= 100);
  const emulated = await (await fetch(`${emulatorUrl}/emulator/deliveries.json`)).json();
  assert.equal(emulated.duplicates, 0);
});
