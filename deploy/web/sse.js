'use strict';
// EventSource on /api/events (DESIGN §6), authenticated by the portal session cookie.
// `window.amoSse` exposes what the browser tests count.

(() => {
  const { postJson, userFromUrl, el } = amoCommon;
  const $ = (id) => document.getElementById(id);
  const KINDS = ['notification', 'entity.changed', 'chat.message', 'chat.read', 'reset'];
  const st = { events: [], resets: [], opens: [], errors: 0, reopenedWithQuery: 0, lastId: null, source: null };

  function setConn(state) {
    $('conn').className = `conn conn-${state}`;
    $('conn').dataset.state = state;
    $('conn').textContent = state;
  }

  function open(lastId) {
    const url = lastId === null ? '/api/events' : `/api/events?last_event_id=${encodeURIComponent(lastId)}`;
    const es = new EventSource(url);
    st.source = es;
    es.onopen = () => { st.opens.push({ at: Date.now(), lastId: st.lastId }); setConn('connected'); };
    es.onerror = () => {
      st.errors += 1;
      if (es.readyState === EventSource.CONNECTING) { setConn('reconnecting'); return; }  // the browser retries
      // Closed: the browser gave up (a non-200 answer, e.g. 502 while the relay was down).
      setConn('reconnecting');
      es.close();
      setTimeout(() => { st.reopenedWithQuery += 1; open(st.lastId); }, 2000);
    };
    const onFrame = (e) => {
      st.lastId = e.lastEventId;
      $('cursor').textContent = `Last-Event-ID ${e.lastEventId}`;
      const env = JSON.parse(e.data);
      if (e.type === 'reset') st.resets.push(env.payload);
      else st.events.push({ seq: env.seq, id: env.id, kind: env.kind });
      $('events').prepend(el('li', { dataset: { seq: e.lastEventId, kind: e.type } },
        el('span', { class: 'seq' }, `id: ${e.lastEventId}`), ' ', el('strong', {}, e.type), ' ',
        JSON.stringify(env.payload)));
    };
    for (const k of KINDS) es.addEventListener(k, onFrame);
  }

  async function start() {
    const who = userFromUrl();
    if (!who) { $('identity').textContent = 'add ?user=AMO1:alice to the address'; return; }
    $('identity').textContent = `${who.user} @ ${who.amo}`;
    // The demo backend sets the portal session cookie (HttpOnly, Path=/api/events).
    const r = await postJson('/demo/session', { amo: who.amo, user: who.user, cookie: true });
    if (r.status !== 200) { setConn('error'); return; }
    setConn('connecting');
    open(null);
  }

  window.amoSse = {
    get events() { return st.events.slice(); },
    get resets() { return st.resets.slice(); },
    get opens() { return st.opens.slice(); },
    get errors() { return st.errors; },
    get reopenedWithQuery() { return st.reopenedWithQuery; },
    get lastId() { return st.lastId; },
    get state() { return $('conn').dataset.state; },
    cspViolations: amoCommon.cspViolations,
  };
  start();
})();
