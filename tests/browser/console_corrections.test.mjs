// The registry-correction loop in a real browser: district D02 proposes corrections (CLI) and
// syncs; the central console's review queue shows them; a reviewer accepts, rejects with a
// comment, chooses through a soft and a hard conflict; two reviewers race on one correction (one
// gets 409); after the next sync D02 sees the decisions and targets the new number; the next
// registry import with the old phone does not revert it ("source still differs"); the CSD export
// is read back by our own parser (imported into a fresh node).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  freePort, launchBrowser, look, mheroOk, removeRoot, setConfig, startDaemon, stopDaemon, tempRoot,
} from './fixture.mjs';

let root; let central; let d02; let daemon; let browser; let base; let syncPort;
const pages = {};
const ids = {};

const provider = (id, name, phone, status = 'Active', cadre = 'NURSE') => `
    <provider entityID="${id}"><codedType code="${cadre}" codingScheme="urn:mhero:cadre"/>
      <demographic><name><commonName>${name}</commonName></name>
        <contactPoint><codedType code="BP" codingScheme="urn:ihe:iti:csd:2013:contactPoint">${phone}</codedType></contactPoint></demographic>
      <facilities><facility entityID="F-D02"/></facilities>
      <record updated="2026-01-01T00:00:00+00:00" status="${status}"/></provider>`;

// A facility whose entityID is a UUID, as iHRIS and DHIS2 write them: staff pick it by name.
const TOE_TOWN = 'urn:uuid:7f3c2a9e-0d51-4c1e-9a7b-5b2e8f1d6c40';

function csd({ hw3Phone = '0770000003', hw4Status = 'Active' } = {}) {
  return `<?xml version="1.0" encoding="UTF-8"?>
<CSD xmlns="urn:ihe:iti:csd:2013"><organizationDirectory/><serviceDirectory/>
  <facilityDirectory>
    <facility entityID="F-D02"><otherID assigningAuthorityName="urn:mhero:district" code="D02"/>
      <primaryName>Zwedru Clinic</primaryName><record updated="2026-01-01T00:00:00+00:00" status="Active"/></facility>
    <facility entityID="${TOE_TOWN}"><otherID assigningAuthorityName="urn:mhero:district" code="D02"/>
      <primaryName>Toe Town Health Centre</primaryName><record updated="2026-01-01T00:00:00+00:00" status="Active"/></facility>
    <facility entityID="F-D02B"><otherID assigningAuthorityName="urn:mhero:district" code="D02"/>
      <primaryName>Zwedru Clinic</primaryName><record updated="2026-01-01T00:00:00+00:00" status="Active"/></facility>
    <facility entityID="F-D03"><otherID assigningAuthorityName="urn:mhero:district" code="D03"/>
      <primaryName>Fish Town Clinic</primaryName><record updated="2026-01-01T00:00:00+00:00" status="Active"/></facility>
  </facilityDirectory>
  <providerDirectory>${provider('hw1', 'Korto Flomo', '0770000001')}${provider('hw2', 'Musu Kollie', '0770000002')}
    ${provider('hw3', 'Sam Doe', hw3Phone)}${provider('hw4', 'Ama Toe', '0770000004', hw4Status)}
    ${provider('hw5', 'Joe Pewee', '0770000005')}
  </providerDirectory></CSD>`;
}

async function importCsd(dir, text, name = 'Providers.xml') {
  const file = join(root, name);
  writeFileSync(file, text);
  return mheroOk(['registry', 'import-csd', '--dir', dir, file]);
}

const sync = () => mheroOk(['sync', '--dir', d02, '--peer', `127.0.0.1:${syncPort}`]);

async function propose(id, args) {
  const out = await mheroOk(['registry', 'correct', id, '--dir', d02, '--user', 'district-officer', ...args]);
  return out.match(/proposed correction (\S+)/)[1];
}

async function login(name) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.fill('#user', name);
  await page.fill('#password', 'reviewer-pass-0123');
  await Promise.all([page.waitForLoadState('load'), page.click('#login-submit')]);
  return page;
}

const centralCorrection = async (id) =>
  JSON.parse(await mheroOk(['registry', 'corrections', 'list', '--dir', central, '--json'])).find((c) => c.id === id);
const d02Corrections = async () => JSON.parse(await mheroOk(['registry', 'corrections', 'list', '--dir', d02, '--json']));

before(async () => {
  root = tempRoot();
  central = join(root, 'central');
  d02 = join(root, 'D02');
  await mheroOk(['init', '--dir', central, '--role', 'central']);
  const centralId = (await mheroOk(['id', '--dir', central])).trim().split('\n')[0];
  syncPort = await freePort();
  const consolePort = await freePort();
  setConfig(central, 'sync', 'listen', `"127.0.0.1:${syncPort}"`);
  setConfig(central, 'console', 'listen', `"127.0.0.1:${consolePort}"`);
  base = `http://127.0.0.1:${consolePort}`;
  await mheroOk(['init', '--dir', d02, '--role', 'district', '--district', 'D02', '--central-key', centralId]);
  const d02Id = (await mheroOk(['id', '--dir', d02])).trim().split('\n')[0];
  await mheroOk(['enroll', '--dir', central, '--district', 'D02', '--key', d02Id, '--label', 'Grand Gedeh office']);
  writeFileSync(join(root, 'pw'), 'reviewer-pass-0123\n', { mode: 0o600 });
  for (const name of ['ama', 'kofi']) {
    await mheroOk(['console', 'user', 'add', name, '--role', 'reviewer', '--password-file', join(root, 'pw'), '--dir', central]);
  }
  await mheroOk(['console', 'user', 'add', 'ops', '--role', 'operator', '--password-file', join(root, 'pw'), '--dir', central]);
  await importCsd(central, csd());
  daemon = await startDaemon(central, 'central', ['--console-plain-http']);
  await sync();  // D02 receives its registry.
  ids.phone = await propose('hw1', ['--phone', '0779999991', '--note', 'new number confirmed by phone']);
  ids.reject = await propose('hw2', ['--status', 'left', '--note', 'left for Monrovia']);
  ids.hard = await propose('hw3', ['--phone', '0779999993', '--note', 'new SIM']);
  ids.soft = await propose('hw4', ['--phone', '0779999994', '--note', 'new SIM']);
  ids.race = await propose('hw5', ['--phone', '0779999995', '--note', 'new SIM']);
  await sync();  // The corrections reach the central node.
  // Meanwhile the source changed hw3's phone (hard conflict) and hw4's status (soft conflict).
  await importCsd(central, csd({ hw3Phone: '0775555553', hw4Status: 'Inactive' }));
  browser = await launchBrowser();
  pages.ama = await login('ama');
  pages.kofi = await login('kofi');
  pages.ops = await login('ops');
});

after(async () => {
  await browser?.close();
  await stopDaemon(daemon);
  removeRoot(root);
});

test('The queue shows the district\'s corrections oldest first, with conflicts; filters live in the URL', async () => {
  const page = pages.ama;
  await page.goto(`${base}/corrections`);
  await look(page, 'corrections-queue');
  const rows = page.locator('#corrections tbody tr');
  assert.equal(await rows.count(), 5);
  assert.match(await rows.nth(0).textContent(), new RegExp(ids.phone));
  // The proposer as staff know it: the user and the district office's node, not a key prefix.
  assert.match(await rows.nth(0).textContent(), /district-officer, on district D02's node \(Grand Gedeh office\)/);
  assert.match(await rows.nth(0).textContent(), /phone \+231770000001 → \+231779999991/);  // Old → new.
  assert.match(await page.textContent(`#corrections tbody tr:has-text("${ids.hard}")`), /hard \(phone changed since\)/);
  assert.match(await page.textContent(`#corrections tbody tr:has-text("${ids.soft}")`), /soft \(status changed since\)/);
  assert.match(await page.textContent('#corrections-bulk-count'), /3 of the 5 open corrections shown have no conflict/);
  await page.goto(`${base}/corrections?kind=status&state=proposed`);
  assert.equal(await page.locator('#corrections tbody tr').count(), 1);
});

test('Accept a phone change: the district sees "accepted" and targets the new number', async () => {
  const page = pages.ama;
  await page.goto(`${base}/corrections/${ids.phone}`);
  await look(page, 'correction-detail');
  const compare = await page.textContent('#correction-compare');
  assert.match(compare, /\+231770000001/);
  assert.match(compare, /\+231779999991/);
  await Promise.all([page.waitForLoadState('load'), page.click('#correction-accept')]);
  assert.match(await page.textContent('#decision-notice'), /Accepted/);
  assert.equal((await page.textContent('#correction-state')).trim(), 'accepted');
  await sync();
  const mine = (await d02Corrections()).find((c) => c.id === ids.phone);
  assert.equal(mine.state, 'accepted');
  const shown = JSON.parse(await mheroOk(['registry', 'show', 'hw1', '--dir', d02, '--provenance']));
  assert.equal(shown.mobile, '+231779999991');
  const chain = shown.provenance.map((s) => s.text).join('\n');
  assert.match(chain, /in a sync session with central node/);
  assert.match(chain, new RegExp(`correction ${ids.phone} accepted by ama`));
  const list = await mheroOk(['registry', 'list', '--dir', d02, '--district', 'D02']);
  assert.match(list, /hw1\tD02\tNURSE\tactive\t\+231779999991/);
  const preview = await mheroOk(['send', '--dir', d02, '--entity', 'hw1', '--text', 'Stock count due'], { input: 'n\n' });
  assert.match(preview, /will reach 1 health worker/);
});

test('Reject with a comment: the comment travels back to the district', async () => {
  const page = pages.ama;
  await page.goto(`${base}/corrections/${ids.reject}`);
  await Promise.all([page.waitForLoadState('load'), page.click('#correction-reject')]);
  assert.match(await page.textContent('#decision-notice'), /needs a comment/);
  await page.fill('#decision-comment', 'HR says she is on leave, not gone: keep her active');
  await Promise.all([page.waitForLoadState('load'), page.click('#correction-reject')]);
  assert.equal((await page.textContent('#correction-state')).trim(), 'rejected');
  await sync();
  const mine = (await d02Corrections()).find((c) => c.id === ids.reject);
  assert.equal(mine.state, 'rejected');
  assert.equal(mine.decision.comment, 'HR says she is on leave, not gone: keep her active');
});

test('Hard and soft conflicts need an explicit choice', async () => {
  const page = pages.ama;
  await page.goto(`${base}/corrections/${ids.hard}`);
  await look(page, 'correction-hard-conflict');
  assert.match(await page.textContent('#correction-conflict'), /Hard conflict/);
  const refused = await Promise.all([page.waitForNavigation(), page.click('#correction-accept')]);
  assert.equal(refused[0].status(), 409);
  const notice = await page.textContent('#decision-notice');
  assert.match(notice, /hard conflict/);
  // Staff are told what to do with the page in front of them, not with CLI flags.
  assert.match(notice, /look at base, current and proposed values in the table below, then tick "I compared the values" and accept, or reject it/);
  assert.doesNotMatch(notice, /--confirm-conflict|mhero registry/);
  await page.check('#confirm-conflict');
  await Promise.all([page.waitForLoadState('load'), page.click('#correction-accept')]);
  assert.equal((await page.textContent('#correction-state')).trim(), 'accepted');

  await page.goto(`${base}/corrections/${ids.soft}`);
  assert.match(await page.textContent('#correction-conflict'), /Soft conflict/);
  await page.check('#confirm-conflict');
  await Promise.all([page.waitForLoadState('load'), page.click('#correction-accept')]);
  assert.equal((await page.textContent('#correction-state')).trim(), 'accepted');
  const hw4 = JSON.parse(await mheroOk(['registry', 'show', 'hw4', '--dir', central]));
  assert.equal(hw4.mobile, '+231779999994');
  assert.equal(hw4.status, 'inactive', 'the source\'s other change stays');
});

test('Two reviewers decide one correction at once: one decision, the other gets 409', async () => {
  await pages.ama.goto(`${base}/corrections/${ids.race}`);
  await pages.kofi.goto(`${base}/corrections/${ids.race}`);
  const [a, k] = await Promise.all([
    Promise.all([pages.ama.waitForNavigation(), pages.ama.click('#correction-accept')]),
    Promise.all([pages.kofi.waitForNavigation(), pages.kofi.click('#correction-accept')]),
  ]);
  const statuses = [a[0].status(), k[0].status()].sort();
  assert.deepEqual(statuses, [200, 409]);
  const loser = a[0].status() === 409 ? pages.ama : pages.kofi;
  await look(loser, 'correction-race-409');
  assert.match(await loser.textContent('#decision-notice'), /already decided by (ama|kofi)/);
  const decisions = JSON.parse(await mheroOk(['registry', 'corrections', 'list', '--dir', central, '--json']))
    .filter((c) => c.id === ids.race && c.decision);
  assert.equal(decisions.length, 1);
  const audit = await mheroOk(['log', 'show', '--dir', central]);
  assert.ok(audit.length > 0);
});

test('The next import with the old phone does not revert it: "source still differs"', async () => {
  const out = await importCsd(central, csd({ hw3Phone: '0775555553', hw4Status: 'Inactive' }), 'Providers-2.xml');
  assert.match(out, /source still differs: hw1/);
  const hw1 = JSON.parse(await mheroOk(['registry', 'show', 'hw1', '--dir', central]));
  assert.equal(hw1.mobile, '+231779999991');
  assert.equal(hw1.source_differs, true);
  const page = pages.ama;
  await page.goto(`${base}/registry/provider/hw1`);
  await look(page, 'provider-source-differs');
  assert.match(await page.textContent('#source-differs'), /Source still differs/);
  assert.match(await page.textContent('#provenance-chain'), new RegExp(`correction ${ids.phone} accepted by ama`));
  await page.goto(`${base}/corrections?state=accepted`);
  await look(page, 'corrections-accepted');
});

test('An operator proposes a correction from the provider record page; a bad phone is refused', async () => {
  const page = pages.ops;
  await page.goto(`${base}/registry/provider/hw2`);
  await page.fill('#c-phone', '12');
  await page.selectOption('#c-status', 'inactive');
  await page.fill('#c-cadre', 'CM');
  await page.fill('#c-note', 'called the clinic: "on leave" & new number');
  const [refused] = await Promise.all([page.waitForNavigation(), page.click('#correction-propose-submit')]);
  assert.equal(refused.status(), 400);
  // The record page again, the refusal above the form and the form holding what was typed.
  assert.match(await page.textContent('#proposal-refused'), /Not proposed: .*phone '12' is not a valid number/);
  assert.match(await page.textContent('#proposal-refused'), /still holds what you typed/);
  assert.equal(await page.inputValue('#c-phone'), '12');
  assert.equal(await page.inputValue('#c-status'), 'inactive');
  assert.equal(await page.inputValue('#c-cadre'), 'CM');
  assert.equal(await page.inputValue('#c-note'), 'called the clinic: "on leave" & new number');
  assert.equal(await page.inputValue('#c-facility'), '');
  assert.match(await page.textContent('#provider-record'), /hw2/);
  await look(page, 'provider-propose-refused');
  // Corrected in place, it is proposed: nothing typed twice.
  await page.fill('#c-phone', '');
  await page.selectOption('#c-status', '');
  await page.fill('#c-cadre', '');
  await page.fill('#c-note', 'called the clinic');
  // A refusal names the form's fields, not the CLI's flags.
  const [empty] = await Promise.all([page.waitForNavigation(), page.click('#correction-propose-submit')]);
  assert.equal(empty.status(), 400);
  assert.match(await page.textContent('main'),
    /fill at least one of New mobile number, New facility, Destination district, Status, Cadre/);
  assert.doesNotMatch(await page.textContent('main'), /--phone/);
  assert.equal(await page.inputValue('#c-note'), 'called the clinic');
  // Another worker's number is proposed but named, in case it is mistyped; proposing again
  // supersedes it.
  await page.goto(`${base}/registry/provider/hw2`);
  await page.fill('#c-phone', '0779999991');  // hw1's number since its correction was accepted above.
  await page.fill('#c-note', 'called the clinic');
  await Promise.all([page.waitForLoadState('load'), page.click('#correction-propose-submit')]);
  assert.match(await page.textContent('#proposal-shared-phone'),
    /\+231779999991 is also the number of Korto Flomo \(hw1, district D02\): they would share one SMS per message/);
  await page.goto(`${base}/registry/provider/hw2`);
  await look(page, 'provider-propose-form');
  await page.fill('#c-phone', '0886123452');
  await page.fill('#c-note', 'called the clinic: her new number');
  await Promise.all([page.waitForLoadState('load'), page.click('#correction-propose-submit')]);
  await look(page, 'correction-proposed');
  assert.equal(await page.locator('#proposal-shared-phone').count(), 0);
  const result = await page.textContent('#proposal-result');
  const id = result.match(/Proposed correction (\S+) \(phone\)/)[1];
  const listed = JSON.parse(await mheroOk(['registry', 'corrections', 'list', '--dir', central, '--json']))
    .find((c) => c.id === id);
  assert.equal(listed.proposer_user, 'ops');
  assert.deepEqual(listed.change.phone, ['+231886123452']);
});

test('A facility change is proposed by the facility\'s name and reviewed by it, not by its UUID', async () => {
  const page = pages.ops;
  await page.goto(`${base}/registry/provider/hw5`);
  const options = await page.$$eval('#c-facility option', (os) => os.map((o) => [o.value, o.textContent]));
  // Two clinics of one name in D02 are told apart by their entityIDs, here and on the review pages.
  assert.deepEqual(options, [['', 'unchanged'], [TOE_TOWN, 'Toe Town Health Centre'],
    ['F-D02', 'Zwedru Clinic (F-D02) — current'], ['F-D02B', 'Zwedru Clinic (F-D02B)']]);
  // A transfer out is typed, with the other districts held offered (here D03, not D02 itself).
  assert.deepEqual(await page.$$eval('#c-district-codes option', (os) => os.map((o) => o.value)), ['D03']);
  await page.selectOption('#c-facility', { label: 'Toe Town Health Centre' });
  await page.fill('#c-note', 'moved to Toe Town in March');
  await Promise.all([page.waitForLoadState('load'), page.click('#correction-propose-submit')]);
  const id = (await page.textContent('#proposal-result')).match(/Proposed correction (\S+) \(facility\)/)[1];
  await page.goto(`${base}/corrections`);
  const row = await page.textContent(`#corrections tr:has(a[href="/corrections/${id}"])`);
  assert.match(row, /facility Zwedru Clinic, D02 \(F-D02\) → Toe Town Health Centre, D02/);
  assert.doesNotMatch(row, /urn:uuid/);
  await page.goto(`${base}/corrections/${id}`);
  await look(page, 'correction-facility');
  const compare = await page.textContent('#correction-compare');
  assert.match(compare, /Zwedru Clinic, D02 \(F-D02\)/);
  assert.match(compare, /Toe Town Health Centre, D02/);
  // A move between the two same-named clinics reads as one, not as "Zwedru Clinic → Zwedru Clinic".
  await page.goto(`${base}/registry/provider/hw4`);
  await page.selectOption('#c-facility', 'F-D02B');
  await page.fill('#c-note', 'the other Zwedru clinic');
  await Promise.all([page.waitForLoadState('load'), page.click('#correction-propose-submit')]);
  const twin = (await page.textContent('#proposal-result')).match(/Proposed correction (\S+) \(facility\)/)[1];
  await page.goto(`${base}/corrections/${twin}`);
  const twinCompare = await page.textContent('#correction-compare');
  assert.match(twinCompare, /Zwedru Clinic, D02 \(F-D02\)/);
  assert.match(twinCompare, /Zwedru Clinic, D02 \(F-D02B\)/);
  const listed = JSON.parse(await mheroOk(['registry', 'corrections', 'list', '--dir', central, '--json']))
    .find((c) => c.id === id);
  assert.equal(listed.change.facility, TOE_TOWN);
});

test('The CSD export of accepted corrections is read back by our own CSD parser', async () => {
  const xml = join(root, 'accepted.xml');
  const csv = join(root, 'accepted.csv');
  await mheroOk(['registry', 'corrections', 'export', '--dir', central, '--accepted', '--since', '2020-01-01',
    '--csd', xml, '--csv', csv]);
  const fresh = join(root, 'fresh');
  await mheroOk(['init', '--dir', fresh, '--role', 'central']);
  const imported = await mheroOk(['registry', 'import-csd', '--dir', fresh, xml]);
  assert.match(imported, /parsed 4 providers/);
  const hw1 = JSON.parse(await mheroOk(['registry', 'show', 'hw1', '--dir', fresh]));
  assert.equal(hw1.mobile, '+231779999991');
});

test('Bulk accept takes exactly the corrections shown: one decided since refuses the lot, one proposed since is left', async () => {
  const page = pages.kofi;
  const first = await propose('hw2', ['--cadre', 'CHW', '--note', 'trained as a CHW']);
  const second = await propose('hw1', ['--cadre', 'MIDWIFE', '--note', 'now a midwife']);
  await sync();
  // Cadre changes only (the form carries the filter): other open corrections of these records,
  // accepted in the same press, would make these conflict.
  await page.goto(`${base}/corrections?state=proposed&kind=cadre`);
  const shown = async () => (await page.inputValue('#corrections-bulk input[name=ids]')).split(' ');
  assert.ok((await shown()).includes(first) && (await shown()).includes(second));
  // Another reviewer decides one of them on the command line while this page is open.
  await mheroOk(['registry', 'corrections', 'decide', second, '--reject', '--comment', 'not confirmed',
    '--reviewer', 'ama', '--dir', central]);
  await Promise.all([page.waitForLoadState('load'), page.click('#corrections-bulk-accept')]);
  const refused = await page.textContent('main');
  assert.match(refused, /The queue changed/);
  assert.match(refused, new RegExp(`1 correction you were shown was decided, or now conflict, since the page was drawn \\(${second}\\)\\. Nothing was accepted\\.`));
  assert.equal((await centralCorrection(first)).state, 'proposed');
  // Drawn again; then a district proposes one more before the reviewer presses Accept.
  await page.goto(`${base}/corrections?state=proposed&kind=cadre`);
  const onPage = await shown();
  assert.ok(onPage.includes(first) && !onPage.includes(second));
  const later = await propose('hw5', ['--cadre', 'CHW', '--note', 'trained as a CHW']);
  await sync();
  await Promise.all([page.waitForLoadState('load'), page.click('#corrections-bulk-accept')]);
  assert.match(await page.textContent('#bulk-result'), new RegExp(`Accepted ${onPage.length} of ${onPage.length} correction`));
  assert.equal((await centralCorrection(first)).state, 'accepted');
  assert.equal((await centralCorrection(later)).state, 'proposed', 'never accepted unseen');
});

test('At a phone\'s width (360 px) no page is wider than the screen', async () => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.fill('#user', 'ama');
  await page.fill('#password', 'reviewer-pass-0123');
  await Promise.all([page.waitForLoadState('load'), page.click('#login-submit')]);
  const paths = ['/', '/districts', '/districts/D02', '/alarms', '/messages', '/responses', '/registry',
    '/registry/provider/hw1', '/corrections', `/corrections/${ids.phone}`, '/audit'];
  for (const path of paths) {
    await page.goto(`${base}${path}`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    const wide = await page.evaluate(() => [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > 360 || e.scrollWidth > 360)
      .map((e) => `${e.tagName}#${e.id}.${e.className}:${Math.round(e.getBoundingClientRect().right)}/${e.scrollWidth}`).slice(0, 30));
    assert.ok(width <= 360, `${path} is ${width} px wide on a 360 px screen: ${wide.join(' ')}`);
  }
  await page.goto(`${base}/registry/provider/hw1`);
  await look(page, 'phone-provider');
  await page.goto(`${base}/districts/D02`);
  await look(page, 'phone-district');
  await context.close();
});
