"""Between protobuf and the domain: message conversion and wire-format framing."""
