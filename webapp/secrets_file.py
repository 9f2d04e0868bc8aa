"""A random secret key kept in instance/, for setups where no SECRET_KEY is configured.

Web, worker and scheduler processes read the same file, so sessions and encrypted tokens work
across them; `make demo` and a newcomer's checkout need nothing set.
"""
import os
import secrets


def instance_secret(instance_path: str) -> str:
    path = os.path.join(instance_path, "secret_key")
    try:
        # O_EXCL: when two processes start at once, exactly one writes the key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        with open(path) as existing:
            key = existing.read().strip()
        if key:
            return key
        raise RuntimeError(f"{path} is empty: delete it and start again")
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w") as new:
        new.write(key)
    return key
