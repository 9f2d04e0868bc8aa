"""A circuit breaker per TikTok source, in Redis so all workers see one state.

closed    -> every call goes through; outcomes of the last `window` seconds are counted.
open      -> when at least `min_calls` recent calls succeeded less than `min_success` of the
             time (TikTok blocking us, a layout change, an outage), nobody calls the source
             until `cooldown` seconds have passed.
half_open -> after the cool-down one probe call at a time is let through; its success closes
             the breaker, its failure opens it for another cool-down.

"Failure" means the source did not work (timeouts, 5xx, WAF pages, unreadable answers, 429s),
not that a video is gone: a clean "private" or "not found" is the source working.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from webapp.tiktok.limits import PREFIX

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"

# -> {allowed (1/0), seconds to wait (string, Lua numbers lose precision as integers)}
_ALLOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'open' then
  local reopen = tonumber(redis.call('HGET', KEYS[1], 'until'))
  if now < reopen then return {0, tostring(reopen - now)} end
  state = 'half_open'
  redis.call('HSET', KEYS[1], 'state', state, 'probe_until', 0)
end
if state == 'half_open' then
  local probing = tonumber(redis.call('HGET', KEYS[1], 'probe_until') or '0')
  if now < probing then return {0, tostring(probing - now)} end
  redis.call('HSET', KEYS[1], 'probe_until', now + tonumber(ARGV[1]))
end
return {1, '0'}
"""

# ARGV: ok (1/0), window, min_calls, min_success, cooldown, nonce  -> the state after
_RECORD = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local ok = ARGV[1] == '1'
local state = redis.call('HGET', KEYS[1], 'state') or 'closed'
local function open()
  -- the outcomes stay (admins see what opened it); closing after a good probe clears them
  redis.call('HSET', KEYS[1], 'state', 'open', 'until', now + tonumber(ARGV[5]), 'since', now)
  return 'open'
end
if state == 'half_open' then
  if ok then
    redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
    return 'closed'
  end
  return open()
end
if state == 'open' then return 'open' end
local window = tonumber(ARGV[2])
local key = ok and KEYS[2] or KEYS[3]
redis.call('ZADD', key, now, now .. ':' .. ARGV[6])
for _, k in ipairs({KEYS[2], KEYS[3]}) do
  redis.call('ZREMRANGEBYSCORE', k, '-inf', now - window)
  redis.call('EXPIRE', k, math.ceil(window))
end
local good = redis.call('ZCARD', KEYS[2])
local total = good + redis.call('ZCARD', KEYS[3])
if not ok and total >= tonumber(ARGV[3]) and good < total * tonumber(ARGV[4]) then
  return open()
end
return 'closed'
"""


@dataclass(frozen=True)
class BreakerSettings:
    window_seconds: float = 300.0
    min_calls: int = 20
    min_success: float = 0.5  # below this share of successes the breaker opens
    cooldown_seconds: float = 300.0
    probe_seconds: float = 30.0  # how long one half-open probe may take before another is let in


@dataclass(frozen=True)
class BreakerStatus:
    source: str
    state: str
    retry_in: float  # seconds until calls may go through again (0 when closed)
    successes: int
    failures: int

    @property
    def success_rate(self) -> float | None:
        total = self.successes + self.failures
        return self.successes / total if total else None


class CircuitBreaker:
    def __init__(self, redis, settings: BreakerSettings | None = None, prefix: str = PREFIX):
        self.redis = redis
        self.settings = settings or BreakerSettings()
        self.prefix = prefix
        self._allow = redis.register_script(_ALLOW)
        self._record = redis.register_script(_RECORD)

    def _keys(self, source: str) -> list[str]:
        base = f"{self.prefix}:breaker:{source}"
        return [base, f"{base}:ok", f"{base}:fail"]

    def allow(self, source: str) -> float:
        """0.0 when a call may go ahead, else the seconds until it may."""
        allowed, wait = self._allow(keys=self._keys(source)[:1],
                                    args=[self.settings.probe_seconds])
        return 0.0 if int(allowed) else max(0.001, float(wait))

    def record(self, source: str, ok: bool) -> str:
        s = self.settings
        state = self._record(keys=self._keys(source), args=[
            "1" if ok else "0", s.window_seconds, s.min_calls, s.min_success, s.cooldown_seconds,
            secrets.token_hex(4)])
        return state.decode() if isinstance(state, bytes) else state

    def status(self, source: str) -> BreakerStatus:
        main, ok_key, fail_key = self._keys(source)
        seconds, micros = self.redis.time()
        now = int(seconds) + int(micros) / 1e6
        since = now - self.settings.window_seconds
        fields = {k.decode(): v.decode() for k, v in self.redis.hgetall(main).items()}
        state = fields.get("state", CLOSED)
        retry_in = 0.0
        if state == OPEN:
            retry_in = max(0.0, float(fields["until"]) - now)
            if retry_in == 0.0:
                state = HALF_OPEN  # the next call will be the probe
        return BreakerStatus(source=source, state=state, retry_in=retry_in,
                             successes=int(self.redis.zcount(ok_key, since, "+inf")),
                             failures=int(self.redis.zcount(fail_key, since, "+inf")))

    def reset(self, source: str) -> None:
        self.redis.delete(*self._keys(source))
