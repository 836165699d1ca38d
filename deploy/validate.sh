#!/usr/bin/env bash
# Validates deploy/ offline, for CI (.ci/run) and by hand:
#
#   1. every manifest in deploy/kubernetes against the Kubernetes OpenAPI
#      schemas bundled in the PyPI package kubernetes-validate (strict: an
#      unknown field is an error), for the oldest Kubernetes version the
#      manifests support and the newest the package knows;
#   2. the kustomization, rendered by `kubectl kustomize` (offline), against
#      the same schemas; skipped with a note when kubectl is not installed;
#   3. the ConfigMap's scimshim.yaml and rules, with the Secret's files beside
#      them, through `scimshim check --config`, and its rule tests through
#      `scimshim test`, exactly as the Pod lays them out.
#
# usage: deploy/validate.sh [VENV_DIR]     (default: target/k8s-venv)
# SCIMSHIM_BIN picks the binary (default: `cargo run --locked -q --`).
# Nothing here needs the network once the venv is installed.
set -euo pipefail
cd "$(dirname "$0")/.."

# Pinned, with every dependency, so that a fresh machine validates against
# the same schemas. 1.37.0 bundles the schemas of Kubernetes 1.25 to 1.37.
PACKAGES=(
  kubernetes-validate==1.37.0
  attrs==26.1.0
  importlib_resources==7.1.0
  jsonschema==4.26.0
  jsonschema-specifications==2025.9.1
  packaging==26.3
  PyYAML==6.0.3
  referencing==0.37.0
  rpds-py==2026.9.1
  typing_extensions==4.16.0
)
# The preStop `sleep` action is on by default from 1.30.
K8S_VERSIONS=(1.30 1.37)

VENV_DIR=${1:-target/k8s-venv}
MANIFESTS=deploy/kubernetes
WORK=target/deploy-check

say() { echo "deploy: $*" >&2; }
die() { echo "deploy: error: $*" >&2; exit 1; }

PY="$VENV_DIR/bin/python"
mkdir -p "$(dirname "$VENV_DIR")"
exec 9>"$VENV_DIR.lock"
flock 9
if [ ! -x "$PY" ]; then
  say "creating $VENV_DIR"
  "${PYTHON:-python3}" -m venv "$VENV_DIR"
fi
installed=$("$PY" -m pip freeze --disable-pip-version-check 2>/dev/null | tr 'A-Z_' 'a-z-' | sort)
wanted=$(printf '%s\n' "${PACKAGES[@]}" | tr 'A-Z_' 'a-z-' | sort)
if [ "$installed" != "$wanted" ]; then
  say "installing ${PACKAGES[0]}"
  "$PY" -m pip install --quiet --disable-pip-version-check "${PACKAGES[@]}" >&2
fi
flock -u 9

mapfile -t files < <(find "$MANIFESTS" -name '*.yaml' ! -name kustomization.yaml | sort)
[ "${#files[@]}" -gt 0 ] || die "no manifests in $MANIFESTS"
for v in "${K8S_VERSIONS[@]}"; do
  "$PY" -m kubernetes_validate --strict --quiet -k "$v" "${files[@]}" \
    || die "manifests do not validate against Kubernetes $v"
done
echo "manifests: ${#files[@]} file(s) valid for Kubernetes ${K8S_VERSIONS[*]}"

rm -rf "$WORK"
mkdir -p "$WORK"
if command -v kubectl >/dev/null; then
  kubectl kustomize "$MANIFESTS" >"$WORK/rendered.yaml" || die "kubectl kustomize $MANIFESTS failed"
  for v in "${K8S_VERSIONS[@]}"; do
    "$PY" -m kubernetes_validate --strict --quiet -k "$v" "$WORK/rendered.yaml" \
      || die "the rendered kustomization does not validate against Kubernetes $v"
  done
  echo "kustomization: $(grep -c '^kind:' "$WORK/rendered.yaml") resource(s) rendered and valid"
else
  echo "kustomization: not rendered (kubectl is not installed); its resources were validated above"
fi

# The Pod's layout: /etc/scimshim/{config,secrets,rules}.
"$PY" - "$MANIFESTS" "$WORK" <<'PY'
import sys, pathlib, yaml
manifests, work = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
def one(name, kind):
    docs = [d for d in yaml.safe_load_all((manifests / name).read_text()) if d]
    found = [d for d in docs if d.get("kind") == kind]
    if len(found) != 1:
        sys.exit(f"{name}: expected one {kind}, found {len(found)}")
    return found[0]
for sub, data in (
    ("config", one("configmap.yaml", "ConfigMap")["data"]),
    ("secrets", one("secret.yaml", "Secret")["stringData"]),
):
    (work / sub).mkdir()
    for key, text in data.items():
        (work / sub / key).write_text(text)
PY
ln -s ../../rules "$WORK/rules"

if [ -n "${SCIMSHIM_BIN:-}" ]; then scimshim=("$SCIMSHIM_BIN"); else scimshim=(cargo run --locked -q --); fi
"${scimshim[@]}" check --config "$WORK/config/scimshim.yaml" \
  || die "the ConfigMap's scimshim.yaml or its rules have problems"
mapfile -t tests < <(find "$WORK/config" -name '*.test.yaml' | sort)
if [ "${#tests[@]}" -gt 0 ]; then
  "${scimshim[@]}" test "${tests[@]}" || die "the ConfigMap's rule tests fail"
fi
