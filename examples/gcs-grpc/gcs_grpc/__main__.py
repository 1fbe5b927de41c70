"""``python -m gcs_grpc``: two round trips, one JSON line of results.

1. Cloud Storage: with anonymous credentials against ``STORAGE_EMULATOR_HOST`` (a loopback
   fake-gcs-server), creates ``$GCS_BUCKET``, uploads ``$GCS_PAYLOAD`` as ``$GCS_OBJECT``,
   reads it back through the client and reports both SHA-256s and the server's crc32c/md5.
2. gRPC: starts a server on 127.0.0.1 (ephemeral port) with one unary method whose messages
   are protobuf ``Struct``s (no generated code needed), calls it from a client channel and
   reports the reply: the sum of ``numbers`` and ``text`` reversed.
"""

from __future__ import annotations

import hashlib
import json
import os
from concurrent import futures

import grpc
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage
from google.protobuf import json_format, struct_pb2

METHOD = "/example.Calc/Compute"


def gcs_round_trip() -> dict:
    payload = os.environ["GCS_PAYLOAD"].encode()
    client = storage.Client(project="example", credentials=AnonymousCredentials())
    bucket = client.create_bucket(os.environ["GCS_BUCKET"])
    blob = bucket.blob(os.environ["GCS_OBJECT"])
    blob.upload_from_string(payload, content_type="application/octet-stream")
    back = bucket.blob(os.environ["GCS_OBJECT"]).download_as_bytes()
    meta = bucket.get_blob(os.environ["GCS_OBJECT"])
    return {
        "uploaded_sha256": hashlib.sha256(payload).hexdigest(),
        "downloaded_sha256": hashlib.sha256(back).hexdigest(),
        "size": meta.size,
        "crc32c": meta.crc32c,
        "md5": meta.md5_hash,
    }


def compute(request: struct_pb2.Struct, _context: grpc.ServicerContext) -> struct_pb2.Struct:
    reply = struct_pb2.Struct()
    reply.update({
        "sum": sum(request["numbers"]),
        "reversed": request["text"][::-1],
    })
    return reply


def grpc_round_trip(numbers: list[float], text: str) -> dict:
    handler = grpc.method_handlers_generic_handler("example.Calc", {
        "Compute": grpc.unary_unary_rpc_method_handler(
            compute,
            request_deserializer=struct_pb2.Struct.FromString,
            response_serializer=struct_pb2.Struct.SerializeToString,
        ),
    })
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            call = channel.unary_unary(METHOD, request_serializer=struct_pb2.Struct.SerializeToString,
                                       response_deserializer=struct_pb2.Struct.FromString)
            request = struct_pb2.Struct()
            request.update({"numbers": numbers, "text": text})
            reply = call(request, timeout=10)
        return json_format.MessageToDict(reply)
    finally:
        server.stop(grace=None)


def main() -> None:
    numbers = [float(x) for x in os.environ["GRPC_NUMBERS"].split(",")]
    print(json.dumps({
        "gcs": gcs_round_trip(),
        "grpc": grpc_round_trip(numbers, os.environ["GRPC_TEXT"]),
        "versions": {"grpcio": grpc.__version__, "google-cloud-storage": storage.__version__},
    }, sort_keys=True))


if __name__ == "__main__":
    main()
