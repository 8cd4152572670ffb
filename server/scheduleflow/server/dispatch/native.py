"""The compiled fast path of Validate (``_cvalidate.c``), when it was built and
still matches the protos.

The extension is built at install time when a C compiler and the Python
headers are there (``hatch_build.py``); without them ScheduleFlow installs and
runs on the Python path alone, which gives the same answers more slowly.

The C reads and writes protobuf wire bytes by field number, so it is only
right for the protos it was written against. It carries a fingerprint of them
(``PROTO_FINGERPRINT``): one line per field it reads or writes (message,
field name, number, type, repeated or not) and per enum value it accepts. At
import the lines are compared with the live descriptors; any difference (a
field renumbered, retyped, renamed or gone) disables the fast path and logs
an ERROR naming the lines, and ``tests/unit/dispatch/test_native_guard.py``
fails. Fields the C does not know are no concern: it declines any field
number it does not read, so adding a field to a message never changes the
fingerprint.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import ModuleType

from google.protobuf import descriptor_pool
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor

from scheduleflow.server.core.errors import InvalidInput
from scheduleflow.server.core.model import MAX_DURATION_US, MAX_INSTANT_US, MIN_INSTANT_US
from scheduleflow.server.messages import convert

_log = logging.getLogger(__name__)

#: Raw ValidateRequest bytes -> the ValidateResponse bytes of a clean schedule, or None.
ValidateClean = Callable[[bytes], "bytes | None"]

_TYPE_NAMES = {
    value: name.removeprefix("TYPE_").lower()
    for name, value in vars(FieldDescriptor).items()
    if name.startswith("TYPE_") and isinstance(value, int)
}


def _field_line(message: Descriptor, field: FieldDescriptor) -> str:
    kind = _TYPE_NAMES[field.type]
    if field.message_type is not None:
        kind += f" {field.message_type.full_name}"
    elif field.enum_type is not None:
        kind += f" {field.enum_type.full_name}"
    repeated = "repeated " if field.is_repeated else ""
    return f"{message.full_name}.{field.name} = {field.number} {repeated}{kind}"


def describe(name: str) -> str:
    """The fingerprint line of a field (``pkg.Message.field``) or an enum value
    (``pkg.Enum.VALUE``) as the live descriptors have it; ``"<name> missing"``
    when there is no such thing."""
    pool = descriptor_pool.Default()
    container, _, member = name.rpartition(".")
    try:
        message: Descriptor = pool.FindMessageTypeByName(container)
    except KeyError:
        pass
    else:
        field = message.fields_by_name.get(member)
        return f"{name} missing" if field is None else _field_line(message, field)
    try:
        enum: EnumDescriptor = pool.FindEnumTypeByName(container)
    except KeyError:
        return f"{name} missing"
    value = enum.values_by_name.get(member)
    return f"{name} missing" if value is None else f"{name} = {value.number}"


def fingerprint_drift(fingerprint: str) -> list[tuple[str, str]]:
    """``(the C's line, the live descriptors' line)`` for every line that differs."""
    drift = []
    for line in fingerprint.strip().splitlines():
        live = describe(line.partition(" = ")[0].strip())
        if live != line.strip():
            drift.append((line.strip(), live))
    return drift


def _load(module: ModuleType | None = None) -> ValidateClean | None:
    if module is None:
        try:
            from scheduleflow.server.dispatch import _cvalidate
        except ImportError:
            return None
        module = _cvalidate
    fingerprint = getattr(module, "PROTO_FINGERPRINT", "")
    drift = fingerprint_drift(fingerprint) if fingerprint else [("PROTO_FINGERPRINT", "absent from the extension")]
    if drift:
        _log.error(
            "the compiled Validate fast path was written for other protos; it is OFF and every Validate runs in"
            " Python until _cvalidate.c is brought in line and rebuilt. C vs protos:\n%s",
            "\n".join(f"  C:      {c}\n  protos: {live}" for c, live in drift),
        )
        return None
    # One source for the limits: the model's, not copies in C.
    module.set_limits(MIN_INSTANT_US, MAX_INSTANT_US, MAX_DURATION_US)
    compiled: Callable[[bytes], tuple[str, bytes] | None] = module.validate_clean

    def validate_clean(raw: bytes) -> bytes | None:
        found = compiled(raw)
        if found is None:
            return None
        time_zone, response = found
        # Instants need no zone, but a request naming a zone that does not
        # exist is refused: the Python path's first check, with its error.
        convert.check_zone(time_zone, "time_zone")
        return response

    return validate_clean


#: None when the extension was not built, or does not match the protos.
validate_clean: ValidateClean | None = _load()


def select(mode: str) -> ValidateClean | None:
    """The fast path a server started with ``--native MODE`` uses."""
    if mode == "off":
        return None
    if mode == "on" and validate_clean is None:
        raise InvalidInput(
            "--native on: the compiled Validate fast path (scheduleflow.server.dispatch._cvalidate) is not built"
            " or does not match the protos (see the ERROR logged at start-up); install a C compiler and the"
            " Python headers (e.g. gcc, python3-dev) and reinstall ScheduleFlow, or start with --native auto"
        )
    return validate_clean
