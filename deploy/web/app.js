'use strict';
// The demo page: a portal user's live view over MQTT-over-WebSocket (mqtt.js, MQTT v5).
// Contract: DESIGN.md §4 (envelopes), §6 (MQTT replay), §7 (tokens, the resend rule in
// docs/chat-delivery.md). `window.amoDemo` exposes counters for the browser tests.

(() => {
  const { uuid, postJson, userFromUrl, users, el, cspViolations } = amoCommon;
  const $ = (id) => document.getElementById(id);

  const RESEND_MS = 5000;        // first resend of a pending chat (doubles up to 30 s)
  const RECONNECT_MS = 1000;     // like mqtt.js' default reconnectPeriod
  const REPLAY_PAGE = 500;       // the relay answers at most this many per request

  const s = {
    amo: null, user: null, session: null,
    token: null, tokenExp: 0, clientId: null, brokerUrl: null, topics: null, threads: [],
    client: null, conn: 'idle', stopped: false, connects: 0, reconnectTimer: null,
    cursor: 0,                      // highest seq seen: where a replay starts
    seen: new Map(),                // envelope id -> how it first arrived (live | history | replayed)
    replay: null,                   // {corr, mode, count} of the request in flight
    pending: new Map(),             // client_msg_id -> {thread, text, sentAt, wait, tries}
    chats: new Map(),               // thread -> [entries]
    thread: null,
    typingSentAt: 0, typingStopTimer: null, typers: new Map(),
    stats: { live: 0, history: 0, replayed: 0, duplicates: 0, resends: 0, replays: [], arrivals: {},
             connectedAt: [], closedAt: [], closeReasons: [], sessionClosed: null, subacks: [] },
  };

  // ---- connection state --------------------------------------------------------------------
  function setConn(state, text) {
    s.conn = state;
    const c = $('conn');
    c.className = `conn conn-${state}`;
    c.dataset.state = state;
    c.textContent = text || state;
    const live = state === 'connected';
    for (const id of ['chat-input', 'chat-send', 'cross-tenant']) $(id).disabled = !live;
    for (const id of ['emit-user', 'emit-thread', 'emit-broadcast', 'revoke']) $(id).disabled = !s.session;
  }

  function backendLog(text, cls) {
    $('backend-log').prepend(el('li', { class: cls || '' }, `${new Date().toLocaleTimeString()} ${text}`));
  }

  // ---- sign in, token ----------------------------------------------------------------------
  async function signIn(amo, user) {
    stop();
    Object.assign(s, { amo, user, stopped: false, token: null, cursor: 0, connects: 0 });
    s.seen.clear(); s.pending.clear(); s.chats.clear();
    $('events').replaceChildren(); $('chat').replaceChildren();
    const r = await postJson('/demo/session', { amo, user });
    if (r.status !== 200) { setConn('error', `sign-in failed (${r.status})`); return; }
    s.session = r.data.session;
    $('identity').textContent = `${user} @ ${amo}`;
    document.title = `${user} · amo-realtime demo`;
    $('sse-link').href = `sse.html?user=${encodeURIComponent(`${amo}:${user}`)}`;
    connect();
  }

  async function fetchToken() {
    const r = await postJson('/api/realtime/token', {}, { Authorization: `Bearer ${s.session}` });
    if (r.status !== 200) return r;
    s.token = r.data.token;
    s.tokenExp = r.data.expires_at;
    s.clientId = r.data.client_id;
    s.brokerUrl = r.data.broker_url;
    s.topics = r.data.topics;
    s.threads = s.topics.publish.filter((t) => t.endsWith('/chat')).map((t) => t.split('/')[3]);
    fillThreads();
    return r;
  }

  function fillThreads() {
    const sel = $('thread-select');
    if (sel.options.length === s.threads.length) return;
    sel.replaceChildren(...s.threads.map((t) => el('option', { value: t }, t)));
    s.thread = s.thread && s.threads.includes(s.thread) ? s.thread : s.threads[0] || null;
    if (s.thread) sel.value = s.thread;
    renderChat();
  }

  // ---- MQTT --------------------------------------------------------------------------------
  async function connect() {
    s.reconnectTimer = null;
    if (s.stopped) return;
    setConn(s.connects ? 'reconnecting' : 'connecting', s.connects ? 'reconnecting…' : 'connecting…');
    // A token is good for connecting until its exp; a live session outlives it (the plugin
    // ends it at the portal session's end). A new token brings a new client id.
    if (!s.token || s.tokenExp - 10 < Date.now() / 1000) {
      let r;
      try { r = await fetchToken(); } catch (e) { r = { status: 0 }; }
      if (r.status === 401 || r.status === 403) {
        sessionClosed(r.status === 403 ? 'access revoked or user inactive (403)' : 'portal session invalid (401)');
        return;
      }
      if (r.status !== 200) { scheduleReconnect(); return; }
    }
    const client = mqtt.connect(s.brokerUrl, {
      protocolVersion: 5, clientId: s.clientId, username: 'browser', password: s.token,
      clean: true, reconnectPeriod: 0, connectTimeout: 5000, keepalive: 30, resubscribe: false,
      timerVariant: 'native',  // mqtt.js' default starts a Worker from a blob: URL, which the CSP forbids
    });
    s.client = client;
    let wasConnected = false;
    client.on('connect', () => {
      wasConnected = true;
      const first = s.connects === 0;
      s.connects += 1;
      s.stats.connectedAt.push(Date.now());
      setConn('connected', 'connected');
      client.subscribe(s.topics.subscribe, { qos: 1 }, (err, granted) => {
        if (err) { backendLog(`subscribe failed: ${err.message}`, 'bad'); return; }
        s.stats.subacks.push(granted.map((g) => g.qos));
        // Resume /events before resending anything (docs/chat-delivery.md, rule 5).
        requestReplay(s.cursor, first ? 'history' : 'replayed');
      });
    });
    client.on('message', onMessage);
    client.on('error', (err) => {
      // CONNACK "not authorized" (v5 0x87): this token is refused now (revoked or expired).
      if (err && (err.code === 135 || err.code === 5)) s.token = null;
    });
    client.on('disconnect', (packet) => {
      s.stats.closeReasons.push(packet && packet.reasonCode);
    });
    client.on('close', () => {
      if (s.client !== client) return;
      if (wasConnected) {
        s.stats.closedAt.push(Date.now());
        wasConnected = false;
      }
      client.removeAllListeners('close');
      client.end(true);
      s.client = null;
      s.replay = null;
      scheduleReconnect();
    });
  }

  function scheduleReconnect() {
    if (s.stopped || s.reconnectTimer) return;
    setConn('reconnecting', 'disconnected · reconnecting…');
    s.reconnectTimer = setTimeout(connect, RECONNECT_MS);
  }

  function stop() {
    s.stopped = true;
    if (s.reconnectTimer) clearTimeout(s.reconnectTimer);
    s.reconnectTimer = null;
    if (s.client) { const c = s.client; s.client = null; c.end(true); }
  }

  function sessionClosed(reason) {
    stop();
    s.stats.sessionClosed = { at: Date.now(), reason };
    setConn('closed', `session closed: ${reason}`);
    backendLog(`session closed: ${reason}`, 'bad');
  }

  function requestReplay(after, mode) {
    if (!s.client) return;
    const corr = uuid();
    s.replay = { corr, mode, count: 0, after };
    const env = { v: 1, kind: 'replay.request', payload: { after } };
    s.client.publish(`amo/${s.amo}/user/${s.user}/cmd/replay`, JSON.stringify(env), {
      qos: 1, properties: { correlationData: new TextEncoder().encode(corr) },
    });
  }

  function onMessage(topic, payload, packet) {
    let env;
    try { env = JSON.parse(new TextDecoder().decode(payload)); } catch (_) { return; }
    // amo/{amo}/user/{sub}/replay | …/events, amo/{amo}/thread/{t}/events | …/typing,
    // amo/{amo}/broadcast/events. Anything else under the subscribed namespaces (our own
    // cmd/replay requests come back too) is not for the page.
    const parts = topic.split('/');
    const ns = parts[2];
    const leaf = parts.length === 5 && (ns === 'user' || ns === 'thread') ? parts[4]
      : parts.length === 4 && ns === 'broadcast' ? parts[3] : null;
    if (ns === 'user' && leaf === 'replay') return onReplay(env, packet);
    if (ns === 'thread' && leaf === 'typing') return onTyping(env);
    if (leaf === 'events') return onEvent(env, 'live', topic);
  }

  function onReplay(env, packet) {
    const cd = packet.properties && packet.properties.correlationData;
    const corr = cd ? new TextDecoder().decode(cd) : null;
    if (!s.replay || corr !== s.replay.corr) return;  // another tab's answer
    const r = s.replay;
    if (env.kind === 'replay.done') {
      s.stats.replays.push({ mode: r.mode, after: r.after, count: r.count, last: env.payload.last });
      if (r.count >= REPLAY_PAGE) { requestReplay(env.payload.last, r.mode); return; }
      s.replay = null;
      if (r.mode === 'replayed') backendLog(`reconnected: ${r.count} missed event(s) replayed after seq ${r.after}`);
      resendDue(true);
      return;
    }
    if (env.kind === 'reset') {
      s.cursor = env.payload.latest;
      s.stats.replays.push({ mode: r.mode, after: r.after, reset: env.payload });
      s.replay = null;
      return;
    }
    r.count += 1;
    onEvent(env, r.mode, null);
  }

  function onEvent(env, via, topic) {
    if (typeof env.seq === 'number' && env.seq > s.cursor) s.cursor = env.seq;
    s.stats.arrivals[env.id] = (s.stats.arrivals[env.id] || 0) + 1;
    if (s.seen.has(env.id)) { s.stats.duplicates += 1; return; }  // QoS 1 and replay overlap
    s.seen.set(env.id, via);
    s.stats[via] += 1;
    renderStats();
    if (env.kind === 'chat.message') return onChat(env, via);
    if (env.kind === 'chat.read') return;
    const p = env.payload || {};
    const what = env.kind === 'notification' ? `${p.level}: ${p.title} — ${p.body}`
      : env.kind === 'entity.changed' ? `${p.entity} ${p.entity_id} ${p.action}` : JSON.stringify(p);
    const where = env.thread ? `thread ${env.thread}` : (topic && topic.includes('/broadcast/')) ? 'broadcast' : '';
    const li = el('li', { class: `event via-${via}`, dataset: { id: env.id, seq: env.seq, kind: env.kind, via } },
      el('span', { class: 'seq' }, `#${env.seq}`), ' ', el('strong', {}, env.kind), ' ', what, ' ',
      where ? el('span', { class: 'muted' }, where) : null, ' ',
      via !== 'live' ? el('span', { class: `badge ${via}` }, via) : null);
    insertBySeq($('events'), li, env.seq);
  }

  function insertBySeq(list, li, seq) {
    // Newest first; a replayed (older) event goes below the newer ones already shown.
    for (const other of list.children) {
      if (Number(other.dataset.seq) < seq) { list.insertBefore(li, other); return; }
    }
    list.append(li);
  }

  function renderStats() {
    const st = s.stats;
    $('event-stats').textContent = `live ${st.live} · history ${st.history} · replayed ${st.replayed} · duplicates dropped ${st.duplicates}`;
  }

  // ---- chat --------------------------------------------------------------------------------
  function onChat(env, via) {
    const list = s.chats.get(env.thread) || [];
    list.push({ id: env.id, sender: env.sender, text: env.payload.text, cmid: env.client_msg_id, seq: env.seq, via });
    list.sort((a, b) => a.seq - b.seq);
    s.chats.set(env.thread, list);
    if (env.sender === s.user) s.pending.delete(env.client_msg_id);
    const typer = `${env.thread}/${env.sender}`;
    if (s.typers.has(typer)) { clearTimeout(s.typers.get(typer)); s.typers.delete(typer); renderTyping(); }
    if (env.thread === s.thread) renderChat();
  }

  function renderChat() {
    const rows = (s.chats.get(s.thread) || []).map((m) => el('li', {
      class: `msg ${m.sender === s.user ? 'mine' : 'theirs'} via-${m.via}`,
      dataset: { cmid: m.cmid, seq: m.seq, state: 'delivered', via: m.via },
    }, el('span', { class: 'sender' }, m.sender), ' ', m.text, ' ',
    el('span', { class: 'state' }, m.via === 'live' ? '✓' : `✓ ${m.via}`)));
    for (const [cmid, p] of s.pending) {
      if (p.thread !== s.thread) continue;
      rows.push(el('li', { class: 'msg mine pending', dataset: { cmid, state: 'pending' } },
        el('span', { class: 'sender' }, s.user), ' ', p.text, ' ',
        el('span', { class: 'state' }, p.tries > 1 ? `pending · sent ${p.tries}×` : 'pending')));
    }
    $('chat').replaceChildren(...rows);
    $('chat').scrollTop = $('chat').scrollHeight;
  }

  function publishChat(cmid, p) {
    const env = { v: 1, kind: 'chat.message', client_msg_id: cmid, payload: { text: p.text } };
    s.client.publish(`amo/${s.amo}/thread/${p.thread}/chat`, JSON.stringify(env), { qos: 1 });
    p.sentAt = Date.now();
    p.tries += 1;
  }

  function sendChat(text) {
    if (!text || !s.thread) return null;
    const cmid = uuid();  // once, when the user presses send (docs/chat-delivery.md, rule 1)
    const p = { thread: s.thread, text, sentAt: 0, wait: RESEND_MS, tries: 0 };
    s.pending.set(cmid, p);
    if (s.conn === 'connected' && s.client) publishChat(cmid, p);
    sendTyping('stop');
    renderChat();
    return cmid;
  }

  // Resend what is still pending after its wait (doubling); never while a replay is running.
  function resendDue(afterReplay) {
    if (s.conn !== 'connected' || !s.client || s.replay) return;
    const now = Date.now();
    for (const [cmid, p] of s.pending) {
      if (p.tries === 0 || afterReplay || now - p.sentAt >= p.wait) {
        if (p.tries > 0) { s.stats.resends += 1; p.wait = Math.min(p.wait * 2, 30000); }
        publishChat(cmid, p);
      }
    }
    renderChat();
  }
  setInterval(() => resendDue(false), 1000);

  // ---- typing ------------------------------------------------------------------------------
  function sendTyping(state) {
    if (!s.client || s.conn !== 'connected' || !s.thread) return;
    if (state === 'start') {
      clearTimeout(s.typingStopTimer);
      s.typingStopTimer = setTimeout(() => sendTyping('stop'), 3000);
      if (Date.now() - s.typingSentAt < 2000) return;
      s.typingSentAt = Date.now();
    } else {
      if (!s.typingSentAt) return;
      clearTimeout(s.typingStopTimer);
      s.typingSentAt = 0;
    }
    const env = { v: 1, kind: 'chat.typing', payload: { state } };
    s.client.publish(`amo/${s.amo}/thread/${s.thread}/typing`, JSON.stringify(env), { qos: 0 });
  }

  function onTyping(env) {
    if (env.sender === s.user) return;
    const key = `${env.thread}/${env.sender}`;
    clearTimeout(s.typers.get(key));
    if (env.payload.state === 'start') s.typers.set(key, setTimeout(() => { s.typers.delete(key); renderTyping(); }, 5000));
    else s.typers.delete(key);
    renderTyping();
  }

  function renderTyping() {
    const names = [...s.typers.keys()].filter((k) => k.startsWith(`${s.thread}/`)).map((k) => k.split('/')[1]);
    $('typing').textContent = names.length ? `${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} typing…` : '';
  }

  // ---- backend panel -----------------------------------------------------------------------
  async function emit(target, kind, payload) {
    const r = await postJson('/demo/emit', { amo: s.amo, target, kind, payload });
    if (r.status === 200) backendLog(r.data.sql);
    else backendLog(`emit failed (${r.status})`, 'bad');
    return r.data;
  }

  async function revoke() {
    const r = await postJson('/demo/revoke', { amo: s.amo, user: s.user });
    if (r.status === 200) backendLog(r.data.sql);
    return r.data;
  }

  // A subscription outside the token's scope: the plugin refuses it (SUBACK 0x87).
  function trySubscribe(filter) {
    return new Promise((resolve) => {
      if (!s.client) { resolve(null); return; }
      s.client.subscribe(filter, { qos: 1 }, (err, granted) => {
        // mqtt.js 5 reports a SUBACK failure code (≥ 0x80) as an error carrying the SUBACK.
        const code = err ? (err.packet && err.packet.granted ? err.packet.granted[0] : -1) : granted[0].qos;
        backendLog(`SUBSCRIBE ${filter} → ${code >= 128 ? `refused (0x${code.toString(16)})` : code < 0 ? `error: ${err.message}` : `granted QoS ${code}`}`,
          code >= 128 ? 'bad' : '');
        resolve(code);
      });
    });
  }

  // ---- wiring ------------------------------------------------------------------------------
  async function init() {
    const all = await users();
    const sel = $('user-select');
    for (const [amo, t] of Object.entries(all)) {
      const group = el('optgroup', { label: `${amo} · ${t.name}` });
      for (const u of Object.keys(t.users)) group.append(el('option', { value: `${amo}:${u}` }, `${u} (${amo})`));
      sel.append(group);
    }
    $('sign-in').addEventListener('click', () => {
      const [amo, user] = sel.value.split(':');
      if (amo && user) {
        history.replaceState(null, '', `?user=${encodeURIComponent(sel.value)}`);
        signIn(amo, user);
      }
    });
    $('thread-select').addEventListener('change', (e) => { s.thread = e.target.value; renderChat(); renderTyping(); });
    $('chat-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const input = $('chat-input');
      sendChat(input.value.trim());
      input.value = '';
    });
    $('chat-input').addEventListener('input', () => sendTyping('start'));
    $('emit-user').addEventListener('click', () => emit(`user/${s.user}`, 'notification',
      { title: 'Task card signed off', body: `A task card assigned to ${s.user} was signed off.`, level: 'info' }));
    $('emit-thread').addEventListener('click', () => emit(`thread/${s.thread}`, 'entity.changed',
      { entity: 'work_order', entity_id: s.thread, action: 'updated' }));
    $('emit-broadcast').addEventListener('click', () => emit('broadcast', 'notification',
      { title: 'Hangar 2 closed', body: 'Hangar 2 is closed for de-icing until 14:00.', level: 'warning' }));
    $('revoke').addEventListener('click', revoke);
    $('cross-tenant').addEventListener('click', () => {
      const other = Object.keys(all).find((a) => a !== s.amo);
      trySubscribe(`amo/${other}/broadcast/#`);
    });
    const who = userFromUrl();
    if (who) { sel.value = `${who.amo}:${who.user}`; signIn(who.amo, who.user); }
  }

  window.amoDemo = {
    get conn() { return s.conn; },
    get connects() { return s.connects; },
    get cursor() { return s.cursor; },
    get stats() { return JSON.parse(JSON.stringify(s.stats)); },
    get pending() { return [...s.pending.keys()]; },
    get replaying() { return !!s.replay; },
    seenVia(id) { return s.seen.get(id) || null; },
    cspViolations,
    sendChat, trySubscribe, emit, revoke,
  };
  init();
})();
