"""A JSON API: path and query parameters validated by FastAPI/pydantic, a pydantic response.

``GET /items/{item_id}?q=...`` answers with the item, the SHA-256 of ``"{item_id}:{q}"``
(so the caller can check the body was computed, not canned) and the serving Python.
"""

from __future__ import annotations

import hashlib
import platform

from fastapi import FastAPI, Query
from pydantic import BaseModel

app = FastAPI(title="fastapi-example")


class Item(BaseModel):
    item_id: int
    q: str
    sha256: str
    python: str


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/items/{item_id}", response_model=Item)
def item(item_id: int, q: str = Query("", max_length=64)) -> Item:
    digest = hashlib.sha256(f"{item_id}:{q}".encode()).hexdigest()
    return Item(item_id=item_id, q=q, sha256=digest, python=platform.python_version())
