"""mobile-id: mobile identity and electronic signatures (SIM-bound keys over APDU, CMS and
PAdES signing and verification, certificate chains, the Mobile-ID login).

Everything the Rust library exports through uniffi is here under its own name (``Signer``,
``Verifier``, ``SimSession``, ``PdfSigningOptions``, …). Records also convert: ``to_dict()``
gives plain Python values in the shape of the command line's JSON (enum values spelled as
there, times as RFC 3339 strings, bytes as hex), ``to_json()`` the same as text, and
``repr()`` shows every field. Every parameter that names a file or directory also takes an
``os.PathLike`` (``pathlib.Path``).
"""

from __future__ import annotations

import datetime as _datetime
import enum as _enum
import functools as _functools
import inspect as _inspect
import json as _json
import os as _os
import typing as _typing

from . import _ffi
from ._ffi import *  # noqa: F401,F403  (the bindings' public names)

__all__ = list(_ffi.__all__)

# How each enum is spelled in the command line's JSON: ETSI indications with hyphens,
# sub-indications as ETSI writes them, everything else in lower case with hyphens.
_SPELLING: dict[type, _typing.Callable[[str], str]] = {
    _ffi.Indication: lambda name: name.replace("_", "-"),
    _ffi.SubIndication: lambda name: name,
}


def _plain(value: _typing.Any) -> _typing.Any:
    """A record, enum, time, byte string or list as plain JSON-ready values."""
    if isinstance(value, _enum.Enum):
        spell = _SPELLING.get(type(value), lambda name: name.lower().replace("_", "-"))
        return spell(value.name)
    if isinstance(value, _datetime.datetime):
        utc = value.astimezone(_datetime.timezone.utc) if value.tzinfo else value.replace(tzinfo=_datetime.timezone.utc)
        return utc.isoformat().replace("+00:00", "Z")
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if type(value) in _RECORDS:
        return value.to_dict()
    return value


def _to_dict(self) -> dict:
    """This record as plain values: the command line's JSON shape."""
    return {name: _plain(getattr(self, name)) for name in _fields(type(self))}


def _to_json(self, **dumps: _typing.Any) -> str:
    """This record as JSON text (``json.dumps`` keyword arguments pass through)."""
    return _json.dumps(self.to_dict(), ensure_ascii=False, **dumps)


def _repr(self) -> str:
    fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in _fields(type(self)))
    return f"{type(self).__name__}({fields})"


def _fields(cls: type) -> list[str]:
    """A record's fields: its constructor's keyword-only parameters, in order."""
    code = cls.__init__.__code__
    return list(code.co_varnames[1 : 1 + code.co_argcount + code.co_kwonlyargcount - 1])


def _is_record(cls: type) -> bool:
    # uniffi records are plain classes with keyword-only constructors and field-wise equality;
    # objects (handles to Rust values), enums, errors and protocols are not.
    return (
        isinstance(cls, type)
        and cls.__module__ == _ffi.__name__
        and not issubclass(cls, (_enum.Enum, BaseException))
        and "__eq__" in cls.__dict__
        and "__init__" in cls.__dict__
        and cls.__init__.__code__.co_kwonlyargcount > 0
    )


_RECORDS = {cls for cls in vars(_ffi).values() if _is_record(cls)}
for _cls in _RECORDS:
    _cls.to_dict = _to_dict
    _cls.to_json = _to_json
    _cls.__repr__ = _repr


# Paths: the bindings take strings; these wrappers also take os.PathLike (pathlib.Path).
def _is_path_parameter(name: str) -> bool:
    return name == "path" or name.endswith("_path") or name == "directory"


def _accepting_paths(function):
    try:
        names = list(_inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return function
    positions = [i for i, name in enumerate(names) if _is_path_parameter(name)]
    if not positions:
        return function

    @_functools.wraps(function)
    def wrapper(*args, **kwargs):
        args = [_os.fspath(a) if i in positions and isinstance(a, _os.PathLike) else a for i, a in enumerate(args)]
        kwargs = {k: _os.fspath(v) if _is_path_parameter(k) and isinstance(v, _os.PathLike) else v for k, v in kwargs.items()}
        return function(*args, **kwargs)

    return wrapper


for _name in list(__all__):
    _value = getattr(_ffi, _name)
    if _inspect.isfunction(_value):
        globals()[_name] = _accepting_paths(_value)
    elif isinstance(_value, type) and _value.__module__ == _ffi.__name__:
        for _attr, _member in list(vars(_value).items()):
            if isinstance(_member, classmethod):
                setattr(_value, _attr, classmethod(_accepting_paths(_member.__func__)))
            elif _inspect.isfunction(_member) and not _attr.startswith("_"):
                setattr(_value, _attr, _accepting_paths(_member))
