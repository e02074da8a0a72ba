"""Check an ipcase archive (卷宗) offline: python3 verify_archive.py ARCHIVE.zip PUBLIC_KEY.pem

Needs only the standard library and `cryptography`. Exit 0 when the manifest's Ed25519 signature
holds, the ZIP has exactly the files listed with their SHA-256, and history.json chains to the
signed head; otherwise prints each problem and exits 1.
"""
import base64  # noqa: E401
import hashlib
import json
import sys
import zipfile

from cryptography.hazmat.primitives.serialization import load_pem_public_key


def canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def problems(path, pem):
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        signature = base64.b64decode(manifest.pop("signature"))
        try:
            load_pem_public_key(pem).verify(signature, canonical(manifest))
        except Exception:
            return ["manifest.json: the signature does not verify"]
        listed = {f["name"]: f for f in manifest["files"]}
        found = [f"{n}: not in the manifest" for n in zf.namelist() if n not in listed and n != "manifest.json"]
        for name, f in listed.items():
            if name not in zf.namelist():
                found.append(f"{name}: missing")
            elif hashlib.sha256(zf.read(name)).hexdigest() != f["sha256"]:
                found.append(f"{name}: SHA-256 differs")
        prev = "0" * 64
        for event in json.loads(zf.read("history.json")) if "history.json" in zf.namelist() else []:
            fields = {k: v for k, v in event.items() if k != "hash"}
            if event["prev_hash"] != prev or hashlib.sha256(canonical(fields)).hexdigest() != event["hash"]:
                return found + [f"history.json: event {event['seq']} does not chain"]
            prev = event["hash"]
        if prev != manifest["chain"]["head"]:
            found.append("history.json: does not end at the signed chain head")
    return found


if __name__ == "__main__":
    bad = problems(sys.argv[1], open(sys.argv[2], "rb").read())
    print("\n".join(bad) or "OK: signature, files and chain verified")
    sys.exit(1 if bad else 0)
