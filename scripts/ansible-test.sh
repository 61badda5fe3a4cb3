#!/usr/bin/env bash
# Run `ansible-test` (sanity and units) from a copy of the checkout placed at
# <tmp>/ansible_collections/gpulab/pytorch_stack, as ansible-test requires (it refuses a
# symlinked checkout). ansible-test --venv bootstraps pip with a script it downloads from a
# host that is unreachable here; we seed its cache with an equivalent script that installs
# pip from the pip wheel on PyPI, so it works offline.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
venv=${GPULAB_VENV:-${top}/.venv}
cache_root=${GPULAB_ANSIBLE_TEST_DIR:-${TMPDIR:-/tmp}/gpulab-ansible-test}
dest=${cache_root}/src/ansible_collections/gpulab/pytorch_stack

seed_get_pip() {
  local pip_version script wheels
  pip_version=$("${venv}/bin/python" - <<'PY'
import sys
from types import SimpleNamespace
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(SimpleNamespace(version="%d.%d" % sys.version_info[:2]))["pip"])
PY
)
  script="${HOME}/.ansible/test/cache/get_pip_${pip_version//./_}.py"
  wheels=${HOME}/.ansible/test/cache/gpulab-pip-wheels
  [ -s "${script}" ] && compgen -G "${wheels}/pip-${pip_version}-*.whl" >/dev/null && return 0
  wheels=${HOME}/.ansible/test/cache/gpulab-pip-wheels
  mkdir -p "$(dirname "${script}")" "${wheels}"
  "${venv}/bin/pip" download -q --no-deps --only-binary=:all: -d "${wheels}" "pip==${pip_version}"
  cat > "${script}" <<PY
# Offline stand-in for get-pip.py, written by gpulab's scripts/ansible-test.sh: installs the
# requested pip from the pip ${pip_version} wheel downloaded from PyPI into ${wheels}.
import glob, sys
wheel = glob.glob("${wheels}/pip-${pip_version}-*.whl")[0]
sys.path.insert(0, wheel)
from pip._internal.cli.main import main
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.exit(main(["install", "--no-index", "--find-links", "${wheels}"] + args))
PY
}

rm -rf "${dest}"
mkdir -p "${dest}"
(cd "${top}" && git ls-files -co --exclude-standard -z | tar --null -T - -cf -) | tar -C "${dest}" -xf -
seed_get_pip
cd "${dest}"
"${venv}/bin/ansible-test" "$@"
