"""Deadline rush: thousands of budget units file their sub-plans over the API at once, against a floor.

A throw-away PostgreSQL database holds N budget units, each with its own API token, and one batch
project (3 lots) per rush, open to every unit. One gunicorn (``gunicorn.conf.py``, bench settings
that add the floor view) serves five phases, one after the other:

    floor, rush, floor, rush, floor

The floor POSTs to a bare Django view that inserts one row and commits (tests/bench_floor.py); a
rush POSTs one sub-plan per unit and lot of its own project (token auth, eligibility, window, insert,
audit; filed and submitted in one request), each (unit, lot) exactly once. Both are sent by ``wrk``
(one thread, C connections, tests/bench_rush.lua), a compiled client that leaves the cores to the
server; its CPU time is measured (``os.wait4``) and printed. A time alone says little on a shared
machine, so each rush's rate is printed as a share of the mean of the floors around it, with the
targets beside each figure, and each project's master plan is checked against what was sent.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import runpy
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/jl_bench_rush"
LUA_SCRIPT = Path(__file__).with_name("bench_rush.lua")
SUB_PLANS_PATH = "/api/v1/sub-plans/"
FLOOR_PATH = "/bench/floor/"

# Targets of issue 7 point 16.
TARGET_SHARE = 0.25
TARGET_P95_MS = 300
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# A PostgreSQL backend's title: "postgres: [cluster: ]user database host(port) state" (Debian names the cluster).
PG_BACKEND = re.compile(r"^postgres: (?:\S+: )?\S+ (?P<database>\S+) ")


@dataclass(frozen=True)
class Filing:
    token: str
    lot_id: int
    quantity: int
    budget_yuan: int

    def body(self) -> str:
        return json.dumps({"lot": self.lot_id, "quantity": str(self.quantity), "budget_yuan": str(self.budget_yuan),
                           "contact_name": "张敏", "contact_phone": "0431-88886666", "submit": True},
                          ensure_ascii=False)


@dataclass(frozen=True)
class Round:
    """One rush: its own project, so that each rush files new sub-plans."""

    project_id: int
    filings: list[Filing]


@dataclass
class Measured:
    """One phase as wrk saw it, with what the generator and the server spent on it."""

    duration_s: float
    requests: int
    sent: int
    answered: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    statuses: dict[str, int]
    socket_errors: dict[str, int]
    generator_cpu_s: float
    wall_s: float
    refusals: list[str] = field(default_factory=list)  # the first answers that were not 2xx
    server_cpu_s: dict[str, float] = field(default_factory=dict)
    expected: int | None = None  # a rush sends exactly this many

    @property
    def rate(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @property
    def non_2xx(self) -> int:
        return sum(n for code, n in self.statuses.items() if not code.startswith("2"))

    @property
    def unanswered(self) -> int:
        return max(0, self.expected - self.answered) if self.expected is not None else 0

    @property
    def errors(self) -> int:
        return self.non_2xx + sum(self.socket_errors.values()) + self.unanswered

    @property
    def generator_share(self) -> float:
        return self.generator_cpu_s / self.wall_s if self.wall_s else 0.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgres") else DEFAULT_PG


def _recreate_database(url: str, *, create: bool = True) -> None:
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = f"dbname=postgres host={parsed.hostname or '127.0.0.1'} port={parsed.port or 5432} " \
            f"user={parsed.username or 'postgres'}" + (f" password={parsed.password}" if parsed.password else "")
    import psycopg2

    conn = psycopg2.connect(admin)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def _build(units: int, lots: int, rounds: int) -> list[Round]:
    """Migrate and fill the database: the units with their tokens, one project per rush, the floor's table."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from procurement.models import EligibleUnit, Lot, Membership, Mode, Organization, Project
    from tests.bench_floor import floor_table_create
    from tests.factories import CenterFactory, province

    call_command("migrate", verbosity=0)
    floor_table_create()
    region = province()
    now = timezone.now()
    center = CenterFactory()
    orgs = Organization.objects.bulk_create([
        Organization(kind=Organization.Kind.BUDGET_UNIT, name=f"基准预算单位{i:05d}", region=region,
                     unit_code=f"RUSH{i:06d}")
        for i in range(units)
    ], batch_size=2000)
    User = get_user_model()
    users = User.objects.bulk_create([User(username=f"rush{i:05d}", password="!") for i in range(units)],
                                     batch_size=2000)
    Membership.objects.bulk_create([Membership(user=u, organization=o) for u, o in zip(users, orgs, strict=True)],
                                   batch_size=2000)
    tokens = Token.objects.bulk_create([Token(key=secrets.token_hex(20), user=u) for u in users], batch_size=2000)
    built = []
    for number in range(1, rounds + 1):
        project = Project.objects.create(
            code=f"JLPL-BENCH-{number:04d}", mode=Mode.BATCH, title=f"截止日集中填报基准测试项目（第{number}轮）",
            year=now.year, organizer=center, scope_region=region, response_opens_at=now - timedelta(hours=1),
            response_deadline=now + timedelta(hours=6), status=Project.Status.COLLECTING,
        )
        lot_rows = Lot.objects.bulk_create([Lot(project=project, number=n, name=f"配置{n}")
                                            for n in range(1, lots + 1)])
        EligibleUnit.objects.bulk_create([EligibleUnit(project=project, unit=o) for o in orgs], batch_size=2000)
        filings = [
            Filing(token=t.key, lot_id=lot.pk, quantity=1 + (i * 7 + lot.number + number) % 9,
                   budget_yuan=5000 * (1 + (i + number) % 5))
            for i, t in enumerate(tokens) for lot in lot_rows
        ]
        built.append(Round(project.pk, filings))
    return built


def _request_file(directory: Path, name: str, lines: list[tuple[str, str, str]]) -> Path:
    path = directory / name
    with path.open("w", encoding="utf-8") as f:
        for url_path, token, body in lines:
            f.write(f"{url_path}\t{token}\t{body}\n")
    return path


class Server:
    """gunicorn as production runs it (``gunicorn.conf.py``: sync workers, one per core, access log on),
    with the bench settings: the portal plus the floor view."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = _free_port()
        cmd = [sys.executable, "-m", "gunicorn", "procurement.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
               "--log-level", "warning"]
        self.log = log.open("w")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn 未能在60秒内启动")

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


class ServerCpu:
    """CPU the server spends in a phase: the gunicorn workers, and the PostgreSQL backends of the bench database.

    A worker replaces its database connection after ``CONN_MAX_AGE`` and the old backend's CPU time ends with it, so
    the processes are sampled every second while a phase runs: a backend that ends still counts, up to its last
    second. Each process is classified once (its parent, its PostgreSQL title); only their stat files are read again.
    """

    def __init__(self, master_pid: int, database: str) -> None:
        self.master_pid, self.database = master_pid, database
        self.labels: dict[int, str | None] = {}

    def _label(self, pid: int) -> str | None:
        if pid not in self.labels:
            try:
                ppid = int(self._stat(pid)[1])
                title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except (OSError, ValueError):
                return None  # ended meanwhile; asked again if its number comes back
            backend = PG_BACKEND.match(title)
            self.labels[pid] = ("gunicorn" if ppid == self.master_pid
                                else "PostgreSQL" if backend and backend["database"] == self.database else None)
        return self.labels[pid]

    @staticmethod
    def _stat(pid: int) -> list[str]:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat[stat.rindex(")") + 2:].split()

    def sample(self) -> dict[int, tuple[str, int]]:
        """CPU ticks (user + system) so far of each process of the server, by pid."""
        ticks = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit() and (label := self._label(int(entry))):
                try:
                    fields = self._stat(int(entry))
                except OSError:
                    continue
                ticks[int(entry)] = (label, int(fields[11]) + int(fields[12]))
        return ticks

    @contextmanager
    def measuring(self):
        """Yields a dict that holds, once the block ends, the CPU seconds each part of the server spent in it."""
        spent: dict[str, float] = {}
        before = self.sample()
        latest = dict(before)
        stop = threading.Event()

        def watch() -> None:
            while not stop.wait(1.0):
                latest.update(self.sample())

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        try:
            yield spent
        finally:
            stop.set()
            watcher.join()
            latest.update(self.sample())
            for label in ("gunicorn", "PostgreSQL"):
                spent[label] = sum(cpu - before.get(pid, (label, 0))[1]
                                   for pid, (kind, cpu) in latest.items() if kind == label) / CLOCK_TICKS


def wrk_run(*, port: int, requests: Path, mode: str, clients: int, seconds: int,
            expected: int | None = None) -> Measured:
    """Run wrk once and return what it measured and the CPU it took (its own rusage, from ``os.wait4``).

    A rush ("rush") stops as soon as every request is answered; a floor runs for ``seconds``.
    """
    cmd = ["wrk", "-t1", f"-c{clients}", f"-d{seconds}s", "--timeout", "30s", "-s", str(LUA_SCRIPT),
           f"http://127.0.0.1:{port}", "--", mode, str(requests)]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            encoding="utf-8", errors="replace")
    stderr = []
    if mode == "rush":
        for line in proc.stderr:  # "answered" once the last answer is in; end of file if wrk stopped on its own
            if line.strip() == "answered":
                proc.send_signal(signal.SIGINT)
                break
            stderr.append(line)
    out = proc.stdout.read()
    stderr.append(proc.stderr.read())
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    line = next((x for x in out.splitlines() if x.startswith("BENCH-RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk 未给出结果（退出码 {proc.returncode}）：{''.join(stderr).strip() or out.strip()}")
    data = json.loads(line.removeprefix("BENCH-RESULT "))
    return Measured(
        duration_s=data["duration_us"] / 1e6, requests=data["requests"], sent=data["sent"],
        answered=data["answered"], p50_ms=data["p50_us"] / 1000, p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000, statuses=data["statuses"], refusals=data["refusals"],
        socket_errors={k: v for k, v in data["socket_errors"].items() if v},
        generator_cpu_s=usage.ru_utime + usage.ru_stime, wall_s=wall, expected=expected,
    )


def _phase_line(index: int, total: int, label: str, m: Measured, unit: str) -> str:
    server = m.server_cpu_s
    per_request = sum(server.values()) / m.requests * 1000 if m.requests else 0.0
    parts = "，".join(f"{name} {seconds / m.requests * 1000:.2f}" for name, seconds in server.items()) \
        if m.requests else ""
    return (f"  [{index}/{total}] {label}: {m.rate:,.0f} {unit}/秒（{m.requests:,} 次，{m.duration_s:.1f} 秒）；"
            f"p50 {m.p50_ms:.0f} ms，p95 {m.p95_ms:.0f} ms，p99 {m.p99_ms:.0f} ms；错误 {m.errors}；"
            f"负载端 wrk CPU {m.generator_cpu_s:.2f} 秒（单核的 {m.generator_share:.1%}）；"
            f"服务端 CPU 每请求 {per_request:.2f} ms（{parts}）")


def _error_detail(m: Measured) -> str:
    parts = [f"状态 {code}: {n}" for code, n in sorted(m.statuses.items()) if not code.startswith("2")]
    parts += [f"连接错误 {kind}: {n}" for kind, n in m.socket_errors.items()]
    if m.unanswered:
        parts.append(f"未应答: {m.unanswered}")
    return "，".join(parts) + "".join(f"\n      应答示例: {text}" for text in m.refusals)


def _mark(ok: bool) -> str:
    return "达标" if ok else "未达标"


def bench_deadline_rush(units: int = 5000, lots: int = 3, clients: int = 32, floor_seconds: int = 10) -> bool:
    """Run floor, rush, floor, rush, floor; print every figure; True when both rushes meet every target."""
    if shutil.which("wrk") is None:
        raise SystemExit("未找到 wrk：请先安装 Debian 软件包 wrk（make bench 会自动安装）")
    url = _pg_url()
    database = urlparse(url).path.lstrip("/")
    _recreate_database(url)
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0", "ALLOW_INSECURE_KEY": "1",
           "SECURE_SSL_REDIRECT": "0", "ALLOWED_HOSTS": "127.0.0.1", "CONN_MAX_AGE": "60",
           "LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "tests.bench_settings"}
    # This process builds the data and checks the result on the same database gunicorn serves.
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "CONN_MAX_AGE", "DJANGO_SETTINGS_MODULE")})
    import django

    django.setup()
    from django.db import connections

    rounds = _build(units, lots, rounds=2)
    connections.close_all()
    workers = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["workers"]  # WEB_CONCURRENCY, if set, decides
    log = ROOT / "var" / "bench-rush-gunicorn.log"
    log.parent.mkdir(exist_ok=True)
    per_round = len(rounds[0].filings)
    print(f"截止日集中填报：{units:,} 家单位 × {lots} 个采购包 = 每轮 {per_round:,} 份分计划（每轮一个新项目），"
          f"与基线交替运行：基线、填报、基线、填报、基线")
    print(f"  负载端：wrk，1 个线程、{clients} 个连接（tests/bench_rush.lua 逐个送出各单位的令牌与请求体，"
          f"每个单位和采购包每轮只发一次）；服务端：gunicorn {workers} 个同步进程（gunicorn.conf.py）、PostgreSQL；"
          f"访问日志写入 var/{log.name}")
    print(f"  基线：不鉴权的 Django 视图，每个请求插入一行并提交（tests/bench_floor.py），每次 {floor_seconds} 秒")
    print(f"  目标：每轮填报速率 ≥ 前后两次基线均值的 {TARGET_SHARE:.0%}，p95 < {TARGET_P95_MS} ms，错误 0")

    with tempfile.TemporaryDirectory(prefix="bench-rush-") as tmp:
        directory = Path(tmp)
        floor_file = _request_file(directory, "floor.tsv", [(FLOOR_PATH, "", rounds[0].filings[0].body())])
        rush_files = [
            _request_file(directory, f"rush-{n}.tsv", [(SUB_PLANS_PATH, f.token, f.body()) for f in r.filings])
            for n, r in enumerate(rounds, start=1)
        ]
        server = Server(env, log)
        cpu = ServerCpu(server.proc.pid, database)
        plan = ["floor", 0, "floor", 1, "floor"]
        results: list[tuple[str | int, Measured]] = []
        try:
            # Warm-up, not counted: every worker opens its database connection and loads the URLconf.
            wrk_run(port=server.port, requests=floor_file, mode="floor", clients=clients, seconds=2)
            for index, step in enumerate(plan, start=1):
                if step == "floor":
                    with cpu.measuring() as spent:
                        m = wrk_run(port=server.port, requests=floor_file, mode="floor", clients=clients,
                                    seconds=floor_seconds)
                    label, unit = f"基线 {index // 2 + 1}", "次写入"
                else:
                    limit = max(300, per_round // 10)  # a rush slower than 10 filings/s is stopped, not awaited
                    with cpu.measuring() as spent:
                        m = wrk_run(port=server.port, requests=rush_files[step], mode="rush", clients=clients,
                                    seconds=limit, expected=per_round)
                    label, unit = f"填报 {step + 1}", "份"
                m.server_cpu_s = spent
                print(_phase_line(index, len(plan), label, m, unit), flush=True)
                results.append((step, m))
        finally:
            server.stop()

    print("  结果（每轮填报与其前后基线的均值相比）：")
    all_met = True
    floors = [m for step, m in results if step == "floor"]
    for n, (step, m) in enumerate([(s, m) for s, m in results if s != "floor"]):
        floor_rate = (floors[n].rate + floors[n + 1].rate) / 2
        share = m.rate / floor_rate if floor_rate else 0.0
        met = (share >= TARGET_SHARE, m.p95_ms < TARGET_P95_MS, m.errors == 0)
        all_met &= all(met)
        print(f"    填报 {step + 1}: {m.rate:,.0f} 份/秒 = 基线 {floor_rate:,.0f} 次/秒的 {share:.1%}"
              f"（目标 ≥ {TARGET_SHARE:.0%}，{_mark(met[0])}）；p95 {m.p95_ms:.0f} ms（目标 < {TARGET_P95_MS} ms，"
              f"{_mark(met[1])}）；错误 {m.errors}（目标 0，{_mark(met[2])}）"
              + (f"：{_error_detail(m)}" if m.errors else ""))
    generator = [m.generator_share for _, m in results]
    print(f"  负载端 wrk 占用 CPU：单核的 {min(generator):.1%}～{max(generator):.1%}"
          f"（共 {sum(m.generator_cpu_s for _, m in results):.1f} 秒，"
          f"运行 {sum(m.wall_s for _, m in results):.0f} 秒，本机 {multiprocessing.cpu_count()} 核）")

    from procurement.models import Project
    from procurement.selectors.plans import master_plan

    for n, r in enumerate(rounds, start=1):
        plan_row = master_plan(project=Project.objects.get(pk=r.project_id))
        sent_quantity = sum(Decimal(f.quantity) for f in r.filings)
        sent_budget = sum(Decimal(f.budget_yuan) for f in r.filings)
        matches = plan_row.total_quantity == sent_quantity and plan_row.total_budget_yuan == sent_budget \
            and plan_row.sub_plan_count == len(r.filings)
        all_met &= matches
        print(f"  总计划核对（第 {n} 轮项目）: 数量 {plan_row.total_quantity} / 发送 {sent_quantity}，"
              f"预算 {plan_row.total_budget_yuan} / 发送 {sent_budget}，"
              f"分计划 {plan_row.sub_plan_count} / {len(r.filings)} → {'一致' if matches else '不一致'}")
    connections.close_all()
    _recreate_database(url, create=False)  # leave nothing behind
    return all_met


if __name__ == "__main__":
    os.environ.setdefault("ALLOW_INSECURE_KEY", "1")
    bench_deadline_rush(units=int(os.environ.get("BENCH_UNITS", "5000")),
                        floor_seconds=int(os.environ.get("BENCH_FLOOR_SECONDS", "10")))
