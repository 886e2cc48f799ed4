#!/usr/bin/env python3
"""Writes the differential envelope corpus: one case per line, "<tag> <hex of the bytes>".

tag "same": every validator must give the same answer. tag "ours_rejects:<why>": JSON parsers
differ on these bytes (duplicate keys, invalid UTF-8, lone surrogates, integers written with a
fraction or exponent, integers beyond 64 bits, over our size limit) or we are stricter than
JSON (U+0000 in a string, which Postgres jsonb cannot store, DESIGN §4); ours must reject them.
Deterministic (fixed seed), so a failure names the same case on every run.
"""
import json
import random
import sys

MAX_BYTES = 16384
rng = random.Random(20261125)
cases = []


def add(data, tag="same"):
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    if len(data) > MAX_BYTES and tag == "same":
        tag = "ours_rejects:too_large"
    # U+0000 in any string is refused by our strict parser (jsonb cannot store it); a raw NUL
    # byte is not JSON at all.
    if tag == "same" and (b"\\u0000" in data or b"\0" in data):
        tag = "ours_rejects:nul_in_string"
    cases.append((tag, data))


def dump(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


UUID = "2d6171b0-69cf-5487-acde-f0002830d870"
TS = "2026-11-25T10:00:00.123Z"
CMID = "0123456789abcdef"

PAYLOADS = {
    "chat.message": {"text": "hello"},
    "chat.read": {"up_to_seq": 12},
    "chat.typing": {"state": "start"},
    "replay.request": {"after": 0},
    "entity.changed": {"entity": "work_order", "entity_id": "WO-1", "action": "created"},
    "notification": {"title": "Due", "body": "Check A320 MSN 1234", "level": "warning"},
    "reset": {"reason": "expired", "latest": 99},
    "replay.done": {"last": 7},
}
NEEDS_CMID = {"chat.message", "chat.read"}
STRING_LIMITS = {  # payload field -> maxLength (from the schema files; also exercised at +-1)
    "text": 4000, "entity": 64, "entity_id": 64, "title": 200, "body": 2000, "reason": 200,
}
INT_FIELDS = {"up_to_seq", "after", "latest", "last"}
ENUMS = {"state": ["start", "stop"], "action": ["created", "updated", "deleted"], "level": ["info", "warning", "critical"]}


def bases():
    out = []
    for kind, payload in PAYLOADS.items():
        client = {"v": 1, "kind": kind, "payload": dict(payload)}
        if kind in NEEDS_CMID:
            client["client_msg_id"] = CMID
        out.append(client)
        server = {"v": 1, "id": UUID, "kind": kind, "amo": "A1", "ts": TS, "sender": "u1", "thread": "T1"}
        if kind in NEEDS_CMID:
            server["client_msg_id"] = CMID
        server["seq"] = 5
        server["payload"] = dict(payload)
        if kind == "replay.request":
            server["threads"] = ["T1", "T2"]
        out.append(server)
    return out


WRONG_TYPES = [1, -1, 1.5, None, True, False, [], {}, "", "x", [1], {"a": 1}]


def mutations(env):
    yield env
    yield {k: env[k] for k in reversed(list(env))}  # key order does not matter
    for k in list(env):
        yield {x: v for x, v in env.items() if x != k}  # missing field
        for w in WRONG_TYPES:
            yield dict(env, **{k: w})  # wrong type at top level
    yield dict(env, extra=1)
    yield dict(env, payload=dict(env["payload"], extra="x"))
    for k in list(env["payload"]):
        p = {x: v for x, v in env["payload"].items() if x != k}
        yield dict(env, payload=p)
        for w in WRONG_TYPES:
            yield dict(env, payload=dict(env["payload"], **{k: w}))
        if k in STRING_LIMITS:
            n = STRING_LIMITS[k]
            for length in (0, 1, n - 1, n, n + 1):
                for ch in ("a", "é", "€", "😀", "\u0000", "\u2028"):
                    yield dict(env, payload=dict(env["payload"], **{k: ch * length}))
        if k in INT_FIELDS:
            for v in (0, 1, -1, 2**31, 2**53 + 1, 2**63 - 1, 2**64 - 1, -(2**63), 1.5, -0.5):
                yield dict(env, payload=dict(env["payload"], **{k: v}))
        if k in ENUMS:
            for v in ENUMS[k] + ["", "START", "other", " start"]:
                yield dict(env, payload=dict(env["payload"], **{k: v}))
    for kind in list(PAYLOADS) + ["chat", "Chat.message", "chat.message ", ""]:
        yield dict(env, kind=kind)
    for v in (0, 2, "1", True, -1):
        yield dict(env, v=v)


ID_VALUES = ["a", "A1_-z", "x" * 64, "x" * 65, "", "a/b", "a+b", "a#", "é", "a b", "a.b", "T\u0000"]
CMID_VALUES = ["x" * 7, "x" * 8, "x" * 64, "x" * 65, UUID, "abc-def_ghi", "abcdefgh!", "ÉÉÉÉÉÉÉÉ"]
UUID_VALUES = [UUID, UUID.upper(), UUID[:-1], UUID + "0", UUID.replace("-", ""), "g" + UUID[1:]]
TS_VALUES = [TS, "2026-11-25T10:00:00Z", "2026-11-25T10:00:00.1234Z", "2026-11-25t10:00:00.123Z",
             "2026-11-25T10:00:00.123z", "2026-11-25 10:00:00.123Z", "2026-11-25T10:00:00.123+00:00", "٢٠٢٦-11-25T10:00:00.123Z"]


def field_values(env):
    for f in ("amo", "sender", "thread"):
        for v in ID_VALUES:
            yield dict(env, **{f: v})
    for v in CMID_VALUES:
        yield dict(env, client_msg_id=v)
    for v in UUID_VALUES:
        yield dict(env, id=v)
    for v in TS_VALUES:
        yield dict(env, ts=v)
    for v in (0, 1, -1, 2**63 - 1, 2**64 - 1, 1.5):
        yield dict(env, seq=v)
    for n in (0, 1, 127, 128, 129):
        yield dict(env, threads=["T%d" % i for i in range(n)])
    yield dict(env, threads=["ok", "bad/one"])
    yield dict(env, threads="T1")


for base in bases():
    for m in mutations(base):
        add(dump(m))
    for m in field_values(base):
        add(dump(m))

# Random compositions: two or three mutations of one base at once.
all_bases = bases()
pools = [list(mutations(b)) + list(field_values(b)) for b in all_bases]
for i in range(1500):
    k = rng.randrange(len(all_bases))
    env = dict(rng.choice(pools[k]))
    for _ in range(rng.randrange(1, 3)):
        other = rng.choice(pools[k])
        field = rng.choice(list(other)) if other else None
        if field is not None:
            env[field] = other[field]
    add(dump(env))

chat = {"v": 1, "kind": "chat.message", "client_msg_id": CMID, "payload": {"text": "hi"}}
typing = {"v": 1, "kind": "chat.typing", "payload": {"state": "stop"}}

# Random texts: mixed scripts, escapes, astral characters, random lengths around the limit.
alphabet = ["a", "Z", " ", "\"", "\\", "/", "\n", "\t", "é", "ß", "€", "中", "😀", "\u0000", "\u001f", "\u007f", "\ufeff", "\U0010ffff"]
for i in range(600):
    n = rng.choice([0, 1, 2, 10, 100, 1000, 3999, 4000, 4001, rng.randrange(0, 4100)])
    text = "".join(rng.choice(alphabet) for _ in range(n))
    add(json.dumps(dict(chat, payload={"text": text}), ensure_ascii=rng.random() < 0.5, separators=(",", ":")))

# Whitespace and escaped keys are the same envelope.
add(json.dumps(chat, indent=2))
add(' \n\t' + dump(chat) + ' \r\n')
add(dump(chat).replace('"kind"', '"\\u006bind"'))
add(dump(chat).replace('"chat.message"', '"chat\\u002emessage"'))
add(dump(chat).replace('"hi"', '"\\ud83d\\ude00"'))

# Not an envelope at all / broken JSON.
for t in ["", " ", "null", "true", "1", "\"x\"", "[]", "{}", "[" + dump(chat) + "]", dump(chat)[:-1], dump(chat) + "}",
          dump(chat) + " x", "{'v':1}", dump(chat).replace(":", "=", 1), "NaN", dump(chat).replace('"hi"', "hi")]:
    add(t)

# Deep nesting wherever a value may sit.
for depth in (1, 5, 14, 15, 16, 17, 30, 200):
    nested = "[" * depth + "]" * depth
    add(dump(chat).replace('"hi"', nested))
    add(dump(chat)[:-1] + ',"extra":' + nested + "}")
    obj = '{"a":' * depth + "1" + "}" * depth
    add(dump(chat).replace('"hi"', obj))

# Where parsers differ: ours rejects.
for k in ("v", "kind", "payload", "client_msg_id"):
    s = dump(chat)
    i = s.index('"%s"' % k)
    j = s.index(",", i) if k != "payload" else len(s) - 1
    add(s[:j] + "," + s[i:j] + s[j:], "ours_rejects:duplicate_key")
add(dump(chat).replace('"text":"hi"', '"text":"hi","text":"ho"'), "ours_rejects:duplicate_key")
add(dump(chat).replace('"text":"hi"', '"text":"hi","te\\u0078t":"hi"'), "ours_rejects:duplicate_key")
add(dump(typing)[:-1] + ',"v":1}', "ours_rejects:duplicate_key")
for bad in [b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82", b"\x80", b"\xf0\x9f\x98"]:
    add(dump(chat).encode().replace(b"hi", b"h" + bad), "ours_rejects:invalid_utf8")
    add(dump(chat).encode().replace(b"client_msg_id", b"client_msg_id" + bad), "ours_rejects:invalid_utf8")
for esc in ["\\ud800", "\\udc00", "\\ud83d", "a\\udfffb", "\\ude00\\ud83d"]:
    add(dump(chat).replace('"hi"', '"%s"' % esc), "ours_rejects:lone_surrogate")
read = {"v": 1, "kind": "chat.read", "client_msg_id": CMID, "payload": {"up_to_seq": 0}}
for num in ["1.0", "0.0", "1e2", "1E2", "1e0", "12.000", "-0.0", "1e400", "-1e400",
            "100000000000000000000", "18446744073709551616", "-9223372036854775809", "1" + "0" * 40]:
    add(dump(read).replace('"up_to_seq":0', '"up_to_seq":' + num), "ours_rejects:number")
    add(dump(typing).replace('"v":1', '"v":' + num), "ours_rejects:number")
# Above int64 (seq is a Postgres bigint) but within uint64: JSON.parse rounds 2^63 down to the maximum.
for num in ["9223372036854775808", "9223372036854775809"]:
    add(dump(read).replace('"up_to_seq":0', '"up_to_seq":' + num), "ours_rejects:number")
# Big but within 64 bits, and -0 (an integer token): every parser agrees.
add(dump(read).replace('"up_to_seq":0', '"up_to_seq":-0'))
add(dump(typing).replace('"v":1', '"v":-0'))
add(dump(read).replace('"up_to_seq":0', '"up_to_seq":9223372036854775807'))
add(dump(read).replace('"up_to_seq":0', '"up_to_seq":18446744073709551615'))

for tag, data in cases:
    sys.stdout.write("%s %s\n" % (tag, data.hex()))
sys.stderr.write("%d cases\n" % len(cases))
