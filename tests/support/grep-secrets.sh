#!/usr/bin/env bash
# After `cargo test`: fails if any secret the suite used (tests/fixtures/secrets.txt)
# appears in anything scimshim printed during the suite (target/test-logs/,
# written by tests/it/support/scimshim.rs). A `user:password` pair is also
# looked for as its password alone, and every value in its base64 forms.
set -euo pipefail
cd "$(dirname "$0")/../.."
logs=target/test-logs
if ! compgen -G "$logs/*.log" > /dev/null; then
    echo "grep-secrets: no logs in $logs; run cargo test first" >&2
    exit 1
fi
python3 - "$logs" tests/fixtures/secrets.txt <<'PY'
import base64, pathlib, sys
logs, registry = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
secrets = []
for line in registry.read_text().splitlines():
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    secrets.append(line)
    if ":" in line:
        secrets.append(line.split(":", 1)[1])
needles = set()
for s in secrets:
    raw = s.encode()
    needles.add(raw)
    for enc in (base64.b64encode, base64.urlsafe_b64encode):
        needles.add(enc(raw))
        needles.add(enc(raw).rstrip(b"="))
files = sorted(logs.glob("*.log"))
hits = []
for f in files:
    data = f.read_bytes()
    for n in needles:
        if n in data:
            hits.append(f"{f}: {n.decode()!r}")
if hits:
    print("grep-secrets: secrets found in scimshim's output:", *hits, sep="\n  ")
    sys.exit(1)
print(f"grep-secrets: {len(secrets)} secrets, {len(needles)} forms, {len(files)} log files: none found")
PY
