"""The connector jars a local SparkSession needs, without what PySpark already ships."""

from __future__ import annotations

import re
from pathlib import Path

import pyspark

from config import Settings
from stack import artifacts

_VERSION_SUFFIX = re.compile(r"-\d[\w.\-]*\.jar$")


def _artifact_name(jar: Path) -> str:
    """``kafka-clients-3.4.1.jar`` -> ``kafka-clients``."""
    return _VERSION_SUFFIX.sub("", jar.name)


def pyspark_jar_names() -> set[str]:
    """Artifact names of the jars inside the installed PySpark."""
    jars_dir = Path(pyspark.__file__).resolve().parent / "jars"
    return {_artifact_name(jar) for jar in jars_dir.glob("*.jar")}


def spark_jars(settings: Settings) -> list[Path]:
    """The fetched connector jars and dependencies PySpark lacks, for ``spark.jars``.

    Jars PySpark already has (Scala, Hadoop client, compression codecs, ...) are left
    out, whatever their version, so the classpath holds one copy of each library.
    """
    shipped = pyspark_jar_names()
    jars_dir = artifacts.spark_jars_dir(settings)
    jars = sorted(jar for jar in jars_dir.glob("*.jar") if _artifact_name(jar) not in shipped)
    if not any(_artifact_name(jar).startswith("spark-sql-kafka") for jar in jars):
        raise FileNotFoundError(
            f"no Spark connector jars in {jars_dir}: run `python -m stack fetch` first"
        )
    return jars
