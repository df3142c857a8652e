// Health workers' own answers propose registry corrections, end to end in a real browser: a
// central node (`mhero run`) with `[validation] flows` sends a validation flow through the RapidPro
// emulator program (tools/rapidpro-emulator), whose simulated workers answer `phone_changed` and
// `new_phone` (one with a number that is no number); the response poller turns the answers into
// corrections marked as the worker's own, and the bad one into a refused answer with its reason.
// A reviewer bulk-accepts the queue through the page (the count first), the queue empties, the
// audit log has one line per acceptance, and targeting uses the new number.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  freePort, launchBrowser, look, mhero, mheroOk, removeRoot, setConfig, startDaemon, stopDaemon, tempRoot,
} from './fixture.mjs';

const EMULATOR = process.env.RAPIDPRO_EMULATOR_BIN;
if (!EMULATOR) throw new Error('RAPIDPRO_EMULATOR_BIN is not set: run these tests with `meson test -C build browser`');
const FLOW = '99999999-2222-4333-8444-555555555555';
const TOKEN = 'validation-token';

let root; let central; let daemon; let emulator; let emulatorUrl; let browser; let base; let page;

const provider = (id, name, phone) => `
    <provider entityID="${id}"><codedType code="NURSE" codingScheme="urn:mhero:cadre"/>
      <demographic><name><commonName>${name}</commonName></name>
        <contactPoint><codedType code="BP">${phone}</codedType></contactPoint></demographic>
      <facilities><facility entityID="F-D02"/></facilities>
      <record updated="2026-01-01T00:00:00+00:00" status="Active"/></provider>`;

const CSD = `<?xml version="1.0" encoding="UTF-8"?>
<CSD xmlns="urn:ihe:iti:csd:2013"><organizationDirectory/><serviceDirectory/>
  <facilityDirectory>
    <facility entityID="F-D02"><otherID assigningAuthorityName="urn:mhero:district" code="D02"/>
      <primaryName>Zwedru Clinic</primaryName><record updated="2026-01-01T00:00:00+00:00" status="Active"/></facility>
  </facilityDirectory>
  <providerDirectory>${provider('hw1', 'Korto Flomo', '0770000001')}${provider('hw2', 'Musu Kollie', '0770000002')}
    ${provider('hw3', 'Sam Doe', '0770000003')}${provider('hw4', 'Ama Toe', '0770000004')}
  </providerDirectory></CSD>`;

async function startEmulator(port) {
  const child = spawn(EMULATOR, ['--port', String(port), '--token', TOKEN, '--flow', `${FLOW}=Validate your details`,
    '--answer', 'phone_changed=no', '--answer-delay-ms', '0',
    '--answer-as', 'tel:+231770000001 phone_changed=yes', '--answer-as', 'tel:+231770000001 new_phone=0779999991',
    '--answer-as', 'tel:+231770000002 phone_changed=Yes', '--answer-as', 'tel:+231770000002 new_phone=+231 88 612 3452',
    '--answer-as', 'tel:+231770000003 phone_changed=yes', '--answer-as', 'tel:+231770000003 new_phone=12'],
  { stdio: ['ignore', 'pipe', 'pipe'] });
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

const corrections = async () => JSON.parse(await mheroOk(['registry', 'corrections', 'list', '--dir', central, '--json']));

/** Waits (the node's messaging task runs every 300 ms) until `done()` resolves truthy. */
async function until(done, what) {
  for (let i = 0; i < 200; i++) {
    if (await done()) return;
    await new Promise((ok) => setTimeout(ok, 150));
  }
  throw new Error(`timed out waiting for ${what}`);
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
  setConfig(central, 'rapidpro', 'url', `"${emulatorUrl}"`);
  setConfig(central, 'rapidpro', 'token', `"${TOKEN}"`);
  setConfig(central, 'rapidpro', 'poll_interval_ms', '300');
  setConfig(central, 'rapidpro', 'max_attempts_count', '1');
  setConfig(central, 'validation', 'flows', '["Validate your details"]');
  base = `http://127.0.0.1:${consolePort}`;
  writeFileSync(join(root, 'hw.xml'), CSD);
  await mheroOk(['registry', 'import-csd', '--dir', central, join(root, 'hw.xml')]);
  writeFileSync(join(root, 'pw'), 'reviewer-pass-0123\n', { mode: 0o600 });
  await mheroOk(['console', 'user', 'add', 'ama', '--role', 'reviewer', '--password-file', join(root, 'pw'), '--dir', central]);
  // A staff correction beside the workers' own: the bulk accept takes both kinds.
  await mheroOk(['registry', 'correct', 'hw4', '--status', 'inactive', '--note', 'on study leave', '--user', 'musu',
    '--dir', central]);
  daemon = await startDaemon(central, 'central-validation', ['--console-plain-http']);
  await mheroOk(['send', '--dir', central, '--flow', FLOW, '--district', 'D02', '--yes']);

  browser = await launchBrowser();
  page = await browser.newPage();
  await page.goto(`${base}/login`);
  await page.fill('#user', 'ama');
  await page.fill('#password', 'reviewer-pass-0123');
  await Promise.all([page.waitForLoadState('load'), page.click('#login-submit')]);
});

after(async () => {
  await browser?.close();
  await stopDaemon(daemon);
  await stopEmulator();
  removeRoot(root);
});

test('The workers\' answers become corrections marked as their own; a bad number is refused with why', async () => {
  await until(async () => (await corrections()).filter((c) => c.by_worker).length === 2, 'two worker corrections');
  const mine = (await corrections()).filter((c) => c.by_worker);
  const hw1 = mine.find((c) => c.entity_id === 'hw1');
  assert.deepEqual(hw1.change.phone, ['+231779999991']);
  assert.match(hw1.proposer_user, /^rapidpro run [0-9a-f-]{36}$/);
  assert.equal(hw1.state, 'proposed');
  assert.deepEqual(mine.find((c) => c.entity_id === 'hw2').change.phone, ['+231886123452']);
  const listed = await mheroOk(['registry', 'corrections', 'list', '--dir', central]);
  assert.match(listed, /\tproposed\thw1\tD02\tphone\tphone=\+231779999991\tproposed by the health worker \(rapidpro run /);
  await until(async () => /hw3/.test(await mheroOk(['registry', 'corrections', 'list', '--refused', '--dir', central])),
    'the refused answer');
  const refused = await mheroOk(['registry', 'corrections', 'list', '--refused', '--dir', central]);
  assert.match(refused, /refused\thw3\tD02\tValidate your details\tanswer: .*new_phone=12.*reason: phone '12' is not a valid number/);
  assert.doesNotMatch(refused, /hw4/, 'a "no" is not refused: it proposes nothing');

  await page.goto(`${base}/corrections`);
  await look(page, 'corrections-validation');
  assert.equal(await page.locator('#corrections tbody tr').count(), 3);
  assert.match(await page.textContent(`#corrections tbody tr:has-text("${hw1.id}")`),
    /the health worker \(own answer, RapidPro run [0-9a-f]{8}…\), via the central node/);
  assert.match(await page.textContent('#refused'), /hw3[\s\S]*new_phone=12[\s\S]*phone '12' is not a valid number/);
});

test('Bulk accept through the page: the count first, then every one accepted, audited, and targeted', async () => {
  await page.goto(`${base}/corrections`);
  assert.match(await page.textContent('#corrections-bulk-count'), /3 of the 3 open corrections shown have no conflict/);
  assert.match(await page.textContent('#corrections-bulk-accept'), /Accept these 3 corrections/);
  await Promise.all([page.waitForLoadState('load'), page.click('#corrections-bulk-accept')]);
  await look(page, 'corrections-bulk-accepted');
  assert.match(await page.textContent('#bulk-result'), /Accepted 3 of 3 corrections\./);
  await page.goto(`${base}/corrections`);
  assert.equal(await page.locator('#corrections-empty').count(), 1, 'the queue is empty');
  assert.equal(await page.locator('#corrections-bulk-accept').count(), 0);
  await page.goto(`${base}/audit`);
  const audit = await page.textContent('#audit-log');
  assert.equal((audit.match(/ok \(bulk\)/g) || []).length, 3, audit);
  assert.equal((await corrections()).filter((c) => c.state === 'accepted').length, 3);

  // Targeting uses the worker's new number at once.
  const hw1 = JSON.parse(await mheroOk(['registry', 'show', 'hw1', '--dir', central, '--provenance']));
  assert.equal(hw1.mobile, '+231779999991');
  assert.match(hw1.provenance.map((s) => s.text).join('\n'), /on the health worker's behalf/);
  await mheroOk(['send', '--dir', central, '--text', 'Supervision visit on Friday', '--entity', 'hw1', '--yes']);
  await until(async () => {
    const d = await (await fetch(`${emulatorUrl}/emulator/deliveries.json`)).json();
    return (d.by_urn['tel:+231779999991'] || 0) >= 1;
  }, 'the SMS to the new number');
  const d = await (await fetch(`${emulatorUrl}/emulator/deliveries.json`)).json();
  assert.equal(d.by_urn['tel:+231770000001'], 1, 'the old number got only the validation flow');

  // Where each answer came from: the RapidPro run, the entry, and that it was written here.
  const answers = JSON.parse(await mheroOk(['responses', 'list', '--dir', central, '--json', '--provenance']));
  const fromHw1 = answers.find((a) => a.entity_id === 'hw1');
  const chain = fromHw1.provenance.map((s) => `${s.step}: ${s.text}`).join('\n');
  assert.match(chain, /arrival: written on this node/);
  assert.match(chain, /entry: carried by response entry .*district\/D02 seq \d+, written by node [0-9a-f]{8} when it polled RapidPro/);
  assert.match(chain, /proposal: proposed correction \S+ \(phone\) on the health worker's behalf .*now accepted/);
  assert.match(chain, new RegExp(`source: answered by health worker hw1 in RapidPro run ${fromHw1.source_id.slice(4)}`));
  // The same chain as text, under each answer; and never in CSV (a usage error, nothing printed).
  const text = await mheroOk(['responses', 'list', '--dir', central, '--provenance', '--district', 'D02']);
  assert.match(text, /D02 {2}hw1 {2}.*new_phone=0779999991.*\n {4}arrival: written on this node\n {4}entry: .*\n {4}proposal: /);
  const csv = await mhero(['responses', 'list', '--dir', central, '--provenance', '--csv']);
  assert.notEqual(csv.code, 0);
  assert.match(csv.out, /--csv excludes --provenance/);
});
