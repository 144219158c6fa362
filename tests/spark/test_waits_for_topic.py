"""A job started before its contract's topic exists waits for it: when ``make register``
creates the topic later, discovery starts the query and the records land. (It used to end at
once, with nothing to stream, and its supervisor restarted it in a loop.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from config import Settings
from ops.topics import ensure_contract_topics
from spark.state import JobPhase, JobStateFile
from tests.fixtures.cassandra import table_rows
from tests.fixtures.polling import wait_for
from tests.fixtures.registry import register
from tests.fixtures.spark import fresh_stream_names
from tests.fixtures.users import make_users, publish

pytestmark = [pytest.mark.stack, pytest.mark.spark]

USERS = 20
DISCOVERY_S = 2
WAITING_S = 3 * DISCOVERY_S
"""How long the job must keep running with no topic: past several discovery rounds."""
TIMEOUT_S = 240.0


def test_a_job_started_before_its_topic_exists_streams_it_once_created(
    local_stack: Settings, cassandra_session: Any, tmp_path: Path
) -> None:
    with fresh_stream_names(local_stack, cassandra_session, "waits", topics=False) as names:
        settings = names.for_job(tmp_path)
        env = {
            **os.environ,
            **names.env(settings),
            "PIPELINE_SPARK__DISCOVERY_INTERVAL_S": str(DISCOVERY_S),
        }
        log = tmp_path / "job.log"
        with log.open("wb") as out:
            job = subprocess.Popen(
                [sys.executable, "-m", "spark", "--contract", names.contract.name],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        state = JobStateFile(settings.spark.status_file)
        try:

            def running() -> bool:
                assert job.poll() is None, f"the job ended with no topic to stream; see {log}"
                return state.read().phase == JobPhase.RUNNING

            wait_for(running, TIMEOUT_S, f"the job's phase `running` (log: {log})")
            time.sleep(WAITING_S)
            assert running(), "still running, waiting for the topic"
            assert not state.read().queries, "no query can run before its topic exists"

            ensure_contract_topics(names.settings, [names.contract.stream])
            register(names.settings, names.subject, names.contract.schema)
            publish(names.settings, make_users(USERS, seed="late"), datetime.now(UTC))

            def landed() -> int | None:
                assert job.poll() is None, f"the job exited {job.returncode}; see {log}"
                rows = len(table_rows(cassandra_session, names.keyspace, "created_users"))
                return rows if rows >= USERS else None

            assert wait_for(landed, TIMEOUT_S, f"{USERS} rows once the topic exists") == USERS
        finally:
            if job.poll() is None:
                job.send_signal(signal.SIGTERM)
                job.wait(60)
