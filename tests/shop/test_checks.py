"""System checks: what `check --deploy` refuses, and MariaDB without its time-zone tables.

Each check runs through `manage.py` in a subprocess, the way an operator (or `migrate`) runs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.engines.base import free_port, port_open, stop_process_group

REPO = Path(__file__).resolve().parents[2]
REAL_SECRET = "s" * 20 + "0123456789abcdefghijklmnopqrstuvwxyz"
SHARED_DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_MYSQL = SHARED_DATABASE_URL.startswith("mysql")


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    drop = {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "BAZAAR_ENV", "DJANGO_DEBUG", "STRIPE_SECRET_KEY",
            "STRIPE_WEBHOOK_SECRET", "ALLOW_SIMULATED_PAYMENTS_IN_PRODUCTION", "CELERY_BROKER_URL"}
    base = {k: v for k, v in os.environ.items() if k not in drop}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, capture_output=True, text=True,
                          env={**base, **env}, timeout=120)


# EMAIL_HOST: without it Django refuses the file mail backend (mail.E001), which is not under test.
PRODUCTION = {"BAZAAR_ENV": "production", "SECRET_KEY": REAL_SECRET, "ALLOWED_HOSTS": "shop.example",
              "EMAIL_HOST": "smtp.example"}


# --- the simulated gateway in production -----------------------------------------------------

def test_check_deploy_refuses_the_simulated_gateway_in_production():
    result = run_manage("check", "--deploy", **PRODUCTION)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "ERROR" in output and "bazaar.E002" in output
    assert "anyone can press Pay" in output
    assert "ALLOW_SIMULATED_PAYMENTS_IN_PRODUCTION=1" in output
    # Reported once, as the error; not also as one more embedded-backend warning.
    assert "The payments port serves with its embedded backend" not in output


def test_a_demo_may_opt_in_to_the_simulated_gateway_and_is_still_warned():
    result = run_manage("check", "--deploy", ALLOW_SIMULATED_PAYMENTS_IN_PRODUCTION="1", **PRODUCTION)
    output = result.stdout + result.stderr
    assert "bazaar.E002" not in output
    assert "The payments port serves with its embedded backend" in output  # bazaar.W001 stays
    assert result.returncode == 0, output  # warnings only


def test_the_simulated_gateway_is_fine_in_development():
    result = run_manage("check", "--deploy")
    assert "bazaar.E002" not in result.stdout + result.stderr


def test_stripe_in_production_passes_the_payment_check():
    result = run_manage("check", "--deploy", STRIPE_SECRET_KEY="sk_test_x", STRIPE_WEBHOOK_SECRET="whsec_x",
                        **PRODUCTION)
    output = result.stdout + result.stderr
    assert "bazaar.E002" not in output and "bazaar.E001" not in output
    assert result.returncode == 0, output


# --- MariaDB's time-zone tables ---------------------------------------------------------------

needs_mysql = pytest.mark.skipif(
    not ON_MYSQL, reason="DATABASE_URL is not MySQL/MariaDB: the time-zone table check only concerns them "
                         "(CI runs it: .ci/run sets DATABASE_URL to MariaDB)")


@pytest.fixture(scope="module")
def mariadb_without_time_zones(tmp_path_factory) -> Iterator[str]:
    """A throwaway MariaDB server of our own, freshly initialised, so without time-zone tables
    (the shared server's tables stay as they are). Yields its DATABASE_URL."""
    install, server = shutil.which("mariadb-install-db"), shutil.which("mariadbd") or "/usr/sbin/mariadbd"
    if not install or not Path(server).exists():
        pytest.fail("DATABASE_URL is MariaDB but mariadb-install-db/mariadbd are not installed here "
                    "(scripts/start-databases installs mariadb-server)")
    root = tmp_path_factory.mktemp("mariadb-no-tz")
    data, port = root / "data", free_port()
    as_root = ["--user=root"] if os.geteuid() == 0 else []
    subprocess.run([install, "--no-defaults", f"--datadir={data}", "--auth-root-authentication-method=normal",
                    "--skip-test-db", *as_root], check=True, capture_output=True, timeout=120)
    log = root / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [server, "--no-defaults", f"--datadir={data}", f"--port={port}", "--bind-address=127.0.0.1",
             f"--socket={root / 'mariadb.sock'}", f"--pid-file={root / 'mariadb.pid'}", "--skip-log-bin",
             "--innodb-buffer-pool-size=16M", "--innodb-log-file-size=8M", *as_root],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not port_open(port):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the throwaway MariaDB did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
        subprocess.run(["mariadb", "--protocol=tcp", "-h127.0.0.1", f"-P{port}", "-uroot",
                        "-e", "CREATE DATABASE shop CHARACTER SET utf8mb4"], check=True, capture_output=True,
                       timeout=30)
        yield f"mysql://root@127.0.0.1:{port}/shop"
    finally:
        stop_process_group(process)


@needs_mysql
def test_the_check_fires_on_a_mariadb_without_time_zone_tables(mariadb_without_time_zones):
    result = run_manage("check", "--database", "default", DATABASE_URL=mariadb_without_time_zones)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "bazaar.E003" in output
    assert "has no time-zone tables" in output
    assert "mysql_tzinfo_to_sql /usr/share/zoneinfo | mysql -uroot mysql" in output


@needs_mysql
def test_migrate_stops_on_it_before_touching_the_database(mariadb_without_time_zones):
    result = run_manage("migrate", "--noinput", DATABASE_URL=mariadb_without_time_zones)
    assert result.returncode != 0
    assert "bazaar.E003" in result.stdout + result.stderr


@needs_mysql
def test_the_check_is_silent_on_a_server_with_its_time_zone_tables():
    result = run_manage("check", "--database", "default", DATABASE_URL=SHARED_DATABASE_URL)
    output = result.stdout + result.stderr
    assert "bazaar.E003" not in output
    assert result.returncode == 0, output
