"""POST /api/realtime/token as a portal's own Python stack would write it, for
bench_token_service: FastAPI under uvicorn, PyJWT (HS256 session check, EdDSA signing with the
same key) and psycopg2 (a thread-safe pool, the same two lookups as amo-token-service).

Environment: DATABASE_URL (libpq), PORTAL_SECRET, SIGNING_JWK (the private OKP JWK), ISSUER,
BROKER_URL.
"""
import json
import os
import secrets
import time

import jwt
import psycopg2.pool
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from jwt.algorithms import OKPAlgorithm

app = FastAPI()
# As many connections as Starlette's thread pool runs handlers at once (anyio's default limiter,
# 40): ThreadedConnectionPool raises instead of waiting when it is empty, so a smaller pool
# turns load from wrk's 32 connections into 500s. minconn = maxconn: the pool closes every
# connection returned beyond minconn (a new Postgres connection per request otherwise).
pool = psycopg2.pool.ThreadedConnectionPool(40, 40, os.environ["DATABASE_URL"])
secret = os.environ["PORTAL_SECRET"].encode()
jwk = json.loads(os.environ["SIGNING_JWK"])
signing_key = OKPAlgorithm.from_jwk(json.dumps(jwk))
kid = jwk["kid"]
issuer = os.environ["ISSUER"]
broker_url = os.environ["BROKER_URL"]


@app.post("/api/realtime/token")
def token(request: Request):  # a plain def: FastAPI runs it in its thread pool (psycopg2 blocks)
    auth = request.headers.get("authorization", "")
    if not auth.lower().startswith("bearer "):
        return JSONResponse({"error": "no portal session"}, 401)
    try:
        session = jwt.decode(auth[7:], secret, algorithms=["HS256"], options={"require": ["sub", "iat", "exp"]})
    except jwt.PyJWTError:
        return JSONResponse({"error": "invalid portal session"}, 401)
    amo, sub = session["amo_id"], session["sub"]
    conn = pool.getconn()
    try:
        conn.autocommit = True  # one round trip, as amo-token-service does (else BEGIN and COMMIT too)
        with conn.cursor() as cur:
            cur.execute(
                "SELECT u.is_active, (u.token_revoked_at IS NOT NULL AND u.token_revoked_at >= to_timestamp(%s)), "
                "m.thread_id FROM realtime_users u LEFT JOIN realtime_thread_members m "
                "ON m.amo_id = u.amo_id AND m.user_id = u.user_id WHERE u.amo_id = %s AND u.user_id = %s",
                (session["iat"], amo, sub))
            rows = cur.fetchall()
    finally:
        pool.putconn(conn)
    if not rows or not all(r[0] for r in rows) or any(r[1] for r in rows):
        return JSONResponse({"error": "forbidden"}, 403)
    threads = sorted({r[2] for r in rows if r[2] is not None})
    now = int(time.time())
    cid = f"{amo}:{sub}:{secrets.token_urlsafe(8)[:11]}"
    claims = {"iss": issuer, "aud": "amo-realtime", "sub": sub, "amo": amo, "iat": now, "exp": now + 120,
              "jti": secrets.token_urlsafe(16), "cid": cid, "threads": threads, "role": "user",
              "sess_exp": session["exp"]}
    token_ = jwt.encode(claims, signing_key, algorithm="EdDSA", headers={"typ": "amo-connect+jwt", "kid": kid})
    subscribe = [f"amo/{amo}/user/{sub}/#"] + [f"amo/{amo}/thread/{t}/#" for t in threads] + [f"amo/{amo}/broadcast/#"]
    publish = [f"amo/{amo}/thread/{t}/{s}" for t in threads for s in ("chat", "typing", "read")]
    publish.append(f"amo/{amo}/user/{sub}/cmd/replay")
    return {"token": token_, "expires_at": claims["exp"], "client_id": cid, "broker_url": broker_url,
            "topics": {"subscribe": subscribe, "publish": publish}}
