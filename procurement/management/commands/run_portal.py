"""manage.py run_portal: what `make run` starts — the portal under gunicorn, a Celery worker and beat.

The portal runs as production runs it (DEBUG off, gunicorn.conf.py, static files collected and
served by WhiteNoise, Chinese error pages), over plain http on this machine (``PORTAL_LOCAL_RUN``:
no https redirect, no Secure cookies, a secret key kept in ``var/secret_key``).

Stopping: Ctrl-C reaches this process only. The three servers run in process groups of their own,
so the terminal's SIGINT does not also hit gunicorn's workers (or a Celery pool's children) behind
their masters' backs. This launcher sends SIGTERM once to each server's main process, waits at most
``--stop-seconds``, then kills whatever is left of each process group, and exits 0.

Why not the shell line it replaces (``trap 'kill 0' INT TERM EXIT; worker & beat & runserver``):
``kill 0`` signals the whole process group, the trapping shell included, whose trap then runs
``kill 0`` again, thousands of times, until the shell overflows its stack (the "Segmentation
fault" make reported). Each round also sent SIGTERM to the prefork pool's children directly; one
died holding the pool's queue lock and the worker's main process waited for that lock forever.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

LOCAL_HOSTS = ("127.0.0.1", "localhost")
WILDCARD_HOSTS = ("0.0.0.0", "::", "")
STOP_SECONDS = 7.0
PR_SET_PDEATHSIG = 1


def local_run_environment(environ: Mapping[str, str], *, host: str, port: int) -> dict[str, str]:
    """The environment of a local run on ``host:port``: what the user set wins, the rest is derived."""
    env = dict(environ)
    env["PORTAL_LOCAL_RUN"] = "1"
    env.setdefault("DEBUG", "0")
    # Links in e-mails and messages point where this run answers (`make run PORT=8101`).
    env.setdefault("PORTAL_BASE_URL", f"http://{_url_host(host)}:{port}")
    if "ALLOWED_HOSTS" not in env and host not in (*LOCAL_HOSTS, *WILDCARD_HOSTS):
        env["ALLOWED_HOSTS"] = ",".join([*LOCAL_HOSTS, host.strip("[]")])
    # gunicorn.conf.py starts one worker per core; on a desk two are plenty whatever the core count.
    env.setdefault("WEB_CONCURRENCY", "2")
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def _url_host(host: str) -> str:
    if host in WILDCARD_HOSTS:
        return "127.0.0.1"
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _bind(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


def server_commands(*, host: str, port: int) -> dict[str, list[str]]:
    python = sys.executable
    return {
        "门户（gunicorn）": [python, "-m", "gunicorn", "procurement.wsgi:application", "--bind", _bind(host, port)],
        # One task at a time, in the worker's own process: SQLite (the local database) takes one writer at
        # a time anyway, and with no pool children there is nothing to orphan or to kill holding the pool's
        # queue lock. It stops in about 3 seconds, 2 of them the file-system broker's polling.
        "Celery worker": [python, "-m", "celery", "-A", "procurement", "worker", "--loglevel", "INFO",
                          "--pool", "solo"],
        "Celery beat": [python, "-m", "celery", "-A", "procurement", "beat", "--loglevel", "INFO"],
    }


def _own_process_group() -> None:
    """In the child, before exec: a process group of its own, and SIGTERM if the launcher dies."""
    os.setpgid(0, 0)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):  # prctl is in every Linux libc
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Server:
    name: str
    process: subprocess.Popen

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def signal_group(self, signum: int) -> bool:
        """Send ``signum`` to every process left in this server's group; False if none is left."""
        try:
            os.killpg(self.process.pid, signum)
        except ProcessLookupError:
            return False
        return True


@dataclass
class Supervisor:
    """Starts the servers, waits for a stop signal or for one of them to end, then stops them all."""

    commands: dict[str, list[str]]
    env: dict[str, str]
    cwd: str
    stop_seconds: float = STOP_SECONDS
    write: object = print
    servers: list[Server] = field(default_factory=list)
    signals_received: int = 0

    def run(self) -> int:
        previous = {signum: signal.signal(signum, self._on_signal)
                    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
        try:
            for name, command in self.commands.items():
                if self.signals_received:
                    break
                process = subprocess.Popen(command, cwd=self.cwd, env=self.env, preexec_fn=_own_process_group)
                self.servers.append(Server(name, process))
            ended = self._wait_for_stop()
            return self._stop(ended)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _on_signal(self, signum: int, frame) -> None:
        self.signals_received += 1

    def _wait_for_stop(self) -> Server | None:
        while not self.signals_received:
            for server in self.servers:
                if not server.running:
                    return server
            time.sleep(0.2)
        return None

    def _stop(self, ended: Server | None) -> int:
        if ended is not None:
            self.write(f">> {ended.name}意外退出（{describe_exit(ended.process.returncode)}），正在停止其余进程……")
        else:
            self.write(f">> 正在停止门户、Celery worker 与 beat（最多等待{self.stop_seconds:g}秒）……")
        seen = self.signals_received
        started = time.monotonic()
        for server in self.servers:
            if server.running:
                server.process.send_signal(signal.SIGTERM)  # the main process only: it stops its own children
        deadline = started + self.stop_seconds
        # A second Ctrl-C means now.
        while any(s.running for s in self.servers) and time.monotonic() < deadline and self.signals_received <= seen:
            time.sleep(0.1)
        killed = []
        for server in self.servers:
            if server.running:
                killed.append(server.name)
            # Also whatever a server left behind in its group (a pool child whose parent is gone).
            server.signal_group(signal.SIGKILL)
            server.process.wait()
        if killed:
            self.write(f">> 仍未退出，已强制结束：{'、'.join(killed)}")
        failed = [s for s in self.servers if s is ended or _crashed(s.process.returncode)]
        for server in self.servers:
            self.write(f"   {server.name}：{describe_exit(server.process.returncode)}")
        if failed:
            return 1
        self.write(f">> 已全部停止（用时{time.monotonic() - started:.1f}秒）。")
        return 0


def _crashed(returncode: int) -> bool:
    """Ended by a signal other than the ones this launcher sends (a segmentation fault, an abort)."""
    return returncode < 0 and -returncode not in (signal.SIGTERM, signal.SIGKILL, signal.SIGINT)


def describe_exit(returncode: int | None) -> str:
    if returncode is None:
        return "仍在运行"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = str(-returncode)
        return f"被信号 {name} 结束"
    return "正常退出" if returncode == 0 else f"退出码 {returncode}"


class Command(BaseCommand):
    help = ("启动本机门户（与生产相同：DEBUG 关闭、gunicorn、静态文件由 WhiteNoise 提供），以及 Celery worker 与 beat；"
            "先迁移数据库、载入品目目录与演示数据。按 Ctrl-C 停止全部进程。")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="监听地址，默认 127.0.0.1")
        parser.add_argument("--port", type=int, default=8000, help="端口，默认 8000")
        parser.add_argument("--stop-seconds", type=float, default=STOP_SECONDS,
                            help=f"停止时等待各进程自行退出的秒数，超时即强制结束，默认 {STOP_SECONDS:g}")

    def handle(self, *args, host: str, port: int, stop_seconds: float, **options) -> None:
        if not 0 < port < 65536:
            self._stop_with(2, f"端口 {port} 无效：请使用 1—65535 之间的端口，例如 make run PORT=8101")
        env = local_run_environment(os.environ, host=host, port=port)
        if any(os.environ.get(key) != value for key, value in env.items()):
            # This process read its settings before the local-run values were set: start it again
            # with them, so that migrate and the demo run under the settings the servers will use.
            sys.stdout.flush()
            sys.stderr.flush()
            os.execve(sys.executable, [sys.executable, *sys.argv], env)
        try:
            self._prepare()
        except KeyboardInterrupt:
            self._stop_with(130, "已取消：尚未启动门户。")
        base = settings.PORTAL_BASE_URL.rstrip("/")
        self.stdout.write(self.style.SUCCESS(
            f">> 门户: {base}/   管理后台: {base}/admin/   API 文档: {base}/api/docs/   （按 Ctrl-C 停止）"))
        self.stdout.flush()
        supervisor = Supervisor(commands=server_commands(host=host, port=port), env=env, cwd=str(settings.BASE_DIR),
                                stop_seconds=stop_seconds, write=self._say)
        code = supervisor.run()
        if code:
            self._stop_with(code, "本机门户未能正常运行，详见上方各进程的输出。")

    def _stop_with(self, code: int, message: str) -> None:
        # Not CommandError: Django would print its class name before the message.
        self.stderr.write(message)
        sys.exit(code)

    def _say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def _prepare(self) -> None:
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=1)
        call_command("load_catalog")
        call_command("seed_demo")
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"静态文件已收集到 {settings.STATIC_ROOT}（由 WhiteNoise 提供）。")
