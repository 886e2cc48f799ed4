'use strict';
// Shared by the demo pages: the demo backend (sessions), the token endpoint, ids.
// Tokens and sessions live in memory only and are never written to the page or the console.

const amoCommon = (() => {
  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

  // UUIDv4 from getRandomValues (crypto.randomUUID needs a secure context).
  function uuid() {
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = hex(b);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  async function postJson(url, body, headers = {}) {
    const r = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(body || {}),
      credentials: 'same-origin',
    });
    let data = null;
    try { data = await r.json(); } catch (_) { /* empty or not JSON */ }
    return { status: r.status, data };
  }

  // ?user=AMO1:alice
  function userFromUrl() {
    const v = new URLSearchParams(location.search).get('user') || '';
    const m = /^([A-Za-z0-9_-]{1,64}):([A-Za-z0-9_-]{1,64})$/.exec(v);
    return m ? { amo: m[1], user: m[2] } : null;
  }

  async function users() {
    const r = await fetch('/demo/users');
    return r.json();
  }

  function el(tag, props = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (k === 'class') e.className = v;
      else if (k === 'dataset') Object.assign(e.dataset, v);
      else e.setAttribute(k, v);
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  }

  const cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));

  return { uuid, postJson, userFromUrl, users, el, cspViolations };
})();
