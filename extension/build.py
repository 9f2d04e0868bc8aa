"""Package the admins' browser extension: `make extension` -> dist/viewpay-extension.zip.

    python extension/build.py [--out dist/viewpay-extension.zip]
    python extension/build.py --test-origin http://127.0.0.1:5055 --dir /tmp/viewpay-ext

The zip is the production extension (TikTok only): unzip it and "Load unpacked", or upload it to
a browser's extension store. `--test-origin` writes an unpacked copy for the browser tests whose
TikTok is the local sandbox: its content script also runs there, it may call that host, and its
sweep opens pages there. Only loopback origins are accepted, so no such build reaches anyone.
No npm: the extension is plain files.
"""
from __future__ import annotations

import argparse
import io
import json
import re
import sys
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
SHIPPED = ("manifest.json", "options.html", "popup.html", "ui.css", "_locales", "src", "icons")
CONFIG = "src/config.js"
_ORIGIN_LINE = re.compile(r'tiktokOrigin: "[^"]*"')
_LOOPBACK = ("127.0.0.1", "localhost")
_ZIP_TIME = (2024, 1, 1, 0, 0, 0)  # fixed, so the same sources give the same zip


def shipped_files() -> list[str]:
    """The extension's files, as paths relative to extension/, sorted."""
    found = []
    for name in SHIPPED:
        path = HERE / name
        items = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        found += [p.relative_to(HERE).as_posix() for p in items]
    return sorted(found)


def _test_origin(origin: str) -> tuple[str, str]:
    """(origin, match pattern) for a loopback test origin such as http://127.0.0.1:5055."""
    parts = urlsplit(origin)
    if parts.scheme != "http" or parts.hostname not in _LOOPBACK or parts.path not in ("", "/"):
        raise ValueError(f"a test origin is http://127.0.0.1:PORT or http://localhost:PORT, "
                         f"not {origin!r}")
    # Match patterns carry no port: this one covers the sandbox and a live ViewPay alike.
    return f"http://{parts.netloc}", f"http://{parts.hostname}/*"


def contents(test_origin: str | None = None) -> dict[str, bytes]:
    """Every shipped file's bytes; a test build gets its manifest and config rewritten."""
    files = {name: (HERE / name).read_bytes() for name in shipped_files()}
    if test_origin is None:
        return files
    origin, pattern = _test_origin(test_origin)
    manifest = json.loads(files["manifest.json"])
    manifest["content_scripts"][0]["matches"].append(pattern)
    manifest["host_permissions"].append(pattern)
    files["manifest.json"] = json.dumps(manifest, indent=2).encode()
    config, replaced = _ORIGIN_LINE.subn(f'tiktokOrigin: "{origin}"', files[CONFIG].decode())
    if replaced != 1:
        raise RuntimeError(f"{CONFIG} no longer has one tiktokOrigin line")
    files[CONFIG] = config.encode()
    return files


def zip_bytes() -> bytes:
    """The production extension as a zip, manifest.json at its root."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents().items():
            info = zipfile.ZipInfo(name, _ZIP_TIME)
            info.external_attr = 0o644 << 16  # readable once unzipped (unzip keeps the mode)
            archive.writestr(info, data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def write_unpacked(target: Path, test_origin: str | None = None) -> Path:
    """An unpacked copy in `target` (what --load-extension takes)."""
    for name, data in contents(test_origin).items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE.parent / "dist" / "viewpay-extension.zip")
    parser.add_argument("--test-origin", help="loopback origin playing TikTok (tests only)")
    parser.add_argument("--dir", type=Path, help="with --test-origin: where to write it")
    args = parser.parse_args(argv)
    if args.test_origin:
        if args.dir is None:
            parser.error("--test-origin writes an unpacked copy: give --dir")
        try:
            print(write_unpacked(args.dir, args.test_origin))
        except ValueError as exc:
            parser.error(str(exc))
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(zip_bytes())
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
