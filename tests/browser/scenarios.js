'use strict';
// Browser scenarios against the real stack (scripts/demo-stack --check runs this with the
// stack up): Debian's chromium, headless, driven by playwright-core; the pages are
// deploy/web/ served through the nginx edge. Each scenario asserts and counts; the process
// exits 1 if any fails. Usage: node scenarios.js [scenario...] (default: all).
//
// Environment (set by scripts/demo-stack): AMO_EDGE_URL, AMO_ARTIFACTS_DIR, AMO_LOG_DIR,
// AMO_MOSQUITTO_LOG.

const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const EDGE = process.env.AMO_EDGE_URL;
const ARTIFACTS = process.env.AMO_ARTIFACTS_DIR || '.';
const CHROMIUM = process.env.AMO_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

const secrets = new Set();     // every portal session and connect token the pages received
const cspViolations = [];
const results = [];

// ---- helpers -------------------------------------------------------------------------------
class Failure extends Error {}
function check(cond, what) {
  if (!cond) throw new Failure(what);
}
function eq(actual, expected, what) {
  check(JSON.stringify(actual) === JSON.stringify(expected),
    `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what, fn, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) throw new Failure(`timed out (${timeoutMs} ms) waiting for ${what}`);
    await sleep(50);
  }
}

async function backend(p, body) {
  const r = await fetch(EDGE + p, body === undefined ? {} : {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  const data = await r.json();
  if (r.status !== 200) throw new Failure(`${p}: ${r.status} ${JSON.stringify(data)}`);
  return data;
}

const emit = async (amo, target, kind, payload, count = 1) =>
  (await backend('/demo/emit', { amo, target, kind, payload, count })).ids;
const note = (amo, target, title, count = 1) =>
  emit(amo, target, 'notification', { title, body: 'from the browser test', level: 'info' }, count);

async function waitPublished() {
  await waitFor('the relay to publish every outbox row', async () => (await backend('/demo/control/outbox')).unpublished === 0);
}

// A fresh browser context per user (its own cookies and storage), the page watched for
// credentials (for the log scan) and CSP violations.
async function openPage(browser, pageName, who, beforeLoad) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('response', async (r) => {
    const u = new URL(r.url());
    if ((u.pathname === '/api/realtime/token' || u.pathname === '/demo/session') && r.status() === 200) {
      try {
        const j = await r.json();
        if (j.token) secrets.add(j.token);
        if (j.session) secrets.add(j.session);
      } catch (_) { /* cookie answer */ }
      const cookie = (await r.allHeaders())['set-cookie'];
      if (cookie) secrets.add(cookie.split(';')[0].split('=')[1]);
    }
  });
  page.on('console', (m) => { if (m.type() === 'error') console.log(`  [${who} console] ${m.text()}`); });
  page.on('pageerror', (e) => console.log(`  [${who} page error] ${e.message}`));
  if (beforeLoad) beforeLoad(page);
  await page.goto(`${EDGE}/${pageName}?user=${encodeURIComponent(who)}`);
  return { context, page, who };
}

async function openDemo(browser, who) {
  const p = await openPage(browser, '', who);
  await waitFor(`${who}: connected and history replayed`, () =>
    p.page.evaluate(() => window.amoDemo && amoDemo.conn === 'connected' && amoDemo.stats.replays.length > 0 && !amoDemo.replaying));
  return p;
}

const stats = (p) => p.page.evaluate(() => amoDemo.stats);
const seenVia = (p, id) => p.page.evaluate((i) => amoDemo.seenVia(i), id);

async function closePage(p) {
  const v = await p.page.evaluate(() => (window.amoDemo || window.amoSse).cspViolations.slice());
  for (const x of v) cspViolations.push(`${p.who}: ${x}`);
  await p.context.close();
}

// ---- scenarios -----------------------------------------------------------------------------
const scenarios = {
  // Through the edge: a token from /api/realtime/token, mqtt.js over ws://<edge>/mqtt, and
  // the events the backend inserts with realtime_emit arrive live, once each.
  async edge_events(browser) {
    const ws = [];
    const a = await openPage(browser, '', 'AMO1:alice', (page) => page.on('websocket', (w) => ws.push(w.url())));
    await waitFor('alice connected', () => a.page.evaluate(() => window.amoDemo && amoDemo.conn === 'connected' && !amoDemo.replaying));
    check(ws.length >= 1, 'the page opened a WebSocket');
    for (const u of ws) eq(u, `${EDGE.replace('http', 'ws')}/mqtt`, 'the page\'s WebSocket goes to the edge');
    const ids = [
      ...(await note('AMO1', 'user/alice', 'for alice')),
      ...(await emit('AMO1', 'thread/WO-1042', 'entity.changed', { entity: 'work_order', entity_id: 'WO-1042', action: 'updated' })),
      ...(await note('AMO1', 'broadcast', 'for the tenant')),
    ];
    await waitFor('3 live events', async () => (await stats(a)).live === 3);
    for (const id of ids) eq(await seenVia(a, id), 'live', `event ${id}`);
    const st = await stats(a);
    eq(ids.map((id) => st.arrivals[id]), [1, 1, 1], 'arrivals per event');
    eq(await a.page.locator('#events li[data-via="live"]').count(), 3, 'live events listed on the page');
    await closePage(a);
    return { live_events: st.live, duplicates: st.duplicates };
  },

  // Alice's chat arrives exactly once on bob's page (another browser context), alice's copy
  // leaves "pending"; bob sees alice typing. Screenshots of both pages mid-chat.
  async chat(browser) {
    const alice = await openDemo(browser, 'AMO1:alice');
    const bob = await openDemo(browser, 'AMO1:bob');
    // Something in the events panels too, for the screenshots.
    await emit('AMO1', 'thread/WO-1042', 'entity.changed', { entity: 'work_order', entity_id: 'WO-1042', action: 'updated' });
    await note('AMO1', 'broadcast', 'Hangar 2 closed for de-icing');
    await waitFor('the events on both pages', async () => (await stats(alice)).live >= 2 && (await stats(bob)).live >= 2);
    await alice.page.locator('#chat-input').pressSequentially('Torque', { delay: 20 });
    await waitFor('bob sees alice typing', async () => (await bob.page.locator('#typing').textContent()).includes('alice is typing'));
    await alice.page.locator('#chat-input').pressSequentially(' check on WO-1042 done', { delay: 5 });
    await alice.page.locator('#chat-input').press('Enter');
    const cmid = await waitFor('alice\'s pending message', () => alice.page.evaluate(() =>
      document.querySelector('#chat li.msg.mine')?.dataset.cmid));
    await waitFor('alice\'s message delivered', () => alice.page.evaluate((c) =>
      !amoDemo.pending.includes(c) && document.querySelector(`#chat li[data-cmid="${c}"]`)?.dataset.state === 'delivered', cmid));
    await waitFor('the message on bob\'s page', async () => (await bob.page.locator(`#chat li[data-cmid="${cmid}"]`).count()) > 0);
    await bob.page.locator('#chat-input').pressSequentially('Thanks, signing the task card', { delay: 5 });
    await bob.page.locator('#chat-input').press('Enter');
    await waitFor('bob\'s reply on alice\'s page', async () => (await alice.page.locator('#chat li.theirs').count()) === 1);
    await bob.page.locator('#chat-input').pressSequentially('Anything else?', { delay: 20 });
    await waitFor('alice sees bob typing', async () => (await alice.page.locator('#typing').textContent()).includes('bob is typing'));
    await alice.page.screenshot({ path: path.join(ARTIFACTS, 'demo-alice-mid-chat.png'), fullPage: true });
    await bob.page.screenshot({ path: path.join(ARTIFACTS, 'demo-bob-mid-chat.png'), fullPage: true });
    await sleep(1500);  // room for a late duplicate to show up
    const onBob = await bob.page.locator(`#chat li[data-cmid="${cmid}"]`).count();
    const bs = await stats(bob);
    const seq = await bob.page.evaluate((c) => document.querySelector(`#chat li[data-cmid="${c}"]`)?.dataset.seq, cmid);
    eq(onBob, 1, 'alice\'s message rows on bob\'s page');
    const arrivals = Object.values(bs.arrivals);
    eq(bs.duplicates, 0, 'duplicates dropped on bob\'s page');
    check(arrivals.every((n) => n === 1), `every envelope arrived once at bob: ${JSON.stringify(bs.arrivals)}`);
    const as = await stats(alice);
    await closePage(alice);
    await closePage(bob);
    return { message_rows_at_bob: onBob, seq: Number(seq), alice_resends: as.resends, bob_envelopes: arrivals.length };
  },

  // The broker restarts while the page cannot reach it (offline); the relay publishes the
  // events inserted meanwhile to nobody; back online, the page reconnects and gets exactly
  // those by MQTT replay, marked as replayed.
  async broker_restart_replay(browser) {
    const a = await openDemo(browser, 'AMO1:alice');
    const before = await note('AMO1', 'user/alice', 'before the restart');
    await waitFor('the first event live', async () => (await seenVia(a, before[0])) === 'live');
    const cursor = await a.page.evaluate(() => amoDemo.cursor);
    await a.context.setOffline(true);
    await backend('/demo/control/mosquitto/stop', {});
    await waitFor('the page to see the broker gone', () => a.page.evaluate(() => amoDemo.conn !== 'connected'));
    const missed = [
      ...(await note('AMO1', 'user/alice', 'missed (user)', 2)),
      ...(await emit('AMO1', 'thread/WO-1042', 'entity.changed', { entity: 'work_order', entity_id: 'WO-1042', action: 'updated' })),
      ...(await note('AMO1', 'broadcast', 'missed (broadcast)', 2)),
    ];
    await backend('/demo/control/mosquitto/start', {});
    await waitPublished();  // published live while the page was away: only a replay brings them back
    await sleep(500);
    await a.context.setOffline(false);
    await waitFor('the page reconnected and replayed', () => a.page.evaluate(() =>
      amoDemo.connects >= 2 && amoDemo.stats.replays.some((r) => r.mode === 'replayed') && !amoDemo.replaying), 30000);
    const st = await stats(a);
    const replay = st.replays.filter((r) => r.mode === 'replayed');
    eq(replay[0].after, cursor, 'the replay started after the last seq seen');
    const replayedIds = await a.page.evaluate(() => [...document.querySelectorAll('[data-via="replayed"]')].map((e) => `${e.dataset.kind || 'chat'}:${e.dataset.id || e.dataset.cmid}`));
    eq(replay.reduce((n, r) => n + r.count, 0), missed.length, `events replayed (${JSON.stringify(replay)}; ${replayedIds}; missed ${missed})`);
    for (const id of missed) eq(await seenVia(a, id), 'replayed', `missed event ${id}`);
    eq(missed.map((id) => st.arrivals[id]), missed.map(() => 1), 'arrivals of the missed events');
    eq(await a.page.locator('#events li[data-via="replayed"]').count(), missed.length, 'events marked replayed on the page');
    // Live again after the reconnect.
    const after = await note('AMO1', 'user/alice', 'after the restart');
    await waitFor('a live event after the reconnect', async () => (await seenVia(a, after[0])) === 'live');
    await a.page.screenshot({ path: path.join(ARTIFACTS, 'demo-replayed-after-broker-restart.png'), fullPage: true });
    await closePage(a);
    return { missed: missed.length, replayed: replay.reduce((n, r) => n + r.count, 0), reconnects: st.connectedAt.length - 1 };
  },

  // EventSource on /api/events (cookie session) resumes after a relay restart: the browser's
  // reconnect carries Last-Event-ID and the events inserted while the relay was down arrive
  // with no gap, no repeat and no reset.
  async sse_resume(browser) {
    const requests = [];
    const p = await openPage(browser, 'sse.html', 'AMO1:alice', (page) => page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/events') {
        const entry = { url: r.url(), lastEventId: null };
        requests.push(entry);
        r.allHeaders().then((h) => { entry.lastEventId = h['last-event-id'] || null; });
      }
    }));
    await waitFor('the stream open', () => p.page.evaluate(() => amoSse.state === 'connected'));
    const first = await note('AMO1', 'user/alice', 'sse before', 2);
    await waitFor('2 events on the stream', async () => (await p.page.evaluate(() => amoSse.events.length)) === 2);
    const lastBefore = await p.page.evaluate(() => amoSse.lastId);
    await backend('/demo/control/relay/stop', {});
    const missed = await note('AMO1', 'user/alice', 'sse while the relay was down', 3);
    await backend('/demo/control/relay/start', {});
    await waitFor('5 events on the stream', async () => (await p.page.evaluate(() => amoSse.events.length)) >= 5, 30000);
    await sleep(1000);
    const ev = await p.page.evaluate(() => amoSse.events);
    const seqs = ev.map((e) => e.seq);
    eq(ev.map((e) => e.id), [...first, ...missed], 'events on the stream, in order, once each');
    for (let i = 1; i < seqs.length; i++) eq(seqs[i], seqs[i - 1] + 1, `seq after ${seqs[i - 1]}`);
    eq(await p.page.evaluate(() => amoSse.resets.length), 0, 'reset frames');
    const resumed = requests.slice(1);
    check(resumed.length >= 1, 'the page reconnected');
    const viaHeader = resumed.find((r) => r.lastEventId === lastBefore);
    const viaQuery = resumed.find((r) => r.url.includes(`last_event_id=${lastBefore}`));
    check(viaHeader || viaQuery, `a reconnect resumed from ${lastBefore}: ${JSON.stringify(resumed)}`);
    const r = { events: ev.length, resumed_from: Number(lastBefore), resumed_by: viaHeader ? 'Last-Event-ID header' : '?last_event_id=' };
    await closePage(p);
    return r;
  },

  // Tenant A's page never sees tenant B's events, and its subscriptions outside its scope are
  // refused (SUBACK 0x87) while its session stays up.
  async tenant_isolation(browser) {
    const alice = await openDemo(browser, 'AMO1:alice');
    const dave = await openDemo(browser, 'AMO2:dave');
    const refused = {};
    for (const f of ['amo/AMO2/broadcast/#', 'amo/AMO2/thread/WO-7/#', 'amo/+/broadcast/#', 'amo/AMO1/user/bob/#', '#'])
      refused[f] = await alice.page.evaluate((x) => amoDemo.trySubscribe(x), f);
    const panel = await alice.page.locator('#backend-log').textContent();
    for (const [f, code] of Object.entries(refused)) check(code >= 128, `SUBSCRIBE ${f} refused (got ${code}; ${panel})`);
    eq(await alice.page.evaluate(() => amoDemo.conn), 'connected', 'alice still connected after the refusals');
    const b = [
      ...(await note('AMO2', 'broadcast', 'AMO2 only', 2)),
      ...(await note('AMO2', 'user/dave', 'dave only')),
      ...(await emit('AMO2', 'thread/WO-7', 'entity.changed', { entity: 'work_order', entity_id: 'WO-7', action: 'created' })),
    ];
    const a = await note('AMO1', 'broadcast', 'AMO1 only');
    await waitFor('dave has the AMO2 events', async () => (await stats(dave)).live === b.length);
    await waitFor('alice has the AMO1 event', async () => (await seenVia(alice, a[0])) === 'live');
    await waitPublished();
    await sleep(1000);
    const as = await stats(alice);
    const leaked = b.filter((id) => as.arrivals[id]);
    eq(leaked, [], 'AMO2 events on alice\'s page');
    eq(await seenVia(dave, a[0]), null, 'the AMO1 event on dave\'s page');
    const r = { refused: Object.keys(refused).length, suback_codes: Object.values(refused), amo2_events: b.length, leaked: leaked.length };
    await closePage(alice);
    await closePage(dave);
    return r;
  },

  // The portal revokes carol (realtime_users.token_revoked_at): her page's MQTT session is
  // closed by the broker within 1 s of the commit, and it cannot get a new token.
  async revocation(browser) {
    const c = await openDemo(browser, 'AMO1:carol');
    const { revoked_at_ms: revokedAt } = await backend('/demo/revoke', { amo: 'AMO1', user: 'carol' });
    const closedAt = await waitFor('carol\'s session closed', async () => (await stats(c)).closedAt[0], 10000);
    const latency = closedAt - revokedAt;
    console.log(`  revocation: UPDATE committed → page saw its MQTT session closed in ${latency} ms`);
    check(latency <= 1000, `closed within 1 s of the revocation (took ${latency} ms)`);
    await waitFor('the page to show the session closed', () => c.page.evaluate(() => amoDemo.conn === 'closed'));
    const st = await stats(c);
    check(/403/.test(st.sessionClosed.reason), `a new token is refused: ${st.sessionClosed.reason}`);
    eq(st.connectedAt.length, 1, 'connections (none after the revocation)');
    await c.page.screenshot({ path: path.join(ARTIFACTS, 'demo-revoked.png'), fullPage: true });
    await closePage(c);
    return { latency_ms: latency };
  },
};

// What every run checks at the end: no credential a page held is in any log, no page hit the CSP.
function scanLogs() {
  const files = [];
  const walk = (d) => {
    for (const f of fs.readdirSync(d)) {
      const p = path.join(d, f);
      if (fs.statSync(p).isDirectory()) walk(p); else files.push(p);
    }
  };
  walk(process.env.AMO_LOG_DIR);
  if (process.env.AMO_MOSQUITTO_LOG) files.push(process.env.AMO_MOSQUITTO_LOG);
  const found = [];
  for (const f of files) {
    const text = fs.readFileSync(f, 'latin1');
    for (const s of secrets) if (s && text.includes(s)) found.push(path.basename(f));
  }
  return { files: files.length, secrets: secrets.size, found };
}

async function main() {
  const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(scenarios);
  for (const n of names) if (!scenarios[n]) { console.error(`unknown scenario ${n}; known: ${Object.keys(scenarios).join(' ')}`); process.exit(2); }
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  let failed = 0;
  try {
    for (const n of names) {
      const t0 = Date.now();
      try {
        const out = await scenarios[n](browser);
        results.push({ scenario: n, ok: true, ms: Date.now() - t0, ...out });
        console.log(`PASS ${n} (${Date.now() - t0} ms) ${JSON.stringify(out)}`);
      } catch (e) {
        failed += 1;
        results.push({ scenario: n, ok: false, ms: Date.now() - t0, error: e.message });
        console.log(`FAIL ${n}: ${e instanceof Failure ? e.message : e.stack}`);
      }
    }
  } finally {
    await browser.close();
  }
  const scan = scanLogs();
  const scanOk = scan.secrets > 0 && scan.found.length === 0;
  console.log(`${scanOk ? 'PASS' : 'FAIL'} no credential in the logs (${scan.secrets} credentials, ${scan.files} log files${scan.found.length ? `; found in ${scan.found.join(', ')}` : ''})`);
  const cspOk = cspViolations.length === 0;
  console.log(`${cspOk ? 'PASS' : 'FAIL'} no CSP violation on the pages${cspOk ? '' : `: ${cspViolations.join('; ')}`}`);
  if (!scanOk) failed += 1;
  if (!cspOk) failed += 1;
  fs.writeFileSync(path.join(ARTIFACTS, `results-${names.join('+')}.json`),
    JSON.stringify({ results, log_scan: scan, csp_violations: cspViolations }, null, 2));
  console.log(`${failed ? 'FAILED' : 'OK'}: ${names.length} scenario(s), artifacts in ${ARTIFACTS}`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => { console.error(e); process.exit(1); });
