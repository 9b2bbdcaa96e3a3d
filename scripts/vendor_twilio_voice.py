"""Vendor Twilio's Voice JavaScript SDK: one pinned, checksummed file that we serve ourselves.

    python scripts/vendor_twilio_voice.py [VERSION]

Fetches `@twilio/voice-sdk@VERSION` with npm (which checks the registry's own integrity hash), keeps
only `dist/twilio.min.js` and the licence, and writes `twilio-voice.json` beside them with the
version, the npm integrity and the SHA-384 the softphone page puts in its `integrity` attribute.
The browser then refuses the file if a byte changes; a test checks the manifest against the file.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "@twilio/voice-sdk"
VERSION = "2.18.5"
VENDOR = Path(__file__).resolve().parents[1] / "admin" / "softphone_static" / "vendor"
MANIFEST = VENDOR / "twilio-voice.json"


def sri(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def vendor(version: str) -> dict[str, str]:
    with tempfile.TemporaryDirectory() as work:
        packed = subprocess.run(
            ["npm", "pack", f"{PACKAGE}@{version}", "--json", "--pack-destination", work],
            check=True,
            capture_output=True,
            text=True,
        )
        [info] = json.loads(packed.stdout)
        with tarfile.open(Path(work) / info["filename"]) as archive:
            script = archive.extractfile("package/dist/twilio.min.js")
            licence = archive.extractfile("package/LICENSE.md")
            assert script is not None and licence is not None
            data, licence_text = script.read(), licence.read()
    for old in VENDOR.glob("twilio-voice-*.min.js"):
        old.unlink()
    name = f"twilio-voice-{version}.min.js"
    VENDOR.mkdir(parents=True, exist_ok=True)
    (VENDOR / name).write_bytes(data)
    (VENDOR / "twilio-voice-LICENSE.md").write_bytes(licence_text)
    manifest = {
        "package": PACKAGE,
        "version": version,
        "file": name,
        "npm_integrity": info["integrity"],
        "integrity": sri(data),
    }
    MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


if __name__ == "__main__":
    if shutil.which("npm") is None:
        sys.exit("npm is needed to vendor the SDK")
    print(json.dumps(vendor(sys.argv[1] if len(sys.argv) > 1 else VERSION), indent=2))
