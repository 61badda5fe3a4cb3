"""The lab wheel mirror (playbooks/wheel_mirror.yml) in the systemd container of the cuda_pip
scenario: nginx from Debian serving a copy of the controller cache, from which the A100 host
fetched its wheels (gpulab_wheel_mirror_url) while the controller sent the H100 host its own."""

import hashlib
import json
import os
import re
import sys

import testinfra

sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "molecule", "shared"))
from ansible_run import recap, run_playbook  # noqa: E402

testinfra_hosts = ["ansible://gpulab-cuda_pip-mirror"]
MIRROR_PLAYBOOK = "playbooks/wheel_mirror.yml"
ROOT = "/srv/gpulab/wheels"
URL = "http://127.0.0.1:18081"
# GET lines of nginx's access log for the mirror: "GET /wheels/<file> HTTP/1.1" 200 <bytes>
GET = re.compile(r'"GET /wheels/(?P<file>[^ ]+\.whl) HTTP/1\.[01]" (?P<status>\d{3}) (?P<bytes>\d+)')


def _a100_wheels(host):
    """{file: size} of the wheels the A100 host's toolkits and cuDNN are made of: the served
    wheels whose sha256 the records of its prefixes (the pinned sets installed there) name."""
    a100 = testinfra.get_host("ansible://gpulab-cuda_pip-2",
                              ansible_inventory=os.environ["MOLECULE_INVENTORY_FILE"])
    records = a100.check_output("cat /opt/cuda/13.0/.gpulab-requirements.txt "
                                "/opt/cuda/13.2/.gpulab-requirements.txt "
                                "/opt/cudnn/*/.gpulab-requirements.txt")
    pins = set(re.findall(r"--hash=sha256:([0-9a-f]{64})", records))
    served = json.loads(host.file(ROOT + "/wheels/manifest.json").content_string)["wheels"]
    wanted = dict((name, entry["size"]) for name, entry in served.items() if entry["sha256"] in pins)
    assert len(wanted) == len(pins), (sorted(pins), served)   # every pinned wheel is served
    return wanted


def test_nginx_runs_as_a_systemd_service_and_serves_the_index(host):
    service = host.service("nginx")
    assert service.is_running and service.is_enabled
    index = json.loads(host.check_output("python3 -c \"import urllib.request; "
                                         "print(urllib.request.urlopen('%s/gpulab-mirror.json')"
                                         ".read().decode())\"" % URL))
    assert index == {"wheelhouses": []}   # gpulab_wheel_mirror_sets: [] in this scenario


def test_the_mirror_lists_no_directory_and_holds_root_owned_files(host):
    listing = host.run("python3 -c \"import urllib.request, urllib.error\n"
                       "try:\n urllib.request.urlopen('%s/wheels/')\n"
                       "except urllib.error.HTTPError as err:\n print(err.code)\"" % URL)
    assert listing.stdout.strip() in ("403", "404"), listing.stdout + listing.stderr
    writable = host.check_output("find %s -perm -o+w ! -type l" % ROOT)
    assert writable == "", writable
    assert host.file(ROOT + "/wheels").user == "root"


def test_the_a100_host_fetched_every_wheel_of_its_sets_from_the_mirror(host):
    log = host.file("/var/log/nginx/gpulab-wheel-mirror.access.log").content_string
    gets = [(m["file"], m["status"], int(m["bytes"])) for m in GET.finditer(log)]
    wanted = _a100_wheels(host)
    for name, size in wanted.items():
        assert (name, "200", size) in gets, (name, gets)
    assert all(status == "200" for _name, status, _size in gets), gets
    # The 13.0 toolkit's wheels once: its converge fetched them, and neither the idempotence
    # run nor a converged re-run fetched anything again. (The 13.2 set and cuDNN's come twice:
    # test_cuda_pip deleted their nvcc and libcudnn, and the repairing run fetched them again.)
    for name in wanted:
        if "-13.0." in name:
            assert [get[0] for get in gets].count(name) == 1, (name, gets)


def test_a_damaged_wheel_on_the_mirror_is_sent_again_and_a_second_run_changes_nothing(host):
    name = sorted(n for n in _a100_wheels(host) if n.startswith("nvidia_cuda_crt-13.0."))[0]
    path = "%s/wheels/%s" % (ROOT, name)
    size = int(host.check_output("stat -c %%s %s" % path))
    host.check_output("printf 'X' | dd of=%s bs=1 seek=100 conv=notrunc status=none" % path)
    repair = run_playbook(MIRROR_PLAYBOOK, timeout=600)
    assert repair.returncode == 0, repair.stdout[-4000:]
    cache = os.path.expanduser("~/.cache/gpulab/wheels/" + name)
    with open(cache, "rb") as handle:
        assert host.check_output("sha256sum %s" % path).split()[0] == \
            hashlib.sha256(handle.read()).hexdigest()
    assert int(host.check_output("stat -c %%s %s" % path)) == size
    again = run_playbook(MIRROR_PLAYBOOK, timeout=600)
    assert again.returncode == 0, again.stdout[-4000:]
    assert all(c["changed"] == 0 for c in recap(again.stdout).values()), again.stdout[-4000:]
