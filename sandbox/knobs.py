"""Knobs: the failure and timing dials a test or the demo turns (latency, errors, limits, clock)."""
import copy

SURFACES = ("page", "oembed", "api", "oauth", "shortlink", "cdn")


def default_knobs() -> dict:
    return {
        "latency_ms": 0,
        "error_rate": 0.0,
        "error_surfaces": None,  # None = every TikTok surface; else a list from SURFACES
        # Display API: 600 per endpoint per minute, like TikTok. Pages/oEmbed: unlimited by default.
        "rate_limits": {"page": None, "oembed": None, "api": 600},
        "rate_window_seconds": 60,
        "clock_offset_seconds": 0,
        "client_key": "sandbox-client-key",
        "client_secret": "sandbox-client-secret",
        "redirect_uris": None,  # None = accept any redirect_uri; else the registered list
    }


def merged(current: dict, changes: dict) -> dict:
    """A validated copy of `current` with `changes` applied; raises ValueError on a bad knob."""
    result = copy.deepcopy(current)
    for key, value in changes.items():
        if key not in result:
            raise ValueError(f"unknown knob {key}")
        if key == "rate_limits":
            if not isinstance(value, dict):
                raise ValueError("rate_limits is an object")
            result[key].update(value)
        else:
            result[key] = value
    try:
        _check(result)
    except (TypeError, AttributeError):
        raise ValueError("a knob has the wrong type") from None
    return result


def _check(k: dict) -> None:
    if not 0 <= float(k["error_rate"]) <= 1:
        raise ValueError("error_rate is a fraction between 0 and 1")
    if float(k["latency_ms"]) < 0 or float(k["rate_window_seconds"]) <= 0:
        raise ValueError("latency_ms must be >= 0 and rate_window_seconds > 0")
    float(k["clock_offset_seconds"])
    for surface, limit in k["rate_limits"].items():
        if surface not in ("page", "oembed", "api") or not (limit is None or int(limit) >= 0):
            raise ValueError("rate_limits maps page/oembed/api to a count or null")
    if k["error_surfaces"] is not None and not set(k["error_surfaces"]) <= set(SURFACES):
        raise ValueError(f"error_surfaces lists some of {', '.join(SURFACES)}")
    if k["redirect_uris"] is not None and not isinstance(k["redirect_uris"], list):
        raise ValueError("redirect_uris is a list or null")
    if not isinstance(k["client_key"], str) or not isinstance(k["client_secret"], str):
        raise ValueError("client_key and client_secret are strings")
