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

# Lua functions, shared by the scripts below and by the guard's one-round-trip admission
# (webapp.tiktok.guard). `now` is Redis's TIME in seconds.
# breaker_allow -> {allowed (1/0), seconds to wait (string: Lua numbers lose precision as
# integers), 1 when the call is the half-open probe}
ALLOW_LUA = """
local function breaker_allow(key, now, probe_seconds)
  local state = redis.call('HGET', key, 'state')
  if state == 'open' then
    local reopen = tonumber(redis.call('HGET', key, 'until'))
    if now < reopen then return {0, tostring(reopen - now), 0} end
    state = 'half_open'
    redis.call('HSET', key, 'state', state, 'probe_until', 0)
  end
  if state == 'half_open' then
    local probing = tonumber(redis.call('HGET', key, 'probe_until') or '0')
    if now < probing then return {0, tostring(probing - now), 0} end
    redis.call('HSET', key, 'probe_until', now + probe_seconds)
    return {1, '0', 1}
  end
  return {1, '0', 0}
end
"""

# breaker_record: `oks` successes then `fails` failures, counted together (a process may
# record its successes in bulk; a failure is recorded at once, with the successes before it)
# -> the state after. A failure in half-open (the probe's, or a straggler's) opens it again.
RECORD_LUA = """
local function breaker_record(keys, now, oks, fails, window, min_calls, min_success, cooldown,
                              nonce)
  local state = redis.call('HGET', keys[1], 'state') or 'closed'
  local function open()
    -- the outcomes stay (admins see what opened it); closing after a good probe clears them
    redis.call('HSET', keys[1], 'state', 'open', 'until', now + cooldown, 'since', now)
    return 'open'
  end
  if oks + fails == 0 then return state end
  if state == 'half_open' then
    if fails > 0 then return open() end
    redis.call('DEL', keys[1], keys[2], keys[3])
    return 'closed'
  end
  if state == 'open' then return 'open' end
  for i = 1, oks do redis.call('ZADD', keys[2], now, now .. ':' .. nonce .. ':' .. i) end
  for i = 1, fails do redis.call('ZADD', keys[3], now, now .. ':' .. nonce .. ':' .. i) end
  for _, k in ipairs({keys[2], keys[3]}) do
    redis.call('ZREMRANGEBYSCORE', k, '-inf', now - window)
    redis.call('EXPIRE', k, math.ceil(window))
  end
  local good = redis.call('ZCARD', keys[2])
  local total = good + redis.call('ZCARD', keys[3])
  if fails > 0 and total >= min_calls and good < total * min_success then
    return open()
  end
  return 'closed'
end
"""

NOW_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
"""

_ALLOW = ALLOW_LUA + NOW_LUA + "return breaker_allow(KEYS[1], now, tonumber(ARGV[1]))\n"

# ARGV: successes, failures, window, min_calls, min_success, cooldown, nonce -> the state after
_RECORD = RECORD_LUA + NOW_LUA + """
return breaker_record(KEYS, now, tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]),
                      tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7])
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

    def keys(self, source: str) -> list[str]:
        """The hash (state, until, probe) and the sorted sets of successes and failures."""
        base = f"{self.prefix}:breaker:{source}"
        return [base, f"{base}:ok", f"{base}:fail"]

    def allow(self, source: str) -> float:
        """0.0 when a call may go ahead, else the seconds until it may."""
        allowed, wait, _ = self._allow(keys=self.keys(source)[:1],
                                       args=[self.settings.probe_seconds])
        return 0.0 if int(allowed) else max(0.001, float(wait))

    def record(self, source: str, ok: bool) -> str:
        return self.record_many(source, int(ok), int(not ok))

    def record_many(self, source: str, successes: int, failures: int) -> str:
        """Outcomes counted together: the successes, then the failures (the state after)."""
        state = self._record(keys=self.keys(source),
                             args=[successes, failures, *self.record_args()])
        return state.decode() if isinstance(state, bytes) else state

    def record_args(self) -> list:
        s = self.settings
        return [s.window_seconds, s.min_calls, s.min_success, s.cooldown_seconds,
                secrets.token_hex(4)]

    def status(self, source: str) -> BreakerStatus:
        main, ok_key, fail_key = self.keys(source)
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
        self.redis.delete(*self.keys(source))
