"""GET /api/events as a portal team would write it today, for bench_events --fastapi: FastAPI
under uvicorn, PyJWT (EdDSA via python3-cryptography) against the relay's JWKS file, and one
async generator per stream polling realtime_outbox through psycopg2 in Starlette's thread pool.

Frames are the relay's (`retry:` on connect, then `id:`/`event:`/`data:` per row, `:` heartbeat),
so bench_events' SseLoad parses both. Unlike the relay's stream, data is the stored envelope
without the added `seq` member, and there is no cursor, reset, cap or revocation check: a
minimal endpoint, which only makes this side cheaper.

Environment: DATABASE_URL (libpq), JWKS_FILE (public JWKS), ISSUER, POLL_MS (default 50).
"""
import asyncio
import json
import os
import time

import jwt
import psycopg2.pool
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

POLL_S = int(os.environ.get("POLL_MS", "50")) / 1000
HEARTBEAT_S = 15
RETRY_MS = 3000

app = FastAPI()
# Starlette's thread pool (anyio's default limiter) runs at most 40 blocking calls at once; the
# pool must hold as many, since ThreadedConnectionPool raises instead of waiting when empty. And
# minconn = maxconn: the pool closes every connection returned beyond minconn, so a smaller
# minconn would open a new Postgres connection for most queries.
pool = psycopg2.pool.ThreadedConnectionPool(40, 40, os.environ["DATABASE_URL"])
with open(os.environ["JWKS_FILE"]) as f:
    keys = {k.key_id: k for k in jwt.PyJWKSet.from_json(f.read()).keys}
issuer = os.environ["ISSUER"]


def verify(authorization: str) -> dict:
    if not authorization.lower().startswith("bearer "):
        raise HTTPException(401, "missing bearer token")
    token = authorization[7:]
    try:
        key = keys[jwt.get_unverified_header(token).get("kid")]
        return jwt.decode(token, key.key, algorithms=["EdDSA"], audience="amo-realtime", issuer=issuer,
                          options={"require": ["sub", "amo", "iat", "exp", "jti", "cid"]})
    except (KeyError, jwt.PyJWTError):
        raise HTTPException(401, "invalid token")


def query(sql: str, args: tuple) -> list:
    conn = pool.getconn()
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall()
    finally:
        pool.putconn(conn)


def latest_seq(amo: str) -> int:
    return query("SELECT COALESCE(max(seq), 0) FROM realtime_outbox WHERE amo_id = %s", (amo,))[0][0]


def rows_after(amo: str, topics: list, after: int) -> list:
    return query("SELECT seq, envelope::text FROM realtime_outbox WHERE amo_id = %s AND topic = ANY(%s) "
                 "AND seq > %s ORDER BY seq LIMIT 100", (amo, topics, after))


@app.get("/api/events")
async def events(request: Request):
    claims = verify(request.headers.get("authorization", ""))
    amo, sub = claims["amo"], claims["sub"]
    # What the relay's scope allows (relay/events/scope.cpp): own user topic, broadcast, threads.
    base = f"amo/{amo}/"
    topics = [f"{base}user/{sub}/events", f"{base}broadcast/events"]
    topics += [f"{base}thread/{t}/events" for t in claims.get("threads", [])]
    after = await run_in_threadpool(latest_seq, amo)

    async def stream():
        nonlocal after
        yield f"retry: {RETRY_MS}\n\n"
        quiet_since = time.monotonic()
        while time.time() < claims["exp"]:  # the stream ends at the token's exp, as the relay's does
            rows = await run_in_threadpool(rows_after, amo, topics, after)
            if rows:
                out = []
                for seq, envelope in rows:
                    out.append(f"id: {seq}\nevent: {json.loads(envelope)['kind']}\ndata: {envelope}\n\n")
                    after = seq
                yield "".join(out)
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= HEARTBEAT_S:
                yield ":\n\n"
                quiet_since = time.monotonic()
            await asyncio.sleep(POLL_S)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
