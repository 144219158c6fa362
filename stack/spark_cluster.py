"""Apache Spark standalone at cluster shape (``stack.shape = "cluster"``): one master and two
workers, on loopback, from the installed PySpark (its ``bin/spark-class``, no other download).

The master (``spark-master``, in ``<stack.home>/spark-master``) serves ``spark://127.0.0.1:
<stack.spark_master_port>`` and its web UI on ``stack.spark_master_ui_port``; worker ``n``
(``spark-worker-<n>``) its web UI on the ``n``-th of ``stack.spark_worker_ui_ports``, its RPC on a
port of the kernel's choosing (127.0.0.1 too), and offers ``stack.spark_worker_cores`` cores and
``stack.spark_worker_memory`` to one executor of the job. An executor runs in its worker's work
folder (``<home>/work/<app>/<id>``: the jars it fetched from the driver, its log), its scratch
space in ``<home>/local``; all of it under the worker's home, wiped with it.

``spark-class`` runs as a shell script first (and a launcher JVM computing the command), then
execs the daemon JVM in the same process: the pid in the pid file is the JVM's. Its ``-D`` stack
marker (``SPARK_DAEMON_JAVA_OPTS``) is on the JVM's command line only, so the pid is recognised
by an argument both the script and the JVM carry, the ``--properties-file`` in the home.
"""

from __future__ import annotations

import importlib.util
import os
from functools import partial
from pathlib import Path
from typing import Any

import requests

from config import Settings
from stack.errors import StackError
from stack.owner_only import write_file
from stack.service import LOOPBACK, Service, marker_for

MASTER = "spark-master"
MASTER_CLASS = "org.apache.spark.deploy.master.Master"
WORKER_CLASS = "org.apache.spark.deploy.worker.Worker"
DAEMON_MEMORY = "256m"
"""Heap of the master and of each worker (``SPARK_DAEMON_MEMORY``): they only schedule; the
executors they launch get ``stack.spark_worker_memory``."""


def master_properties(home: Path) -> str:
    """The master's properties. Its state (workers, applications) is kept in its home, so a
    master killed and started again takes the running job back: without it, the new master
    knows no application, the workers kill the job's executors, and the job waits for
    executors that never come."""
    return (
        "# jobs are submitted in client mode: no REST submission server (port 6066)\n"
        "spark.master.rest.enabled false\n"
        "spark.deploy.recoveryMode FILESYSTEM\n"
        f"spark.deploy.recoveryDirectory {home / 'recovery'}\n"
    )


WORKER_PROPERTIES = (
    "# every run of the job leaves its jars (about 20 MB) in each executor's folder: remove\n"
    "# the folders of applications that ended over an hour ago, looked for every 30 minutes\n"
    "spark.worker.cleanup.enabled true\n"
    "spark.worker.cleanup.appDataTtl 3600\n"
)


def worker_names(settings: Settings) -> tuple[str, ...]:
    """The workers' service names, in worker order: ``spark-worker-1``, ``spark-worker-2``."""
    return tuple(
        f"spark-worker-{n}" for n in range(1, len(settings.stack.spark_worker_ui_ports) + 1)
    )


def master_url(settings: Settings) -> str:
    """The master the stack runs: ``spark://127.0.0.1:<stack.spark_master_port>``."""
    return f"spark://{LOOPBACK}:{settings.stack.spark_master_port}"


def spark_home() -> Path:
    """The installed PySpark package: a Spark distribution (``bin/``, ``jars/``) of its own.
    Found without importing it (``python -m stack status`` need not load PySpark)."""
    spec = importlib.util.find_spec("pyspark")
    if spec is None or spec.origin is None:
        raise StackError("PySpark is not installed in this environment: run `make setup`")
    return Path(spec.origin).resolve().parent


def properties_file(home: Path) -> Path:
    """The daemon's Spark properties, in its home; its path also marks its process."""
    return home / "spark.properties"


def daemon_env(java: Path, home: Path) -> dict[str, str]:
    """The environment of ``spark-class`` for the daemon living in ``home``.

    ``SPARK_LOCAL_IP`` keeps the web UI on loopback (Spark 3.5's UI binds to it, else to every
    interface) and is inherited by the executors a worker launches; ``SPARK_HOME`` is set
    outright, so a ``SPARK_HOME`` of the environment (another Spark) is not used.
    """
    env = {
        **os.environ,
        "SPARK_HOME": str(spark_home()),
        "SPARK_LOCAL_IP": LOOPBACK,
        "SPARK_DAEMON_MEMORY": DAEMON_MEMORY,
        "SPARK_DAEMON_JAVA_OPTS": f"-Djava.awt.headless=true {marker_for(home)}",
    }
    if java.is_absolute():
        env["JAVA_HOME"] = str(java.parent.parent)
    return env


def master_command(settings: Settings, home: Path) -> tuple[str, ...]:
    return (
        str(spark_home() / "bin" / "spark-class"),
        MASTER_CLASS,
        "--host",
        LOOPBACK,
        "--port",
        str(settings.stack.spark_master_port),
        "--webui-port",
        str(settings.stack.spark_master_ui_port),
        "--properties-file",
        str(properties_file(home)),
    )


def worker_command(settings: Settings, home: Path, ui_port: int) -> tuple[str, ...]:
    return (
        str(spark_home() / "bin" / "spark-class"),
        WORKER_CLASS,
        "--host",
        LOOPBACK,
        "--webui-port",
        str(ui_port),
        "--cores",
        str(settings.stack.spark_worker_cores),
        "--memory",
        settings.stack.spark_worker_memory,
        "--work-dir",
        str(home / "work"),
        "--properties-file",
        str(properties_file(home)),
        master_url(settings),
    )


def master_state(settings: Settings) -> dict[str, Any] | None:
    """The master's state, its UI's ``/json/`` (workers, applications), or None unanswered."""
    try:
        answer = requests.get(
            f"http://{LOOPBACK}:{settings.stack.spark_master_ui_port}/json/", timeout=3
        )
        return answer.json() if answer.status_code == 200 else None
    except (requests.RequestException, ValueError):
        return None


def _master_healthy(settings: Settings) -> bool:
    """The master is the elected leader (``ALIVE``: it accepts workers and applications)."""
    state = master_state(settings)
    return state is not None and state.get("status") == "ALIVE"


def _worker_healthy(settings: Settings, ui_port: int) -> bool:
    """The master lists this worker (by its web UI's address) as ``ALIVE``: registered, and
    offering its cores and memory to applications."""
    state = master_state(settings) or {}
    return any(
        worker.get("webuiaddress") == f"http://{LOOPBACK}:{ui_port}"
        and worker.get("state") == "ALIVE"
        for worker in state.get("workers", [])
    )


def _prepare(home: Path, properties: str) -> None:
    write_file(properties_file(home), properties)


def services(settings: Settings, java: Path) -> dict[str, Service]:
    """The master and the workers of the cluster shape, by service name, master first."""
    if settings.spark.master != master_url(settings):
        raise StackError(
            f"stack.shape=cluster runs the Spark master on {master_url(settings)} "
            f"(stack.spark_master_port): spark.master must name it "
            f"(it is {settings.spark.master!r})"
        )
    home = settings.stack.home / MASTER
    found = {
        MASTER: Service(
            name=MASTER,
            home=home,
            ports=(settings.stack.spark_master_port, settings.stack.spark_master_ui_port),
            endpoint=master_url(settings),
            command=master_command(settings, home),
            healthy=partial(_master_healthy, settings),
            prepare=partial(_prepare, home, master_properties(home)),
            env=daemon_env(java, home),
            own_marker=str(properties_file(home)),
        )
    }
    for name, ui_port in zip(
        worker_names(settings), settings.stack.spark_worker_ui_ports, strict=True
    ):
        home = settings.stack.home / name
        found[name] = Service(
            name=name,
            home=home,
            ports=(ui_port,),
            endpoint=f"http://{LOOPBACK}:{ui_port}",
            command=worker_command(settings, home, ui_port),
            healthy=partial(_worker_healthy, settings, ui_port),
            prepare=partial(_prepare, home, WORKER_PROPERTIES),
            env={**daemon_env(java, home), "SPARK_LOCAL_DIRS": str(home / "local")},
            own_marker=str(properties_file(home)),
        )
    return found
