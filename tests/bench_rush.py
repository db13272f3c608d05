"""Deadline rush: thousands of budget units file their sub-plans over the API at once.

A throw-away PostgreSQL database is built with one batch project (3 lots) open to N units, each
unit with its own API token; gunicorn serves the portal; C concurrent clients POST one sub-plan
per unit and lot (filed and submitted in one request). It prints submissions per second, latency
percentiles and errors, and checks that the master plan equals what was sent.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/jl_bench_rush"


@dataclass(frozen=True)
class Filing:
    token: str
    lot_id: int
    quantity: int
    budget_yuan: int


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


def _build(units: int, lots: int) -> tuple[int, list[Filing]]:
    """Migrate and fill the database; returns the project id and what each client will send."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from procurement.models import EligibleUnit, Lot, Membership, Mode, Organization, Project
    from tests.factories import CenterFactory, province

    call_command("migrate", verbosity=0)
    region = province()
    now = timezone.now()
    project = Project.objects.create(
        code="JLPL-BENCH-0001", mode=Mode.BATCH, title="截止日集中填报基准测试项目", year=now.year,
        organizer=CenterFactory(), scope_region=region, response_opens_at=now - timedelta(hours=1),
        response_deadline=now + timedelta(hours=6), status=Project.Status.COLLECTING,
    )
    lot_rows = Lot.objects.bulk_create([Lot(project=project, number=n, name=f"配置{n}") for n in range(1, lots + 1)])
    orgs = Organization.objects.bulk_create([
        Organization(kind=Organization.Kind.BUDGET_UNIT, name=f"基准预算单位{i:05d}", region=region,
                     unit_code=f"RUSH{i:06d}")
        for i in range(units)
    ], batch_size=2000)
    EligibleUnit.objects.bulk_create([EligibleUnit(project=project, unit=o) for o in orgs], batch_size=2000)
    User = get_user_model()
    users = User.objects.bulk_create([User(username=f"rush{i:05d}", password="!") for i in range(units)],
                                     batch_size=2000)
    Membership.objects.bulk_create([Membership(user=u, organization=o) for u, o in zip(users, orgs, strict=True)],
                                   batch_size=2000)
    tokens = Token.objects.bulk_create([Token(key=secrets.token_hex(20), user=u) for u in users], batch_size=2000)
    filings = [
        Filing(token=t.key, lot_id=lot.pk, quantity=1 + (i * 7 + lot.number) % 9, budget_yuan=5000 * (1 + i % 5))
        for i, t in enumerate(tokens) for lot in lot_rows
    ]
    return project.pk, filings


class Server:
    """gunicorn as production runs it: ``gunicorn.conf.py`` (sync workers, two per core, access log on)."""

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


def _rush(port: int, filings: list[Filing], clients: int) -> tuple[list[float], Counter, float]:
    local = threading.local()

    def connection() -> http.client.HTTPConnection:
        if getattr(local, "conn", None) is None:
            local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        return local.conn

    def send(filing: Filing) -> tuple[float, str]:
        body = json.dumps({"lot": filing.lot_id, "quantity": str(filing.quantity),
                           "budget_yuan": str(filing.budget_yuan), "contact_name": "张敏",
                           "contact_phone": "0431-88886666", "submit": True})
        headers = {"Authorization": f"Token {filing.token}", "Content-Type": "application/json",
                   "Accept": "application/json"}
        start = time.perf_counter()
        for attempt in range(2):  # a connection the server dropped is reopened once
            try:
                conn = connection()
                conn.request("POST", "/api/v1/sub-plans/", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                return time.perf_counter() - start, str(response.status)
            except (http.client.HTTPException, OSError) as exc:
                local.conn = None
                if attempt:
                    return time.perf_counter() - start, type(exc).__name__
        return time.perf_counter() - start, "unreachable"

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        results = list(pool.map(send, filings))
    elapsed = time.perf_counter() - started
    return [r[0] for r in results], Counter(r[1] for r in results), elapsed


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def bench_deadline_rush(units: int = 5000, lots: int = 3, clients: int = 32) -> None:
    url = _pg_url()
    _recreate_database(url)
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0", "ALLOW_INSECURE_KEY": "1",
           "SECURE_SSL_REDIRECT": "0", "ALLOWED_HOSTS": "127.0.0.1", "CONN_MAX_AGE": "60",
           "LOG_LEVEL": "WARNING"}
    # This process builds the data and checks the result on the same database gunicorn serves.
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "CONN_MAX_AGE")})
    import django

    django.setup()
    from django.db import connections

    project_id, filings = _build(units, lots)
    connections.close_all()
    workers = env.setdefault("WEB_CONCURRENCY", str(2 * multiprocessing.cpu_count()))
    log = ROOT / "var" / "bench-rush-gunicorn.log"
    log.parent.mkdir(exist_ok=True)
    print(f"截止日集中填报：{units:,} 家单位 × {lots} 个采购包 = {len(filings):,} 份分计划，"
          f"{clients} 个并发客户端，gunicorn {workers} 个同步进程（gunicorn.conf.py），PostgreSQL；"
          f"访问日志写入 var/{log.name}")
    server = Server(env, log)
    try:
        latencies, statuses, elapsed = _rush(server.port, filings, clients)
    finally:
        server.stop()
    ok = statuses.get("201", 0)
    errors = len(filings) - ok
    ms = [v * 1000 for v in latencies]
    print(f"  提交速率: {ok / elapsed:.0f} 份/秒（目标 ≥ 150）；用时 {elapsed:.1f} 秒")
    print(f"  延迟: p50 {statistics.median(ms):.0f} ms, p95 {_percentile(ms, 95):.0f} ms（目标 < 300 ms）, "
          f"p99 {_percentile(ms, 99):.0f} ms")
    print(f"  错误: {errors}（目标 0）" + (f"，状态分布 {dict(statuses)}" if errors else ""))

    from procurement.models import Project
    from procurement.selectors.plans import master_plan

    plan = master_plan(project=Project.objects.get(pk=project_id))
    sent_quantity = sum(Decimal(f.quantity) for f in filings)
    sent_budget = sum(Decimal(f.budget_yuan) for f in filings)
    matches = plan.total_quantity == sent_quantity and plan.total_budget_yuan == sent_budget \
        and plan.sub_plan_count == len(filings)
    print(f"  总计划核对: 数量 {plan.total_quantity} / 发送 {sent_quantity}，预算 {plan.total_budget_yuan} / "
          f"发送 {sent_budget}，分计划 {plan.sub_plan_count} / {len(filings)} → {'一致' if matches else '不一致'}")
    connections.close_all()
    _recreate_database(url, create=False)  # leave nothing behind


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings")
    os.environ.setdefault("ALLOW_INSECURE_KEY", "1")
    bench_deadline_rush(units=int(os.environ.get("BENCH_UNITS", "5000")))
