"""Settings come from the environment; production-like variables pass `check --deploy`."""

import hashlib
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env},
                          capture_output=True, text=True, timeout=120)


def production_env() -> dict[str, str]:
    return {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "zfcg.jl.gov.cn",
        "DATABASE_URL": "sqlite:////tmp/deploy-check.sqlite3",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "EMAIL_URL": "smtp+tls://mailer:password@smtp.jl.gov.cn:587",
    }


def test_check_deploy_reports_nothing_with_production_variables():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    base = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**base, **env},
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("entry_point", ["procurement.wsgi", "procurement.celery"])
def test_the_serving_processes_require_a_secret_key_when_debug_is_off(entry_point):
    env = production_env()
    del env["SECRET_KEY"]
    result = run_python(f"import {entry_point}; from django.conf import settings; settings.SECRET_KEY", **env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_manage_py_runs_without_a_secret_key_but_check_deploy_flags_it():
    env = production_env()
    del env["SECRET_KEY"]
    assert run_manage("makemigrations", "--check", "--dry-run", **env).returncode == 0
    deploy = run_manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert deploy.returncode != 0
    assert "security.W009" in deploy.stderr + deploy.stdout


def test_first_run_defaults_need_no_server():
    env = {"DEBUG": "1"}
    code = ("from django.conf import settings as s; "
            "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.EMAIL_BACKEND)")
    result = subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"], cwd=ROOT,
                            env={"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "procurement.settings", **env},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "filesystem://",
                                     "django.core.mail.backends.console.EmailBackend"]


def test_language_and_time_zone():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"


# --- a local run (`make run`): production settings over plain http on this machine ----------------
# Source: issue 7 point 14 — the portal a newcomer starts behaves like production.

def local_run_env(var_dir: Path) -> dict[str, str]:
    return {"DEBUG": "0", "PORTAL_LOCAL_RUN": "1", "PORTAL_VAR_DIR": str(var_dir)}


SECURITY = ("from django.conf import settings as s; import hashlib; "
            "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
            "s.SECURE_HSTS_SECONDS, hashlib.sha256(s.SECRET_KEY.encode()).hexdigest())")


def test_a_local_run_makes_its_secret_once_and_keeps_it_private(tmp_path):
    # procurement.wsgi is what gunicorn serves: it refuses to start without a key unless it is a local run.
    first = run_python(f"import procurement.wsgi; {SECURITY}", **local_run_env(tmp_path))
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "secret_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    key = key_file.read_text().strip()
    assert len(key) >= 50
    assert "insecure" not in key
    again = run_python(f"import procurement.wsgi; {SECURITY}", **local_run_env(tmp_path))
    assert again.stdout == first.stdout  # the same key on every later run (sessions survive a restart)
    assert first.stdout.split()[-1] == hashlib.sha256(key.encode()).hexdigest()


def test_a_local_run_serves_plain_http_so_a_user_can_sign_in(tmp_path):
    result = run_python(f"import procurement.wsgi; {SECURITY}", **local_run_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:5] == ["False", "False", "False", "False", "0"]


def test_production_keeps_https_secure_cookies_and_hsts():
    result = run_python(f"import procurement.wsgi; {SECURITY}", **production_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:5] == ["False", "True", "True", "True", "31536000"]


def test_a_set_secret_key_wins_over_the_local_file(tmp_path):
    env = {**local_run_env(tmp_path), "SECRET_KEY": "k" * 60}
    result = run_python("import procurement.wsgi; from django.conf import settings as s; print(s.SECRET_KEY)", **env)
    assert result.stdout.strip() == "k" * 60
    assert not (tmp_path / "secret_key").exists()
