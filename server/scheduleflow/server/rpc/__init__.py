"""The RPC face: handlers, header reading, status mapping, security and reflection."""
