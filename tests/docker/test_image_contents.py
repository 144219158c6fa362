"""Each image holds what its containers run, and the streaming job's image nothing more.

What a container runs is followed through its imports (read with ``ast``): the modules of its
``python -m`` commands, and for Airflow the DAG files the image copies. Every first-party
package on the way must be copied into the image; the job's image (master, worker, driver)
copies the runtime packages only, none of the local stack, the commands, the benchmarks or the
tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.fixtures.compose import build_target, dockerfiles, python_modules, stage_copy_sources
from tests.fixtures.imports import (
    DEV_PACKAGES,
    REPO_ROOT,
    RUNTIME_PACKAGES,
    import_closure,
    main_file,
    python_files,
)

READ_AT_RUN_TIME = {"config": {"pipeline.toml"}, "ops": {"schemas", "generated"}}
"""Files a package reads (not imports): the settings file; the contracts ``make register`` reads
and the CQL ``make migrate`` applies (``generated/cql``)."""
JOB_SERVICES = ("spark-master", "spark-worker", "spark-job")


def top_level(source: str) -> str:
    """``config/`` -> ``config``; ``airflow/dags/`` -> ``airflow``."""
    return Path(source).parts[0]


def entry_points(service: dict[str, Any], copied: list[str]) -> list[Path]:
    """The files a service's containers start from: ``python -m`` modules, and copied DAGs."""
    entries = [path for module in python_modules(service) if (path := main_file(module))]
    dags = [source for source in copied if source.startswith("airflow/dags")]
    return entries + [path for dag in dags for path in python_files(REPO_ROOT, dag)]


def needed(entries: list[Path]) -> set[str]:
    """The top-level packages (and files read at run time) that ``entries`` need."""
    packages = {path.relative_to(REPO_ROOT).parts[0] for path in import_closure(entries)}
    return packages | {f for p in packages for f in READ_AT_RUN_TIME.get(p, set())}


def test_every_image_holds_what_its_containers_run(compose: dict[str, Any]) -> None:
    missing = []
    for name, dockerfile in dockerfiles(compose).items():
        service = compose["services"][name]
        copied = stage_copy_sources(dockerfile, build_target(service))
        entries = entry_points(service, copied)
        lacking = needed(entries) - {top_level(source) for source in copied}
        missing += [f"{name} ({dockerfile.relative_to(REPO_ROOT)}): {p}" for p in sorted(lacking)]
    assert not missing, "images that lack what their containers import:\n" + "\n".join(missing)


def test_the_job_image_holds_runtime_packages_only(compose: dict[str, Any]) -> None:
    files = dockerfiles(compose)
    for name in JOB_SERVICES:
        copied = stage_copy_sources(files[name], build_target(compose["services"][name]))
        packages = {top_level(s) for s in copied if (REPO_ROOT / top_level(s)).is_dir()}
        assert packages <= set(RUNTIME_PACKAGES), f"{name} copies {sorted(packages)}"
    job = needed([REPO_ROOT / "spark" / "__main__.py"])
    assert not job & DEV_PACKAGES, f"`python -m spark` imports {sorted(job & DEV_PACKAGES)}"


def test_stage_copies_follow_the_build_stages(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(
        "FROM maven:3 AS jars\nCOPY stack/pom.xml stack/\n"
        "FROM base:1 AS job\nCOPY --from=jars /out /jars\nCOPY config/ config/\n"
        "FROM job AS init\nCOPY ops/ ops/\n"
    )
    assert stage_copy_sources(dockerfile, "job") == ["config/"]
    assert stage_copy_sources(dockerfile, "init") == ["config/", "ops/"]
    assert stage_copy_sources(dockerfile) == ["config/", "ops/"]
