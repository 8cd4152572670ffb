"""Generated from protos/scheduleflow/v1 by scripts/gen_protos.py; do not edit."""
