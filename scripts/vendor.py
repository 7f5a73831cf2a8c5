"""Fetch the pinned third-party browser assets into facilitator/static/vendor/.

The files under facilitator/static/vendor/ are never edited by hand: they are copied
verbatim out of the npm registry tarballs pinned in PINS below, after the
tarball has been checked against the registry's sha512 integrity value.
To upgrade, change a version in PINS and run this script again.

    python scripts/vendor.py          # fetch, verify, write (idempotent)
    python scripts/vendor.py --check  # exit 1 if files on disk differ

facilitator/static/vendor/VERSIONS.json records, per package, the version, tarball URL,
integrity and the files written (paths relative to static/), so the app can
look an asset up by package and file name instead of hard-coding a version.
Standard library only.
"""

import base64
import hashlib
import io
import json
import shutil
import sys
import tarfile
import urllib.request
from pathlib import Path

PINS = {
    "htmx.org": {"version": "2.0.11", "files": ["package/dist/htmx.min.js", "package/LICENSE"]},
    "htmx-ext-ws": {"version": "2.0.4", "files": ["package/dist/ws.js", "package/LICENSE"]},
}

REGISTRY = "https://registry.npmjs.org"
STATIC = Path(__file__).resolve().parent.parent / "facilitator" / "static"
VENDOR = STATIC / "vendor"


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read()


def verified_tarball(name: str, version: str) -> tuple[dict, bytes]:
    """Return the registry's dist metadata and the tarball, refusing a mismatch."""
    dist = json.loads(fetch(f"{REGISTRY}/{name}/{version}"))["dist"]
    algorithm, _, expected = dist["integrity"].partition("-")
    if algorithm != "sha512":
        sys.exit(f"{name}@{version}: unsupported integrity {dist['integrity']!r}")
    data = fetch(dist["tarball"])
    actual = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if actual != expected:
        sys.exit(f"{name}@{version}: tarball integrity mismatch, refusing to vendor it")
    return dist, data


def wanted_files(name: str, pin: dict, data: bytes) -> dict[Path, bytes]:
    """Map each chosen tarball member to its destination and contents."""
    out = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member_name in pin["files"]:
            member = tar.getmember(member_name)
            if not member.isfile():
                sys.exit(f"{name}: {member_name} is not a regular file")
            dest = VENDOR / f"{name}-{pin['version']}" / Path(member_name).name
            out[dest] = tar.extractfile(member).read()
    return out


def main(check: bool) -> int:
    manifest, expected = {}, {}
    for name, pin in PINS.items():
        dist, data = verified_tarball(name, pin["version"])
        files = wanted_files(name, pin, data)
        expected.update(files)
        manifest[name] = {
            "version": pin["version"],
            "tarball": dist["tarball"],
            "integrity": dist["integrity"],
            "files": {p.name: p.relative_to(STATIC).as_posix() for p in files},
        }
    expected[VENDOR / "VERSIONS.json"] = (json.dumps(manifest, indent=2) + "\n").encode()

    wanted_dirs = {p.parent for p in expected}
    stale = sorted(  # anything else in facilitator/static/vendor/ or in a package directory
        p for d in wanted_dirs if d.is_dir() for p in d.iterdir() if p not in expected and p not in wanted_dirs
    )
    differing = [p for p, body in expected.items() if not p.is_file() or p.read_bytes() != body]

    if check:
        for path in differing:
            print(f"differs from the pinned tarball: {path.relative_to(STATIC.parent)}")
        for path in stale:
            print(f"not listed in PINS: {path.relative_to(STATIC.parent)}")
        return 1 if differing or stale else 0

    for path in stale:  # e.g. the directory of a previously pinned version
        shutil.rmtree(path) if path.is_dir() else path.unlink()
        print(f"removed {path.relative_to(STATIC.parent)}")
    for path in differing:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(expected[path])
        print(f"wrote {path.relative_to(STATIC.parent)}")
    if not differing and not stale:
        print("facilitator/static/vendor is up to date")
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    if args not in ([], ["--check"]):
        sys.exit(f"usage: {sys.argv[0]} [--check]")
    sys.exit(main(check=args == ["--check"]))
