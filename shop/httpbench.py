"""`make bench` over HTTP: the shop as `make run` serves it, measured from outside with wrk.

The harness starts `scripts/run` (gunicorn, the Celery workers, beat) on a database, cache and broker
queues of its own: MariaDB + Redis when they answer (DATABASE_URL / REDIS_URL, else the local
servers of scripts/start-databases), SQLite otherwise, and says which. It runs the shop as
production does (`BAZAAR_ENV=production`: DEBUG off, manifest static files), lets `seed_demo` load the
demo data, warms each path up, then measures it with wrk: requests per second, p50, p99 and
non-2xx answers, each as a ratio to `/healthz` measured in the same run (bare figures drift ±25%
between runs on these machines; ratios taken side by side don't).

Then the checkout of one hot item over HTTP: orders per second while 200 buyers order an item with
plenty of stock, and 200 buyers racing for 5 units: exactly 5 orders, no 5xx, no reset.

wrk (Debian's package) rather than a Python load generator: on two cores a Python client needs a
core of its own to send a few thousand requests a second and would measure itself; wrk's C event
loop costs a fraction of that, and its Lua hooks give the per-request headers (token, idempotency
key) and the non-2xx count. The race, which is about answers rather than speed, uses Python threads.

The same pieces start the shop and fire the buyers in tests/shop/test_run_server.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from MySQLdb.connections import Connection

REPO = Path(__file__).resolve().parent.parent
PIN = "110001"  # New Delhi: the bench items ship from the demo's Delhi warehouse
ADDRESS = {"pin_code": PIN, "name": "Bench Buyer", "line1": "1 Janpath", "city": "New Delhi"}
TYPO_QUERY = "headphnes"  # "headphones", one letter short


# --- Starting the shop as `make run` does ------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningShop:
    """`scripts/run` in a process group of its own; `stop()` is Ctrl-C's path (its SIGTERM trap)."""

    process: subprocess.Popen
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self, tail: int = 60) -> str:
        lines = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(lines[-tail:])

    def wait_ready(self, timeout: float) -> None:
        import requests

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"scripts/run ended with {self.process.returncode}:\n{self.log()}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            time.sleep(0.3)
        raise RuntimeError(f"The shop did not answer within {timeout:.0f} s:\n{self.log()}")

    def stop(self, timeout: float = 40) -> list[str]:
        """SIGTERM to scripts/run, as Ctrl-C's trap: it stops every process it started. Returns what
        was still alive in its process group once it had exited (orphans), after killing them."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=timeout)
        left = group_members(self.process.pid)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        return left


def group_members(pgid: int) -> list[str]:
    """The processes of a process group, as "pid command" (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            text = stat.read_text()
            fields = text[text.rindex(")") + 2:].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                found.append(f"{stat.parent.name} {cmdline.strip()}")
    return found


def start_shop(env: dict[str, str], *, log_path: Path, port: int | None = None) -> RunningShop:
    port = port or free_port()
    log = log_path.open("w")
    process = subprocess.Popen(  # noqa: S603 - our own script
        [str(REPO / "scripts" / "run")], cwd=REPO, env={**env, "PORT": str(port), "PYTHONUNBUFFERED": "1"},
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    log.close()
    return RunningShop(process=process, port=port, log_path=log_path)


def isolated_env(base: dict[str, str], *, tag: str, tmp: Path) -> dict[str, str]:
    """What keeps a second shop off the first one's queues, schedule, search index, metrics files and
    cache keys."""
    return {**base,
            "CELERY_DEFAULT_QUEUE": f"{tag}-default", "CELERY_PAYMENTS_QUEUE": f"{tag}-payments",
            "CELERY_BEAT_SCHEDULE_FILENAME": str(tmp / "celerybeat-schedule"),
            "SEARCH_INDEX_DIR": str(tmp / "search-index"), "PROMETHEUS_MULTIPROC_DIR": str(tmp / "prometheus"),
            "BEHAVIOUR_LAKE_PATH": str(tmp / "lake"),
            "RECOMMENDATIONS_STREAM_CHECKPOINT_DIR": str(tmp / "spark-stream"),
            "CACHE_KEY_PREFIX": base.get("CACHE_KEY_PREFIX", tag)}


def purge_queues(env: dict[str, str]) -> None:
    """Drop what is left on the shop's two queues (ETA tasks of orders that never expired here)."""
    queues = [env["CELERY_DEFAULT_QUEUE"], env["CELERY_PAYMENTS_QUEUE"]]
    broker = env.get("CELERY_BROKER_URL", "")
    if broker.startswith("redis://"):
        import redis

        client = redis.Redis.from_url(broker)
        for queue in queues:  # the list, its priority lists, and the exchange's bindings
            client.delete(queue, *(f"{queue}\x06\x16{p}" for p in (3, 6, 9)), f"_kombu.binding.{queue}",
                          f"_kombu.binding_permanent.{queue}")
        return
    from django.conf import settings

    folder = Path(settings.CELERY_FILESYSTEM_DIR) / "queue"
    for queue in queues:
        for message in folder.glob(f"*.{queue}.msg"):
            message.unlink(missing_ok=True)


# --- Buyers ------------------------------------------------------------------------------------

@dataclass
class RaceResult:
    statuses: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)  # connection resets, timeouts: no answer at all
    seconds: float = 0.0

    @property
    def orders(self) -> int:
        return self.statuses[201]

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


def buyers_race(base_url: str, tokens: list[str], *, item_id: int, quantity: int = 1,
                timeout: float = 60) -> RaceResult:
    """Every buyer (one thread, one `requests.Session`, logged in by token) orders `quantity` of the
    item at the same moment. Each answer's status is counted; a request with no answer is an error."""
    import requests

    result = RaceResult()
    lock = threading.Lock()
    barrier = threading.Barrier(len(tokens))
    body: dict[str, Any] = {**ADDRESS, "lines": [{"product_id": item_id, "quantity": quantity}]}

    def buyer(token: str) -> None:
        with requests.Session() as session:
            session.headers["Authorization"] = f"Token {token}"
            barrier.wait()
            try:
                answer = session.post(f"{base_url}/api/v1/orders", json=body, timeout=timeout,
                                      headers={"Idempotency-Key": uuid.uuid4().hex})
            except requests.RequestException as exc:
                with lock:
                    result.errors.append(f"{type(exc).__name__}: {exc}")
                return
            with lock:
                result.statuses[answer.status_code] += 1

    threads = [threading.Thread(target=buyer, args=(token,)) for token in tokens]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    return result


# --- wrk -----------------------------------------------------------------------------------------

WRK_SCRIPT = """
local conf = %(conf)s
local threads = {}
local next_id = 0
function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  table.insert(threads, thread)
end
function init(args)
  non2xx = 0
  calls = 0
end
function request()
  calls = calls + 1
  local headers = {}
  for k, v in pairs(conf.headers) do headers[k] = v end
  if #conf.tokens > 0 then
    headers["Authorization"] = "Token " .. conf.tokens[(calls * 7 + id) %% #conf.tokens + 1]
  end
  if conf.idempotent then
    headers["Idempotency-Key"] = conf.tag .. "-" .. id .. "-" .. calls
  end
  local body = conf.body
  -- 1 and 2 in turn for each token (the tokens come round in turn)
  if conf.alternate then body = string.format(conf.body, math.floor(calls / math.max(#conf.tokens, 1)) %% 2 + 1) end
  return wrk.format(conf.method, conf.path, headers, body)
end
function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("non2xx") end
  local e = summary.errors
  io.write(string.format('WRK{"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d, '
    .. '"non2xx": %%d, "socket_errors": %%d}\\n', summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), bad, e.connect + e.read + e.write + e.timeout))
end
"""


def drain(base_url: str) -> None:
    """Wait until the server has answered what wrk left queued: when wrk stops, the requests its
    connections had sent are still in the listen backlog, and the next figure would wait behind them."""
    import requests

    with contextlib.suppress(requests.RequestException):
        requests.get(f"{base_url}/healthz", timeout=300)


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    method: str = "GET"
    headers: dict = field(default_factory=dict)
    tokens: tuple[str, ...] = ()
    body: str = ""
    alternate: bool = False  # body holds one %d: 1 and 2 in turn (a quantity that really changes)
    idempotent: bool = False  # a fresh Idempotency-Key per request


@dataclass(frozen=True)
class Measured:
    target: Target
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    non2xx: int
    socket_errors: int
    connections: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _lua(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid Lua string literal for our ASCII values
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{_lua(k)}] = {_lua(v)}" for k, v in value.items()) + "}"
    return "{" + ", ".join(_lua(v) for v in value) + "}"


def wrk(base_url: str, target: Target, *, seconds: float, connections: int, threads: int = 2,
        workdir: Path) -> Measured:
    conf = {"method": target.method, "path": target.path, "headers": target.headers, "tokens": list(target.tokens),
            "body": target.body, "alternate": target.alternate, "idempotent": target.idempotent,
            "tag": uuid.uuid4().hex[:8]}
    script = workdir / f"wrk-{uuid.uuid4().hex[:8]}.lua"
    script.write_text(WRK_SCRIPT % {"conf": _lua(conf)})
    command = [shutil.which("wrk") or "wrk", "-t", str(min(threads, connections)), "-c", str(connections),
               "-d", f"{seconds:g}s", "--timeout", "30s", "-s", str(script), base_url]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)  # noqa: S603 - ours
    script.unlink()
    drain(base_url)
    found = re.search(r"^WRK(\{.*\})$", out.stdout, re.MULTILINE)
    if not found:
        raise RuntimeError(f"wrk gave no figures for {target.name}:\n{out.stdout}\n{out.stderr}")
    data = json.loads(found.group(1))
    return Measured(target=target, requests=data["requests"], seconds=data["duration_us"] / 1e6,
                    p50_ms=data["p50_us"] / 1000, p99_ms=data["p99_us"] / 1000, non2xx=data["non2xx"],
                    socket_errors=data["socket_errors"], connections=connections)


# --- The bench's own stack ---------------------------------------------------------------------

@dataclass
class Stack:
    env: dict[str, str]
    described: str
    cleanups: list = field(default_factory=list)

    def close(self) -> None:
        for cleanup in reversed(self.cleanups):
            with contextlib.suppress(Exception):
                cleanup()


def _mariadb(url: str) -> Connection | None:
    try:
        import MySQLdb

        parts = urlsplit(url)
        return MySQLdb.connect(host=parts.hostname or "127.0.0.1", port=parts.port or 3306,
                               user=parts.username or "root", password=parts.password or "", connect_timeout=2)
    except Exception:
        return None


def _redis(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except Exception:
        return False


def bench_stack(tmp: Path, tag: str, *, embedded: bool = False) -> Stack:
    """MariaDB + Redis when they answer (unless `embedded`), else the embedded defaults, each in a
    space of its own."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}}
    secret = secrets.token_urlsafe(50)
    env.update({"BAZAAR_ENV": "production", "SECRET_KEY": secret, "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "SECURE_SSL_REDIRECT": "0", "ALLOW_SIMULATED_PAYMENTS_IN_PRODUCTION": "1",
                "LOG_LEVEL": "WARNING", "RECOMMENDATIONS_BOOTSTRAP": "0", "LIVE_REPORTS": "0"})
    env = isolated_env(env, tag=tag, tmp=tmp)
    stack = Stack(env=env, described="")
    said = []

    mysql_url = os.environ.get("DATABASE_URL", "")
    mysql_url = mysql_url if mysql_url.startswith(("mysql:", "mariadb:")) else "mysql://root@127.0.0.1:3306/"
    server = None if embedded else _mariadb(mysql_url)
    if server is not None:
        name = f"bazaar_bench_{tag.replace('-', '_')}"
        cursor = server.cursor()
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")

        def drop() -> None:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
            server.close()

        stack.cleanups.append(drop)
        parts = urlsplit(mysql_url)
        env["DATABASE_URL"] = f"{parts.scheme}://{parts.netloc}/{name}"
        said.append(f"MariaDB at {parts.hostname}:{parts.port or 3306} (database {name}, dropped after)")
    else:
        database = tmp / "bench.sqlite3"
        import sqlite3

        with contextlib.closing(sqlite3.connect(database)) as conn:  # WAL, as the default database has
            conn.execute("PRAGMA journal_mode=WAL")
        env["DATABASE_URL"] = f"sqlite:///{database}"
        said.append("SQLite in WAL mode" + (" (asked for)" if embedded else " (MariaDB did not answer)"))

    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    if not embedded and _redis(redis_url):
        env["REDIS_URL"] = redis_url
        env["CELERY_BROKER_URL"] = os.environ.get("CELERY_BROKER_URL") or re.sub(r"/\d*$", "/1", redis_url)

        def forget_keys() -> None:
            import redis

            client = redis.Redis.from_url(redis_url)
            for key in client.scan_iter(f"{env['CACHE_KEY_PREFIX']}:*", count=1000):
                client.delete(key)

        stack.cleanups.append(forget_keys)
        said.append("Redis cache and broker")
    else:
        said.append("the SQLite cache file and the filesystem broker"
                    + (" (asked for)" if embedded else " (Redis did not answer)"))
    stack.cleanups.append(lambda: purge_queues(env))
    stack.described = "; ".join(said)
    return stack


def prepare(env: dict[str, str], *, buyers: int) -> dict:
    """The bench's data, made inside the shop's own database by a process with the shop's settings."""
    out = subprocess.run([sys.executable, "-m", "shop.httpbench", "prepare", str(buyers)],  # noqa: S603
                         cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"prepare failed:\n{out.stdout}\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def recommendations_prepare(env: dict[str, str]) -> str:
    """The home page is measured with its recommendation rows: a small synthetic behaviour (the demo
    customer gets a taste of its own) and the batch jobs, run here before the clock starts, not by
    scripts/run in the background while it runs (the bench's env says RECOMMENDATIONS_BOOTSTRAP=0)."""
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "manage.py", "recommendations_bootstrap",
                          "--customers", "300", "--days", "30"],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=1200)
    if out.returncode != 0:
        raise RuntimeError(f"recommendations_bootstrap failed:\n{out.stdout}\n{out.stderr}")
    ran = [line.removeprefix("recommendations: ") for line in out.stdout.splitlines()
           if line.startswith("recommendations: ")]
    return f"recommendations for the home page in {time.perf_counter() - started:.0f} s: " + "; ".join(ran)


def sold(env: dict[str, str], *, item_id: int) -> dict:
    out = subprocess.run([sys.executable, "-m", "shop.httpbench", "sold", str(item_id)],  # noqa: S603
                         cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError(f"counting failed:\n{out.stdout}\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _prepare_inside(buyers: int) -> dict:
    """Runs in the shop's settings: the customer's session, token, cart line and order; a hot item
    (plenty of stock) and a scarce one (5 units); `buyers` customers with tokens."""
    from django.test import Client
    from django.urls import reverse
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from cart.interface import CartOwner, cart_add
    from catalog.services import category_create, item_create
    from inventory.models import Stock
    from inventory.services import stock_set
    from logistics.models import Warehouse
    from orders.services import OrderLineRequest, ShippingAddress, order_place
    from payments.backends.simulated import SimulatedGateway
    from payments.models import SimulatedCharge

    customer = User.objects.get(email="customer@example.com")
    seller = User.objects.get(email="seller@example.com")
    client = Client()
    client.force_login(customer)
    session = client.cookies["sessionid"].value
    token = Token.objects.get_or_create(user=customer)[0].key
    delhi = Warehouse.objects.get(code="DEL1")
    category = category_create(name="Bench", slug=f"bench-{uuid.uuid4().hex[:6]}").pk

    def item(sku: str, units: int) -> int:
        made = item_create(seller_id=seller.pk, sku=sku, title=f"Bench item {sku}", category_id=category,
                           price_paise=49900, brand="Acme")
        stock_set(item_id=made.item_id, warehouse_id=delhi.pk, on_hand=units, actor_id=None, source="system")
        return made.item_id

    tag = uuid.uuid4().hex[:6]
    hot, scarce, in_cart = item(f"HOT-{tag}", 10_000_000), item(f"SCARCE-{tag}", 5), item(f"CART-{tag}", 1000)
    ordered = item(f"ORDERED-{tag}", 1000)  # not the cart's item: a placed order clears what it took from the cart
    cart_add(owner=CartOwner.customer(customer.pk), item_id=in_cart, quantity=1)
    address = ShippingAddress(name="Chitra Customer", line1="12 MG Road", city="New Delhi", pin_code=PIN)
    order = order_place(user_id=customer.pk, idempotency_key=f"bench-{tag}", lines=[OrderLineRequest(ordered, 1)],
                        address=address)
    # Paid on the gateway's page, as a customer's orders mostly are: an unpaid one would expire five
    # minutes on, while a later path is measured.
    SimulatedGateway().customer_decides(gateway_ref=SimulatedCharge.objects.get(order_id=str(order.pk)).ref,
                                        decision="pay")
    product = (Stock.objects.filter(on_hand__gt=10).exclude(item_id__in=[hot, scarce, in_cart])
               .order_by("item_id").values_list("item_id", flat=True).first())
    people = User.objects.bulk_create([User(email=f"bench-{tag}-{i}@example.com", password="!")
                                       for i in range(buyers)])
    people = list(User.objects.filter(email__startswith=f"bench-{tag}-").order_by("pk"))
    tokens = [t.key for t in Token.objects.bulk_create([Token(user=u, key=Token.generate_key()) for u in people])]
    for person in people:  # each buyer's cart holds the line the many-carts PATCH changes
        cart_add(owner=CartOwner.customer(person.pk), item_id=in_cart, quantity=1)
    return {"session": session, "token": token, "hot": hot, "scarce": scarce, "in_cart": in_cart,
            "order": str(order.pk), "product_path": reverse("catalog:product_short", args=[product]),
            "tokens": tokens}


def settle(env: dict[str, str], *, timeout: int = 180) -> dict:
    """Wait until the shop's workers have caught up (no event waiting for the relay, no item
    waiting for the search index, no behaviour event waiting for the lake): a path's writes (the
    cart PATCH's events, the product views) would otherwise be relayed, indexed and written to the
    lake while the next path is measured, and charged to it."""
    out = subprocess.run([sys.executable, "-m", "shop.httpbench", "settle", str(timeout)],  # noqa: S603
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout + 60)
    if out.returncode != 0:
        raise RuntimeError(f"settle failed:\n{out.stdout}\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _settle_inside(timeout: int) -> dict:
    from events.models import OutboxEvent
    from recommendations.models import LakeInbox
    from search.models import StaleItem

    started = time.monotonic()
    while True:
        waiting = {"events": OutboxEvent.objects.filter(published_at__isnull=True).count(),
                   "stale_items": StaleItem.objects.count(), "lake_inbox": LakeInbox.objects.count()}
        if not any(waiting.values()) or time.monotonic() - started > timeout:
            return {**waiting, "seconds": round(time.monotonic() - started, 1)}
        time.sleep(0.5)


def _sold_inside(item_id: int) -> dict:
    from django.db.models import Sum

    from inventory.models import Stock
    from orders.models import OrderLine

    lines = OrderLine.objects.filter(item_id=item_id)
    stock = Stock.objects.filter(item_id=item_id).aggregate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
    return {"orders": lines.values("order_id").distinct().count(),
            "units": lines.aggregate(n=Sum("quantity"))["n"] or 0, **stock}


# --- The report --------------------------------------------------------------------------------

def targets(data: dict, *, session_headers: dict, token: str) -> list[Target]:
    auth = (token,)
    return [
        Target("GET /healthz", "/healthz"),
        Target("home page (recommendations)", "/", headers=session_headers),
        Target("product page", data["product_path"], headers=session_headers),
        Target("search page (typo, sort)", f"/search/?q={TYPO_QUERY}&sort=price_asc", headers=session_headers),
        Target("GET /api/v1/search (typo, PIN)", f"/api/v1/search?q={TYPO_QUERY}&pin=560001", tokens=auth),
        Target("PATCH /api/v1/cart/items/{id}, one cart", f"/api/v1/cart/items/{data['in_cart']}", method="PATCH",
               tokens=auth, headers={"Content-Type": "application/json"}, body='{"quantity": %d}', alternate=True),
        Target(f"PATCH /api/v1/cart/items/{{id}}, {len(data['tokens'])} carts", f"/api/v1/cart/items/{data['in_cart']}",
               method="PATCH", tokens=tuple(data["tokens"]), headers={"Content-Type": "application/json"},
               body='{"quantity": %d}', alternate=True),
        Target("GET /api/v1/cart", "/api/v1/cart", tokens=auth),
        Target("GET /api/v1/orders", "/api/v1/orders", tokens=auth),
        Target("cart page", "/cart/", headers=session_headers),
        Target("my orders page", "/orders/", headers=session_headers),
        Target("order page", f"/orders/{data['order']}/", headers=session_headers),
    ]


def run(*, seconds: float, warmup: float, connections: int, buyers: int, embedded: bool = False,
        out=print) -> None:
    if not shutil.which("wrk"):
        raise RuntimeError("wrk is not installed: `scripts/apt-install wrk` (make bench does it).")
    tag = f"bench-{os.getpid()}"
    tmp = Path(tempfile.mkdtemp(prefix="bazaar-httpbench-"))
    stack = bench_stack(tmp, tag, embedded=embedded)
    shop = None
    try:
        out(f"HTTP: the shop as `make run` serves it, BAZAAR_ENV=production; {stack.described}. The live "
            "reports' Spark stream is not started (LIVE_REPORTS=0): its JVM would share the two cores.")
        started = time.perf_counter()
        shop = start_shop(stack.env, log_path=tmp / "run.log")
        shop.wait_ready(timeout=600)
        data = prepare(stack.env, buyers=buyers)
        out(recommendations_prepare(stack.env))
        server = re.search(r"\((gunicorn[^)]*)\)", shop.log(400))
        out(f"started, seeded and prepared in {time.perf_counter() - started:.0f} s; "
            f"{server.group(1) if server else 'gunicorn'}; wrk, {connections} connections, "
            f"{warmup:g} s warm-up then {seconds:g} s per path; machine: {os.cpu_count()} cores, "
            "shared with the load generator")
        import requests

        # The customer's browser: it sends back the cookies the shop set (the session, the CSRF
        # token, the recently viewed items), as every page after a customer's first one does.
        with requests.Session() as browser:
            browser.cookies.set("sessionid", data["session"])
            landed = browser.get(shop.url + data["product_path"], timeout=30)
            sent_back = {c.name: c.value for c in browser.cookies}  # the server's copy of the session's
            session_headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in sent_back.items())}
        data["product_path"] = urlsplit(landed.url).path  # the canonical address, not its redirect
        rows = []
        for target in targets(data, session_headers=session_headers, token=data["token"]):
            settle(stack.env)  # what the previous path left for the workers is not charged to this one
            wrk(shop.url, target, seconds=warmup, connections=connections, workdir=tmp)
            rows.append(wrk(shop.url, target, seconds=seconds, connections=connections, workdir=tmp))
        hot = Target(f"POST /api/v1/orders, hot item, {buyers} buyers", "/api/v1/orders", method="POST",
                     tokens=tuple(data["tokens"]), headers={"Content-Type": "application/json"},
                     body=json.dumps({**ADDRESS, "lines": [{"product_id": data["hot"], "quantity": 1}]}),
                     idempotent=True)
        wrk(shop.url, hot, seconds=warmup, connections=buyers, workdir=tmp)
        rows.append(wrk(shop.url, hot, seconds=seconds, connections=buyers, workdir=tmp))
        _table(rows, out)

        race = buyers_race(shop.url, data["tokens"], item_id=data["scarce"])
        counted = sold(stack.env, item_id=data["scarce"])
        out("")
        out(f"{buyers} buyers race for 5 units over HTTP: {race.orders} orders answered 201, "
            f"{race.statuses[409]} answered 409 (sold out), {race.server_errors} 5xx, "
            f"{len(race.errors)} without an answer (reset/timeout), in {race.seconds:.1f} s; the database holds "
            f"{counted['orders']} orders for {counted['units']} units ({counted['reserved']} of "
            f"{counted['on_hand']} reserved)")
        for error in race.errors[:5]:
            out(f"  {error}")
    finally:
        if shop is not None:
            left = shop.stop()
            if left:
                out("processes that outlived scripts/run (killed): " + "; ".join(left))
        stack.close()
        shutil.rmtree(tmp, ignore_errors=True)


def _table(rows: list[Measured], out) -> None:
    floor = rows[0].rate
    out("")
    out(f"{'path':<44} {'req/s':>8} {'x /healthz':>10} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}")
    for row in rows:
        bad = f"{row.non2xx}" + (f" +{row.socket_errors} socket" if row.socket_errors else "")
        out(f"{row.target.name:<44} {row.rate:8.0f} {row.rate / floor:10.3f} {row.p50_ms:8.1f} "
            f"{row.p99_ms:8.1f} {bad:>8}")


@contextlib.contextmanager
def _django() -> Iterator[None]:
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
    import django

    django.setup()
    yield


if __name__ == "__main__":
    command, argument = sys.argv[1], int(sys.argv[2])
    inside = {"prepare": _prepare_inside, "sold": _sold_inside, "settle": _settle_inside}[command]
    with _django():
        result = inside(argument)
    print(json.dumps(result))
