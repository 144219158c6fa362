"""The job's SparkSession: its connector jars come from the settings, never from the dev stack.

``spark.jars`` / ``spark.packages`` name the Kafka, Avro and Cassandra connectors on a cluster
(paths or Maven coordinates); with neither, the jars ``make setup`` fetched are used, minus the
libraries PySpark already ships, so the classpath holds one copy of each.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pyspark
from pyspark.sql import SparkSession

from config import Settings

_VERSION_SUFFIX = re.compile(r"-\d[\w.\-]*\.jar$")
LOOPBACK = "127.0.0.1"


def _artifact_name(jar: Path) -> str:
    """``kafka-clients-3.4.1.jar`` -> ``kafka-clients``."""
    return _VERSION_SUFFIX.sub("", jar.name)


def pyspark_jar_names() -> set[str]:
    """Artifact names of the jars inside the installed PySpark."""
    jars_dir = Path(pyspark.__file__).resolve().parent / "jars"
    return {_artifact_name(jar) for jar in jars_dir.glob("*.jar")}


def fetched_jars(settings: Settings) -> list[Path]:
    """The fetched connector jars and dependencies PySpark lacks (the local default).

    Jars PySpark already has (Scala, Hadoop client, compression codecs, ...) are left
    out, whatever their version, so the classpath holds one copy of each library.
    """
    shipped = pyspark_jar_names()
    jars_dir = settings.fetched_spark_jars_dir
    jars = sorted(jar for jar in jars_dir.glob("*.jar") if _artifact_name(jar) not in shipped)
    if not any(_artifact_name(jar).startswith("spark-sql-kafka") for jar in jars):
        raise FileNotFoundError(
            f"no Spark connector jars in {jars_dir}: run `make setup` (or set spark.jars / "
            "spark.packages, PIPELINE_SPARK__JARS / PIPELINE_SPARK__PACKAGES)"
        )
    return jars


def connector_conf(settings: Settings) -> dict[str, str]:
    """``spark.jars`` and/or ``spark.jars.packages`` for the connectors, from the settings."""
    if settings.spark.jars or settings.spark.packages:
        conf = {}
        if settings.spark.jars:
            conf["spark.jars"] = ",".join(settings.spark.jars)
        if settings.spark.packages:
            conf["spark.jars.packages"] = ",".join(settings.spark.packages)
        return conf
    return {"spark.jars": ",".join(str(jar) for jar in fetched_jars(settings))}


def is_local(master: str) -> bool:
    return master.startswith("local")


def on_loopback(master: str) -> bool:
    """A local master, or a standalone master on this machine's loopback (the local stack's
    cluster shape): the driver and every executor run here, and listen on 127.0.0.1 only."""
    if is_local(master):
        return True
    parts = urlsplit(master)
    return parts.scheme == "spark" and parts.hostname in (LOOPBACK, "localhost")


def standalone_conf(settings: Settings) -> dict[str, str]:
    """Executors that fit the local stack's standalone workers: one per worker, with all of its
    cores (``stack.spark_worker_cores``) and memory (``stack.spark_worker_memory``), so the job
    gets an executor on each worker. No Python runs on them (every row is a Spark SQL
    expression; ``foreachBatch`` runs on the driver): they need no Python setting."""
    cores = settings.stack.spark_worker_cores
    return {
        "spark.executor.memory": settings.stack.spark_worker_memory,
        "spark.executor.cores": str(cores),
        "spark.cores.max": str(cores * len(settings.stack.spark_worker_ui_ports)),
    }


def session_conf(settings: Settings, master: str | None = None) -> dict[str, str]:
    """Every Spark setting the job starts with.

    On loopback (:func:`on_loopback`) the driver's RPC and block manager bind to 127.0.0.1 only
    (its UI does through ``loopback_environment``), and there the executors of a standalone
    master are sized to the stack's workers; the Avro decoder's size limits keep a hostile length
    prefix from allocating gigabytes (``jvm_options``).
    """
    master = master or settings.spark.master
    conf = {
        **connector_conf(settings),
        "spark.master": master,
        "spark.sql.shuffle.partitions": str(settings.spark.shuffle_partitions),
        "spark.driver.memory": settings.spark.driver_memory,
        "spark.sql.session.timeZone": "UTC",
        "spark.driver.extraJavaOptions": jvm_options(settings),
        "spark.executor.extraJavaOptions": jvm_options(settings),
    }
    if on_loopback(master):
        conf["spark.driver.host"] = LOOPBACK
        conf["spark.driver.bindAddress"] = LOOPBACK
    if on_loopback(master) and not is_local(master):
        conf |= standalone_conf(settings)
    return conf


COMPILE_HUGE_METHODS = "-XX:-DontCompileHugeMethods"
"""Let the JIT compile methods over 8,000 bytecodes. The code Spark generates for the decode,
the projection and fifty contract rules is one such method; left to the interpreter it made
the rules 2.5x slower (1.3 s against 3.2 s for 150,000 rows, ``docs/performance.md``)."""


def jvm_options(settings: Settings) -> str:
    """The driver's and executors' JVM options: the JIT setting above, and bounds on what one
    Avro value may claim (Avro's ``SystemLimitException``)."""
    limit = settings.kafka.dlq_max_message_bytes
    limits = (
        f"-Dorg.apache.avro.limits.{name}.maxLength={limit}"
        for name in ("string", "bytes", "collectionItems")
    )
    return " ".join((COMPILE_HUGE_METHODS, *limits))


def loopback_environment(master: str) -> dict[str, str]:
    """Environment the driver JVM needs to listen on loopback only, for a master on loopback
    (:func:`on_loopback`).

    Spark 3.5's web UI binds to ``$SPARK_LOCAL_IP`` or, without it, every interface; no Spark
    setting moves it (``spark.driver.bindAddress`` covers the RPC and block manager only).
    """
    return {"SPARK_LOCAL_IP": LOOPBACK} if on_loopback(master) else {}


APP_NAME = "userstream-streaming-job"
"""The application's name in Spark's UI and logs (one job streams every contract)."""


def build_session(
    settings: Settings, master: str | None = None, extra: dict[str, str] | None = None
) -> SparkSession:
    """The job's session (or the running one: Spark allows one per process).

    PySpark starts the driver JVM with this process's environment, so the loopback environment
    is set here, before the first session of the process starts the JVM. ``extra`` settings
    (a benchmark's, say) go on top of the job's.
    """
    os.environ.update(loopback_environment(master or settings.spark.master))
    builder = SparkSession.builder.appName(APP_NAME)
    for key, value in {**session_conf(settings, master), **(extra or {})}.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()
