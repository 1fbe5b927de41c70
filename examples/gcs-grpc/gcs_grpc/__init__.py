"""Google Cloud Storage against an emulator, and a gRPC client/server over loopback."""
