"""The launcher behind `make run` (procurement/management/commands/run_portal.py), piece by piece.

Source: issue 7 point 15 — links went to port 8000 whatever port `make run` served on, and Ctrl-C
left the Celery worker hanging, then a segmentation fault. `test_make_run.py` runs the whole thing.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

import pytest
from django.core.management import call_command

from procurement.management.commands.run_portal import Supervisor, local_run_environment, server_commands

PYTHON = sys.executable


def test_links_follow_the_port_make_run_serves_on():
    env = local_run_environment({}, host="127.0.0.1", port=8101)
    assert env["PORTAL_BASE_URL"] == "http://127.0.0.1:8101"
    assert env["PORTAL_LOCAL_RUN"] == "1"
    assert env["DEBUG"] == "0"


def test_a_portal_base_url_that_is_set_wins():
    env = local_run_environment({"PORTAL_BASE_URL": "https://zfcg.jl.gov.cn"}, host="127.0.0.1", port=8101)
    assert env["PORTAL_BASE_URL"] == "https://zfcg.jl.gov.cn"


def test_debug_stays_on_only_when_asked():
    assert local_run_environment({"DEBUG": "1"}, host="127.0.0.1", port=8000)["DEBUG"] == "1"


def test_serving_on_every_interface_still_links_to_this_machine():
    assert local_run_environment({}, host="0.0.0.0", port=8000)["PORTAL_BASE_URL"] == "http://127.0.0.1:8000"


def test_a_named_host_is_allowed_and_linked():
    env = local_run_environment({}, host="192.168.1.20", port=8000)
    assert env["PORTAL_BASE_URL"] == "http://192.168.1.20:8000"
    assert env["ALLOWED_HOSTS"] == "127.0.0.1,localhost,192.168.1.20"
    assert "ALLOWED_HOSTS" not in local_run_environment({}, host="127.0.0.1", port=8000)


def test_the_web_server_binds_the_requested_address():
    web = server_commands(host="127.0.0.1", port=8101)["门户（gunicorn）"]
    assert web[-2:] == ["--bind", "127.0.0.1:8101"]


def _stat(pid: int) -> list[str]:
    """/proc/<pid>/stat after the command name: state, ppid, pgrp, session, …"""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return []


def alive(pid: int) -> bool:
    fields = _stat(pid)
    return bool(fields) and fields[0] != "Z"  # a zombie has ended; only its exit status is left


def group_members(pgid: int) -> list[int]:
    return [int(pid) for pid in os.listdir("/proc")
            if pid.isdigit() and alive(int(pid)) and _stat(int(pid))[2:3] == [str(pgid)]]


def sigint_self_after(seconds: float) -> threading.Timer:
    timer = threading.Timer(seconds, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    return timer


def supervise(commands: dict[str, list[str]], *, stop_seconds: float = 2.0) -> tuple[int, list[str], Supervisor]:
    said: list[str] = []
    supervisor = Supervisor(commands=commands, env=dict(os.environ), cwd="/tmp", stop_seconds=stop_seconds,
                            write=said.append)
    return supervisor.run(), said, supervisor


SLEEPER = "import time; time.sleep(60)"
# A server that ignores SIGTERM and has a child of its own (like a prefork pool), which also ignores it.
STUBBORN = ("import os, signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "os.fork() or time.sleep(60); time.sleep(60)")


def test_ctrl_c_stops_every_server_and_exits_0():
    sigint_self_after(1.0)
    code, said, supervisor = supervise({"甲": [PYTHON, "-c", SLEEPER], "乙": [PYTHON, "-c", SLEEPER]})
    assert code == 0
    assert said[-1].startswith(">> 已全部停止（用时")
    assert not any(alive(server.process.pid) for server in supervisor.servers)


def test_each_server_runs_in_a_process_group_of_its_own():
    sigint_self_after(1.0)
    groups: list[int] = []

    def record(text: str) -> None:
        if not groups:
            groups.extend(os.getpgid(server.process.pid) for server in supervisor.servers)

    supervisor = Supervisor(commands={"甲": [PYTHON, "-c", SLEEPER], "乙": [PYTHON, "-c", SLEEPER]},
                            env=dict(os.environ), cwd="/tmp", stop_seconds=2.0, write=record)
    assert supervisor.run() == 0
    # The terminal's Ctrl-C goes to the foreground group (make and the launcher), not to the servers.
    assert groups == [server.process.pid for server in supervisor.servers]
    assert os.getpgrp() not in groups


def test_what_ignores_the_stop_signal_is_killed_after_the_bounded_wait():
    sigint_self_after(1.0)
    started = time.monotonic()
    code, said, supervisor = supervise({"顽固": [PYTHON, "-c", STUBBORN]}, stop_seconds=1.5)
    assert time.monotonic() - started < 1.0 + 1.5 + 2.0
    assert code == 0
    assert ">> 仍未退出，已强制结束：顽固" in said
    assert group_members(supervisor.servers[0].process.pid) == []  # the forked child is gone too


def test_a_server_that_crashes_stops_the_others_and_is_reported():
    crash = "import os, signal, time; time.sleep(0.5); os.kill(os.getpid(), signal.SIGSEGV)"
    code, said, supervisor = supervise({"门户": [PYTHON, "-c", crash], "worker": [PYTHON, "-c", SLEEPER]})
    assert code == 1
    assert said[0] == ">> 门户意外退出（被信号 SIGSEGV 结束），正在停止其余进程……"
    assert "   worker：被信号 SIGTERM 结束" in said
    assert not any(alive(server.process.pid) for server in supervisor.servers)


def test_an_impossible_port_is_refused_in_chinese_before_anything_starts(capsys):
    with pytest.raises(SystemExit) as stopped:
        call_command("run_portal", "--port", "70000")
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "端口 70000 无效：请使用 1—65535 之间的端口，例如 make run PORT=8101" in err
    assert "Error" not in err
