"""Processes supervised: under `make run` (config/serve.sh) a killed job worker is started again while gunicorn
serves throughout; on a server, docs/production.md's systemd units do it, and they pass `systemd-analyze verify`."""

import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import urllib3

from tests.deployed import ROOT, production_env

STARTED = re.compile(r"serve: (gunicorn|job worker) started \(pid (\d+)\)")


class Supervised:
    """config/serve.sh as `make run` runs it, on a listening socket the test hands over; its lines in a queue."""

    def __init__(self, workdir):
        listener = socket.create_server(("127.0.0.1", 0), backlog=128)
        self.url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        self.process = subprocess.Popen(
            ["bash", "config/serve.sh", f"fd://{listener.fileno()}", "1", "--no-control-socket"], cwd=ROOT,
            env=production_env(workdir, PY=sys.executable), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            pass_fds=[listener.fileno()], text=True)
        listener.close()
        self.started = {"gunicorn": queue.Queue(), "job worker": queue.Queue(), "ready": queue.Queue()}
        self.output = []
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        for line in self.process.stdout:
            self.output.append(line)
            if found := STARTED.match(line):
                self.started[found[1]].put(int(found[2]))
            elif line.startswith("Worker started"):  # manage.py run_worker's own first line: it runs
                self.started["ready"].put(True)

    def next_start(self, which):
        """The pid of the next `which` ("gunicorn", "job worker") the script says it started; a job worker once
        it says it runs."""
        pid = self.started[which].get(timeout=60)
        if which == "job worker":
            self.started["ready"].get(timeout=60)
        return pid

    def stop(self):
        self.process.terminate()
        return self.process.wait(timeout=60)


def shared_by_a_fork(pid):
    """What process `pid` holds that its forks would share: the remote ports of its established TCP connections
    and its open files of PROJ's database."""
    links = [os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()]
    sockets = {link[len("socket:["):-1] for link in links if link.startswith("socket:[")}
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[9] in sockets and fields[3] == "01":  # ESTABLISHED
                ports.add(int(fields[2].rsplit(":", 1)[1], 16))
    return {"connections": ports, "proj": [link for link in links if "proj" in link]}


def running(pid):
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
    except FileNotFoundError:
        return False


# Transactional: the job workers these start queue the periodic jobs at their start, committed; the test's end
# puts the database back as loaded (tests/conftest.py).
@pytest.mark.django_db(transaction=True)
def test_a_killed_job_worker_is_started_again_and_gunicorn_serves_throughout(tmp_path):
    http = urllib3.PoolManager(retries=False, timeout=30)
    site = Supervised(tmp_path)
    try:
        first = site.next_start("job worker")
        server = site.next_start("gunicorn")
        assert http.request("GET", f"{site.url}/healthz").status == 200
        # The master preloads the app before it forks its workers (config/gunicorn.conf.py): it must hold nothing
        # a worker would then share, neither a connection (the database, Redis) nor PROJ's database file.
        assert shared_by_a_fork(server) == {"connections": set(), "proj": []}
        for _ in range(2):
            os.kill(first, signal.SIGKILL)
            assert http.request("GET", f"{site.url}/healthz").status == 200  # the site without its worker
            again = site.next_start("job worker")
            assert again != first and running(again) and not running(first)
            assert "run_worker" in Path(f"/proc/{again}/cmdline").read_text(), "".join(site.output)
            assert running(server) and http.request("GET", f"{site.url}/healthz").status == 200
            first = again
    finally:
        assert site.stop() == 0
    assert not running(server) and not running(first)


UNIT = re.compile(r"`/etc/systemd/system/([\w-]+\.service)`[^`]*```ini\n(.*?)```", re.S)


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze: Debian's systemd (make test)")
def test_the_systemd_units_of_the_production_guide_pass_systemd_analyze_verify(tmp_path):
    """The units as docs/production.md gives them, /srv/lapor being this checkout (whose programs exist)."""
    units = UNIT.findall((ROOT / "docs" / "production.md").read_text())
    assert [name for name, _ in units] == ["lapor.service", "lapor-worker.service"]
    for name, text in units:
        assert "Restart=always" in text
        (tmp_path / name).write_text(text.replace("/srv/lapor", str(ROOT)))
    checked = subprocess.run(["systemd-analyze", "verify", *(str(tmp_path / name) for name, _ in units)],
                             capture_output=True, text=True)
    assert checked.returncode == 0 and checked.stderr == "", checked.stderr


def gunicorn_settings(command, env):
    """The settings gunicorn takes from `command` (a command line that starts it) and `env`: its own
    `--print-config`, added to the command line, prints every one of them and stops."""
    printed = subprocess.run([*command, "--print-config"], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=120)
    settings = dict(re.findall(r"^(\w+)\s+= (.*)$", printed.stdout, re.M))
    assert "max_requests" in settings, printed.stdout + printed.stderr
    return settings


@pytest.mark.django_db(transaction=True)
def test_gunicorn_replaces_its_workers_after_max_requests_with_jitter_under_make_run_and_systemd(tmp_path):
    """A worker's memory (a photo's decode, caches) goes back when it is replaced: under `make run`
    (config/serve.sh) and docs/production.md's unit alike, from config/gunicorn.conf.py, GUNICORN_MAX_REQUESTS
    setting the count and the jitter a tenth of it, so the workers are not all replaced at once."""
    env = production_env(tmp_path, PY=sys.executable)
    make_run = ["bash", "config/serve.sh", "127.0.0.1:0", "3"]
    (unit,) = [text for name, text in UNIT.findall((ROOT / "docs" / "production.md").read_text())
               if name == "lapor.service"]
    exec_start = re.search(r"^ExecStart=((?:.*\\\n)*.*)$", unit, re.M)[1].replace("\\\n", " ")
    systemd = [str(Path(sys.executable).parent / "gunicorn"), *exec_start.split()[1:]]
    read = {}
    for command in (make_run, systemd):
        read[command[0]] = settings = gunicorn_settings(command, env)
        assert (settings["max_requests"], settings["max_requests_jitter"]) == ("2000", "200"), command
        assert (settings["workers"], settings["worker_class"], settings["threads"]) == ("3", "gthread", "4")
        assert settings["preload_app"] == "True", command  # a replacement is a fork of the imported app
    # Both read the one settings file, so the count set in the environment reaches both; shown on one.
    assert len({settings["config"] for settings in read.values()}) == 1
    settings = gunicorn_settings(systemd, dict(env, GUNICORN_MAX_REQUESTS="500"))
    assert (settings["max_requests"], settings["max_requests_jitter"]) == ("500", "50")
