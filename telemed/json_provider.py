"""The app's JSON: NaN and Infinity never reach a response (they are not JSON, and one of them in
a case list once stopped a consortium's queue page). A non-finite number becomes null and is
logged; under TESTING it raises, so that the code producing it is found and fixed."""
from __future__ import annotations

import json
import logging
import math

from flask.json.provider import DefaultJSONProvider

log = logging.getLogger(__name__)


class NonFiniteNumber(ValueError):
    pass


def finite_or_null(value):
    """`value` with every NaN/±Infinity float (at any depth) replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite_or_null(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_or_null(v) for v in value]
    return value


class FiniteJSONProvider(DefaultJSONProvider):
    def dumps(self, obj, **kwargs) -> str:
        kwargs.setdefault("default", self.default)
        kwargs.setdefault("ensure_ascii", self.ensure_ascii)
        kwargs.setdefault("sort_keys", self.sort_keys)
        kwargs["allow_nan"] = False
        try:
            return json.dumps(obj, **kwargs)
        except ValueError as exc:
            if "Out of range float values" not in str(exc):
                raise
            if self._app.testing:
                raise NonFiniteNumber(f"NaN or Infinity in a JSON response: {exc}") from None
            log.error("NaN or Infinity in a JSON response; sent as null")
            return json.dumps(finite_or_null(obj), **kwargs)
