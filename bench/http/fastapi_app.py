# The same /healthz in FastAPI, for bench_http.py (run under uvicorn with its defaults).
from fastapi import FastAPI

app = FastAPI()


@app.get("/healthz")
async def healthz():
    return {"status": "ok"}
