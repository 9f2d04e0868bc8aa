"""The sandbox's whole world, in memory: users, videos, short links, knobs, OAuth grants, request log.

One RLock guards everything: requests arrive on werkzeug's threads and the control API mutates the
same dicts. Readers get copies, so rendering happens outside the lock.
"""
import collections
import copy
import json
import random
import threading
import time
from pathlib import Path

from flask import current_app

from . import items, model
from .knobs import default_knobs, merged
from .tokens import TokenStore

DEFAULT_SEED = Path(__file__).with_name("seed.json")


class State:
    def __init__(self, seed_path=None):
        self.lock = threading.RLock()
        self.rng = random.Random()
        self.reset()
        if seed_path:
            self.load_seed(seed_path)

    def now(self) -> float:
        """The sandbox clock: real time shifted by a knob, so tests can age tokens and views."""
        return time.time() + self._knobs["clock_offset_seconds"]

    def reset(self) -> None:
        with self.lock:
            self.users: dict[str, model.User] = {}
            self.videos: dict[str, model.Video] = {}
            # The CDN's object name -> video id: a cover request finds its video at once (the
            # key is a hash of the id, so it never changes; a removed video's entry finds none).
            self._by_cover_key: dict[str, str] = {}
            self.shortlinks: dict[str, model.ShortLink] = {}
            self._knobs = default_knobs()
            self.tokens = TokenStore(self)
            self.log = collections.deque(maxlen=2000)
            self._hits: dict[str, collections.deque] = {}

    def load_seed(self, path=None) -> dict:
        """Upsert the users, videos and short links of a seed file (same shapes as the control API)."""
        data = json.loads(Path(path or DEFAULT_SEED).read_text(encoding="utf-8"))
        with self.lock:
            for user in data.get("users", []):
                self.users.pop(str(user.get("user_id")), None)
                self.add_user(user)
            for video in data.get("videos", []):
                self.videos.pop(str(video.get("video_id")), None)
                self.add_video(video)
            for link in data.get("shortlinks", []):
                self.add_shortlink(link)
        return {k: len(data.get(k, [])) for k in ("users", "videos", "shortlinks")}

    # --- users -------------------------------------------------------------------------------
    def add_user(self, data: dict) -> model.User:
        user = model.new_user(data)
        with self.lock:
            if user.user_id in self.users:
                raise model.Conflict(f"user {user.user_id} exists")
            self._check_handle_free(user.handle, user.user_id)
            self.users[user.user_id] = user
            return copy.copy(user)

    def patch_user(self, user_id: str, data: dict) -> model.User:
        with self.lock:
            user = self._get(self.users, user_id)
            if "handle" in data:
                self._check_handle_free(str(data["handle"]), user_id)
            trial = copy.copy(user)
            model.patch_user(trial, data)
            self.users[user_id] = trial
            return copy.copy(trial)

    @staticmethod
    def _get(table: dict, key: str):
        if key not in table:
            raise model.Missing(f"{key} not found")
        return table[key]

    def _check_handle_free(self, handle: str, user_id: str) -> None:
        other = self.user_by_handle(handle)
        if other and other.user_id != user_id:
            raise model.Conflict(f"handle @{handle} is taken")

    def user(self, user_id: str) -> model.User | None:
        with self.lock:
            found = self.users.get(str(user_id))
            return copy.copy(found) if found else None

    def user_by_handle(self, handle: str) -> model.User | None:
        """Handles compare case-insensitively, like TikTok's profile URLs."""
        wanted = handle.lower()
        with self.lock:
            for user in self.users.values():
                if user.handle.lower() == wanted:
                    return copy.copy(user)
        return None

    def all_users(self) -> list[model.User]:
        with self.lock:
            return sorted((copy.copy(u) for u in self.users.values()), key=lambda u: u.handle)

    def resolve_user(self, ref: str) -> model.User | None:
        """A user by id or by handle (the control API and sandbox_user= accept either)."""
        return self.user(str(ref)) or self.user_by_handle(str(ref).lstrip("@"))

    # --- videos ------------------------------------------------------------------------------
    def add_video(self, data: dict) -> model.Video:
        with self.lock:
            owner = self.resolve_user(data.get("user_id") or data.get("handle") or "")
            if owner is None:
                raise model.Missing("video owner (user_id or handle) not found")
            video = model.new_video(data, owner.user_id, self.now())
            if video.video_id in self.videos:
                raise model.Conflict(f"video {video.video_id} exists")
            self.videos[video.video_id] = video
            self._by_cover_key[items.cover_key(video.video_id)] = video.video_id
            return copy.copy(video)

    def video_by_cover_key(self, key: str) -> tuple[model.Video, model.User] | None:
        with self.lock:
            video_id = self._by_cover_key.get(key)
        return self.video(video_id) if video_id else None

    def patch_video(self, video_id: str, data: dict) -> model.Video:
        with self.lock:
            trial = copy.copy(self._get(self.videos, video_id))
            if "user_id" in data or "handle" in data:
                owner = self.resolve_user(data.get("user_id") or data.get("handle"))
                if owner is None:
                    raise model.Missing("new owner not found")
                trial.user_id = owner.user_id
            model.patch_video(trial, data, self.now())
            self.videos[video_id] = trial
            return copy.copy(trial)

    def video(self, video_id: str) -> tuple[model.Video, model.User] | None:
        """A video with its owner, or None; the pair is a consistent snapshot."""
        with self.lock:
            found = self.videos.get(str(video_id))
            if found is None:
                return None
            return copy.copy(found), copy.copy(self.users[found.user_id])

    def videos_of(self, user_id: str) -> list[model.Video]:
        with self.lock:
            return [copy.copy(v) for v in self.videos.values() if v.user_id == user_id]

    # --- short links -------------------------------------------------------------------------
    def add_shortlink(self, data: dict) -> model.ShortLink:
        link = model.new_shortlink(data)
        with self.lock:
            self.shortlinks[link.code] = link
        return copy.copy(link)

    def shortlink(self, code: str, host: str) -> model.ShortLink | None:
        with self.lock:
            link = self.shortlinks.get(code)
        return copy.copy(link) if link and link.host in ("any", host) else None

    # --- knobs, request log, rate windows ----------------------------------------------------
    def knobs(self) -> dict:
        with self.lock:
            return copy.deepcopy(self._knobs)

    def set_knobs(self, data: dict) -> dict:
        with self.lock:
            self._knobs = merged(self._knobs, data)
            return copy.deepcopy(self._knobs)

    def record(self, entry: dict) -> dict:
        with self.lock:
            self.log.append(entry)
        return entry

    def requests(self) -> list[dict]:
        with self.lock:
            return [dict(e) for e in self.log]

    def clear_requests(self) -> None:
        with self.lock:
            self.log.clear()

    def hit(self, key: str, limit: int | None, window: float) -> int | None:
        """Count a request in a sliding window; over the limit, return Retry-After seconds."""
        if limit is None:
            return None
        now = self.now()
        with self.lock:
            hits = self._hits.setdefault(key, collections.deque())
            while hits and hits[0] <= now - window:
                hits.popleft()
            if len(hits) >= limit:
                # A limit of 0 throttles everything: then wait a whole window.
                oldest = hits[0] if hits else now
                return max(1, int(oldest + window - now + 0.999))
            hits.append(now)
            return None



def current() -> State:
    """The State of the app serving this request."""
    return current_app.extensions["sandbox_state"]
