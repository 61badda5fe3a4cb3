# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Report what torch sees in this environment, as one JSON object on stdout.

Run by the pytorch2 role with the environment's python, as an unprivileged user of the
environment's group. It only collects facts; the role judges them on the Ansible side
(plugins/module_utils/_torch_check.py), so nothing here decides pass or fail. Exit code 0 even
when torch cannot be imported: the report then carries "error".
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
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report["cuda_available"] = bool(torch.cuda.is_available())
    report["cuda_error"] = "; ".join(str(w.message).strip() for w in caught) or None
    report["device_count"] = torch.cuda.device_count() if report["cuda_available"] else 0
    report["devices"] = []
    for index in range(report["device_count"]):
        major, minor = torch.cuda.get_device_capability(index)
        report["devices"].append({"index": index, "name": torch.cuda.get_device_name(index),
                                  "capability": "%d.%d" % (major, minor)})
    report["arch_list"] = list(torch.cuda.get_arch_list()) if torch.version.cuda else []
    report["cudnn"] = torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None
    return report


if __name__ == "__main__":
    json.dump(collect(), sys.stdout, sort_keys=True)
    sys.stdout.write("\n")
