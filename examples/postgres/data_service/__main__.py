"""``python -m data_service ORDERS.xml``: one JSON line (orjson) of results.

Parses an XML document of orders with lxml (XPath), validates each order with pydantic,
stores them in PostgreSQL (``$DATABASE_URL``, psycopg's binary wheel) in a fresh table,
aggregates them in SQL, encrypts the aggregate with Fernet and decrypts it back, and signs
the canonical aggregate JSON with a fresh Ed25519 key (cryptography). The caller checks the
sums against its own arithmetic, the rows with its own SQL, and the signature with its own
Ed25519 implementation.
"""

from __future__ import annotations

import base64
import os
import sys
from decimal import Decimal

import orjson
import psycopg
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from lxml import etree
from pydantic import BaseModel, Field


class Order(BaseModel):
    order_id: int = Field(gt=0)
    customer: str = Field(min_length=1, max_length=64)
    amount: Decimal = Field(ge=0, decimal_places=2)


def read_orders(path: str) -> list[Order]:
    tree = etree.parse(path, etree.XMLParser(resolve_entities=False, no_network=True))
    return [
        Order(order_id=o.get("id"), customer=o.findtext("customer"), amount=o.findtext("amount"))
        for o in tree.xpath("/orders/order")
    ]


def store_and_aggregate(orders: list[Order], table: str) -> dict[str, dict[str, str | int]]:
    with psycopg.connect(os.environ["DATABASE_URL"], connect_timeout=10) as conn:
        with conn.cursor() as cur:
            cur.execute(f'CREATE TABLE "{table}" (order_id int PRIMARY KEY, customer text NOT NULL, amount numeric(12,2) NOT NULL)')
            with cur.copy(f'COPY "{table}" (order_id, customer, amount) FROM STDIN') as copy:
                for o in orders:
                    copy.write_row((o.order_id, o.customer, o.amount))
            cur.execute(f'SELECT customer, count(*), sum(amount) FROM "{table}" GROUP BY customer ORDER BY customer')
            rows = cur.fetchall()
    return {c: {"orders": n, "total": str(total)} for c, n, total in rows}


def main(xml_path: str) -> None:
    orders = read_orders(xml_path)
    aggregate = store_and_aggregate(orders, os.environ.get("ORDERS_TABLE", "orders"))
    canonical = orjson.dumps(aggregate, option=orjson.OPT_SORT_KEYS)
    fernet = Fernet(Fernet.generate_key())
    assert fernet.decrypt(fernet.encrypt(canonical)) == canonical
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    sys.stdout.buffer.write(orjson.dumps({
        "orders": len(orders),
        "aggregate": aggregate,
        "canonical_b64": base64.b64encode(canonical).decode(),
        "ed25519_public_b64": base64.b64encode(public).decode(),
        "signature_b64": base64.b64encode(key.sign(canonical)).decode(),
        "fernet_round_trip": True,
    }, option=orjson.OPT_SORT_KEYS) + b"\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m data_service ORDERS.xml")
    main(sys.argv[1])
