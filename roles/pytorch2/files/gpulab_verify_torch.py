# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Report what torch sees in this environment, as one JSON object on stdout.

Run by the pytorch2 role with the environment's python, as an unprivileged user of the
environment's group. It only collects facts; the role judges them on the Ansible side
(plugins/module_utils/_torch_check.py), so nothing here decides pass or fail. It always prints
its one JSON object and exits 0: an import failure is "error", a CUDA initialisation failure
"cuda_error", a device that cannot be queried an entry of "device_errors" (by index), a cuDNN
that cannot be loaded "cudnn_error"; anything else unexpected is "error" too.
"""

import json
import os
import platform
import sys
import warnings


def _installed(name):
    import importlib.util
    return importlib.util.find_spec(name) is not None


def collect():
    report = {"python": platform.python_version(), "executable": sys.executable,
              "env": {"CUDA_VISIBLE_DEVICES": os.environ.get("CUDA_VISIBLE_DEVICES")}}
    try:
        import torch
        # torchvision is optional (pytorch2_torchvision_version ""): None where not installed;
        # an installed one that does not import is an error like torch's
        torchvision = __import__("torchvision") if _installed("torchvision") else None
    except Exception as err:  # report any import failure (missing wheel, bad library)
        report["error"] = "%s: %s" % (type(err).__name__, err)
        return report
    report["torch"] = torch.__version__
    report["torchvision"] = torchvision.__version__ if torchvision else None
    try:
        import torchaudio
        report["torchaudio"] = torchaudio.__version__
    except ImportError:
        report["torchaudio"] = None
    report["torch_cuda"] = torch.version.cuda
    errors = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            report["cuda_available"] = bool(torch.cuda.is_available())
            report["device_count"] = torch.cuda.device_count() if report["cuda_available"] else 0
        except Exception as err:  # CUDA initialisation itself failed
            report["cuda_available"], report["device_count"] = False, 0
            errors.append(_error(err))
    report["cuda_error"] = "; ".join(errors + [str(w.message).strip() for w in caught]) or None
    report["devices"] = []
    report["device_errors"] = {}
    for index in range(report["device_count"]):
        try:
            major, minor = torch.cuda.get_device_capability(index)
            report["devices"].append({"index": index, "name": torch.cuda.get_device_name(index),
                                      "capability": "%d.%d" % (major, minor)})
        except Exception as err:  # a busy, lost or inaccessible GPU
            report["device_errors"][str(index)] = _error(err)
    try:
        report["arch_list"] = list(torch.cuda.get_arch_list()) if torch.version.cuda else []
    except Exception as err:
        report["arch_list"], report["arch_list_error"] = [], _error(err)
    try:
        report["cudnn"] = (torch.backends.cudnn.version()
                           if torch.backends.cudnn.is_available() else None)
        report["cudnn_error"] = None
    except Exception as err:  # a CUDA build whose cuDNN library cannot be loaded
        report["cudnn"], report["cudnn_error"] = None, _error(err)
    return report


def _error(err):
    return "%s: %s" % (type(err).__name__, (str(err).strip().splitlines() or [""])[0][:300])


def main():
    try:
        report = collect()
    except Exception as err:  # never leave the role a non-JSON output to parse
        report = {"error": "the verify script failed: %s" % _error(err)}
    json.dump(report, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
