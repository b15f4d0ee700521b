"""Tools for the fault tests: real worker processes and throwaway servers to kill.

Nothing here touches the PostgreSQL and Redis the suite shares: a fault test that
needs a server to die starts its own on a free 127.0.0.1 port, in a temporary
directory, and removes it afterwards. Every wait is bounded.

- ``celery_subprocess_worker``: a factory fixture starting ``celery worker``
  processes (pool solo, a queue of their own) against the test database, for
  tests that ``kill -9`` one mid-task. Workers use ``tests.fault_settings``,
  whose mail and SMS backends below append to files so what was sent can be
  counted across processes, and can be slowed down by an environment variable.
- ``throwaway_postgres`` / ``throwaway_redis``: servers the test may stop,
  restart or kill.
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.mail.backends.base import BaseEmailBackend

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path(os.environ.get("FAULT_PG_BIN", "/usr/lib/postgresql/15/bin"))
REDIS_SERVER = shutil.which("redis-server")
START_TIMEOUT = 45.0

# --- outbox backends (run inside worker subprocesses) -------------------------

OUTBOX_ENV = "FAULT_OUTBOX_DIR"
DELAY_ENV = "FAULT_SEND_DELAY_SECONDS"


def _append(path: Path, record: dict) -> None:
    # One write per line with O_APPEND, flushed to disk before returning: a line
    # is either all there or absent, whenever the process is killed.
    line = (json.dumps(record, sort_keys=True) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


class FileOutbox:
    """Messages a provider has begun taking (``attempts``) and has taken (``sent``).

    A message is "sent" when its line is in ``sent.jsonl``: the provider call
    returned. ``attempts.jsonl`` lines appear when a call starts, so a test can
    tell that a send is in flight and kill the worker inside it.
    """

    def __init__(self, directory: Path | str):
        self.directory = Path(directory)

    @classmethod
    def from_env(cls) -> "FileOutbox":
        directory = os.environ.get(OUTBOX_ENV)
        if not directory:
            raise RuntimeError(f"{OUTBOX_ENV} is not set: no file outbox to write to")
        return cls(directory)

    def _read(self, name: str) -> list[dict]:
        path = self.directory / name
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line]

    def attempts(self) -> list[dict]:
        return self._read("attempts.jsonl")

    def sent(self) -> list[dict]:
        return self._read("sent.jsonl")

    def deliver(self, record: dict) -> None:
        """Take one message, slowly if ``FAULT_SEND_DELAY_SECONDS`` says so."""
        _append(self.directory / "attempts.jsonl", record)
        time.sleep(float(os.environ.get(DELAY_ENV, "0")))
        _append(self.directory / "sent.jsonl", record)


class FileEmailBackend(BaseEmailBackend):
    """Email backend for worker subprocesses: one JSON line per message."""

    def send_messages(self, email_messages):
        outbox = FileOutbox.from_env()
        for message in email_messages:
            outbox.deliver(
                {"channel": "email", "to": list(message.to), "subject": message.subject}
            )
        return len(email_messages)


class FileSmsBackend:
    """SMS backend (``surveys.sms``) for worker subprocesses."""

    def __init__(self, fail_silently: bool = False, **kwargs):
        self.fail_silently = fail_silently

    def send_messages(self, messages):
        outbox = FileOutbox.from_env()
        for message in messages:
            outbox.deliver({"channel": "sms", "to": [message.to]})
        return len(messages)


# --- helpers ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, *, timeout: float, what: str, interval: float = 0.1):
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def database_url(settings_dict: dict) -> str:
    """A DATABASE_URL for the database ``settings_dict`` describes (PostgreSQL)."""
    user = quote(settings_dict.get("USER") or "")
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{quote(password)}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


def current_test_database_url() -> str:
    """DATABASE_URL of the database pytest-django created for this test session.

    Its name differs per xdist worker (``test_<name>_gw0``), so it is read from
    the live connection rather than rebuilt from the environment.
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip(
            "Needs PostgreSQL: another process cannot reach SQLite's in-memory "
            "test database (runs in the PostgreSQL + Redis pass of make test)"
        )
    return database_url(connection.settings_dict)


def require_redis_url() -> str:
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL is not set: no real broker for a worker process")
    return url


def terminate(process: subprocess.Popen, *, timeout: float = 10.0) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)


# --- Celery worker subprocesses -------------------------------------------------


@dataclass
class WorkerProcess:
    """One ``celery worker`` process consuming ``queue``."""

    process: subprocess.Popen
    queue: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        def ready():
            if self.process.poll() is not None:
                pytest.fail(f"celery worker exited early:\n{self.log()[-3000:]}")
            return " ready." in self.log()

        wait_for(ready, timeout=timeout, what="the celery worker to start")

    def kill9(self) -> None:
        """SIGKILL: no warm shutdown, no acknowledgement, no cleanup."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        terminate(self.process)


@dataclass
class WorkerFactory:
    """Starts workers sharing one queue and one outbox directory."""

    directory: Path
    database_url: str
    redis_url: str
    queue: str = field(default_factory=lambda: f"fault-{uuid.uuid4().hex[:12]}")
    started: list[WorkerProcess] = field(default_factory=list)

    @property
    def outbox(self) -> FileOutbox:
        return FileOutbox(self.directory)

    def __call__(self, **env) -> WorkerProcess:
        number = len(self.started) + 1
        log_path = self.directory / f"worker-{number}.log"
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.fault_settings",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "FAULT_QUEUE": self.queue,
            OUTBOX_ENV: str(self.directory),
            **{key: str(value) for key, value in env.items()},
        }
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config.celery",
            "worker",
            "--pool",
            "solo",
            "--queues",
            self.queue,
            "--hostname",
            f"{self.queue}-{number}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
        ]
        with open(log_path, "wb") as log_file:
            process = subprocess.Popen(
                command, cwd=ROOT, env=environment, stdout=log_file, stderr=log_file
            )
        worker = WorkerProcess(process=process, queue=self.queue, log_path=log_path)
        self.started.append(worker)
        worker.wait_ready()
        return worker

    def send(self, task_name: str, *args, **kwargs):
        """Queue ``task_name`` on this factory's queue through the real broker."""
        from config.celery import app

        return app.send_task(task_name, args=args, kwargs=kwargs, queue=self.queue)

    def cleanup(self) -> None:
        for worker in self.started:
            with contextlib.suppress(Exception):
                worker.stop()
        purge_queue(self.redis_url, self.queue)


def purge_queue(redis_url: str, queue: str) -> None:
    """Drop the queue and the unacknowledged messages a killed worker left for it."""
    import redis

    client = redis.Redis.from_url(redis_url, socket_timeout=5)
    try:
        client.delete(queue, f"_kombu.binding.{queue}")
        for tag, payload in client.hgetall("unacked").items():
            with contextlib.suppress(ValueError, TypeError, KeyError):
                message, _exchange, routing_key = json.loads(payload)
                if routing_key == queue or (
                    message.get("properties", {})
                    .get("delivery_info", {})
                    .get("routing_key")
                    == queue
                ):
                    client.hdel("unacked", tag)
                    client.zrem("unacked_index", tag)
    finally:
        client.close()


@pytest.fixture
def celery_subprocess_worker(transactional_db, tmp_path):
    """Factory: ``start(**env)`` runs a real worker process on a queue of its own.

    Workers reach this test's database (committed data: the fixture needs
    ``transactional_db``) and the suite's Redis (REDIS_URL), consuming only their
    own queue, so killing one disturbs nothing else. Needs PostgreSQL and Redis.
    """
    database = current_test_database_url()
    redis_url = require_redis_url()
    from config.celery import app

    factory = WorkerFactory(
        directory=tmp_path, database_url=database, redis_url=redis_url
    )
    # Results come back through the real result backend, not eagerly.
    app.conf.task_always_eager = False
    try:
        yield factory
    finally:
        app.conf.task_always_eager = True
        factory.cleanup()


# --- a throwaway PostgreSQL -------------------------------------------------------


def _as_postgres(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    # No pipes: a postmaster started by pg_ctl would inherit them and hold them
    # open, and waiting for their end would wait for the server to stop.
    return subprocess.run(
        prefix + command,
        check=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        **kwargs,
    )


@dataclass
class ThrowawayPostgres:
    """A PostgreSQL 15 cluster in a temporary directory, on its own port."""

    directory: Path
    port: int

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _pg_ctl(self, *args: str, timeout: float = START_TIMEOUT):
        return _as_postgres(
            [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-t", "30", *args],
            timeout=timeout,
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-k {self.directory} -c fsync=off -c max_connections=40"
        )
        self._pg_ctl("-o", options, "-l", str(self.directory / "server.log"), "start")

    def restart(self) -> None:
        """``pg_ctl restart -m fast``: every session is cut off, then it comes back."""
        self._pg_ctl("-m", "fast", "-l", str(self.directory / "server.log"), "restart")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self._pg_ctl("-m", "immediate", "stop", timeout=30)

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True, connect_timeout=10) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture
def throwaway_postgres():
    """A PostgreSQL server of this test's own, which it may restart or stop."""
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"PostgreSQL server binaries not found in {PG_BIN}")
    if os.geteuid() == 0 and not shutil.which("runuser"):
        pytest.skip("Running as root without runuser: initdb refuses root")
    directory = Path(tempfile.mkdtemp(prefix="fault-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, user="postgres", group="postgres")
    server = ThrowawayPostgres(directory=directory, port=free_port())
    try:
        _as_postgres(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(server.data),
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
            ],
            timeout=60,
        )
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


# --- a throwaway Redis ------------------------------------------------------------


@dataclass
class ThrowawayRedis:
    """A redis-server subprocess with no persistence, which a test may kill."""

    port: int
    directory: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redis

        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def answers():
            try:
                return redis.Redis(port=self.port, socket_timeout=1).ping()
            except redis.RedisError:
                return False

        wait_for(answers, timeout=20, what="the throwaway redis-server")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def throwaway_redis(tmp_path):
    """A Redis server of this test's own, which it may kill and start again."""
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    server = ThrowawayRedis(port=free_port(), directory=tmp_path)
    try:
        server.start()
        yield server
    finally:
        server.kill()


# --- the app against a throwaway database ---------------------------------------


def clone_schema(source_url: str, target_url: str) -> None:
    """Copy the migrated schema of ``source_url`` (the test database) to a new one.

    Far quicker than migrating from scratch, and the same tables, constraints
    and triggers.
    """
    dump = subprocess.run(
        [
            str(PG_BIN / "pg_dump"),
            "--schema-only",
            "--no-owner",
            "--no-privileges",
            "--dbname",
            source_url,
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    subprocess.run(
        [
            str(PG_BIN / "psql"),
            "--quiet",
            "--no-psqlrc",
            "-v",
            "ON_ERROR_STOP=1",
            "--dbname",
            target_url,
        ],
        input=dump,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )


def app_environment(database_url: str, **extra) -> dict:
    """Environment for a Django process of the fault settings on ``database_url``."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.fault_settings",
        "DATABASE_URL": database_url,
        **{key: str(value) for key, value in extra.items()},
    }
    # Without a broker the process queues tasks in memory, as the embedded default.
    environment.setdefault("REDIS_URL", "")
    return environment


def run_django(code: str, environment: dict, *, timeout: float = 120) -> str:
    """Run ``code`` in a fresh Django process; return what it printed."""
    script = "import django\ndjango.setup()\n" + code
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        pytest.fail(f"Django subprocess failed:\n{done.stderr[-3000:]}")
    return done.stdout


@dataclass
class AppServer:
    """gunicorn serving ``config.wsgi`` on a free port."""

    process: subprocess.Popen
    base_url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        terminate(self.process)


def start_app_server(
    environment: dict, directory: Path, *, workers: int = 2
) -> AppServer:
    import httpx

    port = free_port()
    log_path = directory / "gunicorn.log"
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "30",
                "--graceful-timeout",
                "5",
            ],
            cwd=ROOT,
            env=environment,
            stdout=log_file,
            stderr=log_file,
        )
    server = AppServer(process, f"http://127.0.0.1:{port}", log_path)

    def serving():
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited:\n{server.log()[-3000:]}")
        try:
            return httpx.get(f"{server.base_url}/s/", timeout=5).status_code < 500
        except httpx.TransportError:
            return False

    try:
        wait_for(serving, timeout=START_TIMEOUT, what="gunicorn to serve", interval=0.2)
    except BaseException:
        server.stop()
        raise
    return server
