"""`python -m sandbox [--host 127.0.0.1] [--port 5055] [--seed [sandbox/seed.json]]`."""
import argparse
import time
from pathlib import Path

from werkzeug.serving import make_server

from .app import make_app
from .state import DEFAULT_SEED, State


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--seed", nargs="?", const=str(DEFAULT_SEED), default=None,
                        help="load a seed file (no value: sandbox/seed.json)")
    parser.add_argument("--epoch-file", default=None,
                        help="keep seeded videos' growth anchored to the time stored here, so "
                             "a restarted sandbox reports the same (still growing) counts")
    args = parser.parse_args(argv)
    state = State(seed_path=args.seed)
    if args.epoch_file:
        _anchor_growth(state, args.epoch_file)
    server = make_server(args.host, args.port, make_app(state), threaded=True)
    base = f"http://{'127.0.0.1' if args.host == '0.0.0.0' else args.host}:{server.server_port}"
    print(f"TikTok sandbox at {base}", flush=True)
    print(f"  www/m.tiktok.com, open.tiktokapis.com -> {base}\n"
          f"  vm.tiktok.com -> {base}/_vm   vt.tiktok.com -> {base}/_vt\n"
          f"  control API -> {base}/_sandbox/   ({len(state.users)} users, "
          f"{len(state.videos)} videos loaded)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def _anchor_growth(state: State, path: str) -> None:
    epoch_file = Path(path)
    if epoch_file.exists():
        epoch = float(epoch_file.read_text().strip())
    else:
        epoch_file.parent.mkdir(parents=True, exist_ok=True)
        epoch = time.time()
        epoch_file.write_text(repr(epoch))
    for video in state.videos.values():
        video.base_time = epoch


if __name__ == "__main__":
    main()
