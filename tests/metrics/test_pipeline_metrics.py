"""The pipeline's metrics, read back from a real Prometheus server while the pipeline runs.

The test pipeline's job (``tests.fixtures.pipeline``) serves its metrics and its supervisor
theirs on ports of their own; a Prometheus and a Pushgateway started the way ``make stack-up``
starts them, in a home and on ports of their own, scrape those (and the shared stack's Kafka and
Cassandra, when they run the JMX exporter). Producer runs push to that Pushgateway.
"""

from __future__ import annotations

from pathlib import Path

from config import Settings
from contract.catalog import contract
from contract.dlq import RejectRule, Stage
from contract.metrics import PRODUCER_JOB, Outcome
from producer.run import run_batch
from spark.reader_contract import ReaderContract
from stack import prometheus_server
from stack.control import running_pid, services
from stack.jmx_exporter import agent_jar
from stack.procs import process_tree
from stack.prometheus_server import ScrapeJob
from tests.fixtures.kafka import produce
from tests.fixtures.loopback import assert_listens_on_loopback_only
from tests.fixtures.pipeline import Pipeline
from tests.fixtures.polling import wait_for
from tests.fixtures.prometheus import METRICS_SERVICES, query, wait_for_positive

USERS = "user_created"
COUNT = 40


def _selector(name: str, **labels: str) -> str:
    return name + "{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


def _wait_for_series(url: str, promql: str) -> None:
    wait_for(lambda: query(url, promql), 60, f"{promql} in the Prometheus at {url}")


def test_prometheus_scrapes_what_the_job_and_the_producer_did(observed: Settings) -> None:
    url = prometheus_server.url(observed)
    users = contract(USERS)
    topic = users.names(observed).topic
    table = ReaderContract.generated(users).tables[0].name
    for job in (ScrapeJob.JOB, ScrapeJob.SUPERVISOR, ScrapeJob.PUSHGATEWAY, ScrapeJob.PROMETHEUS):
        wait_for_positive(url, _selector("up", job=job))
    # the job's series exist from its query's start, so rate() counts the next batch's rows
    written = _selector("userstream_job_rows_written_total", topic=topic, table=table)
    _wait_for_series(url, written)

    source = observed.source.urls[USERS]
    run_batch(observed, users, COUNT, url=f"{source}?hostile=not_uuid")  # one user rejected
    produce(observed, topic, [(b"not-framed", b"plain text, no Confluent header")])

    assert wait_for_positive(url, f"rate({written}[1m])") > 0
    produced = _selector(
        "userstream_producer_records_total",
        job=PRODUCER_JOB,
        contract=USERS,
        outcome=Outcome.PRODUCED.value,
    )
    assert wait_for_positive(url, produced) == COUNT - 1
    rejected = _selector("userstream_producer_rejected_total", contract=USERS, rule="type:uuid")
    assert wait_for_positive(url, rejected) == 1
    framing = _selector(
        "userstream_job_rows_rejected_total",
        topic=topic,
        rule=RejectRule.WIRE_FRAMING.value,
        stage=Stage.JOB.value,
    )
    assert wait_for_positive(url, framing) >= 1
    latency = _selector("userstream_job_produce_to_row_seconds_count", topic=topic)
    assert wait_for_positive(url, latency) >= COUNT - 1
    _wait_for_series(url, _selector("userstream_job_consumer_lag", topic=topic))


def test_kafka_and_cassandra_are_scraped_where_their_exporter_runs(
    observed: Settings, pipeline: Pipeline
) -> None:
    """The shared stack's Kafka and Cassandra serve their JMX metrics once started with the
    agent: a stack started before the agent was added runs without it until its next start
    (``up`` is then 0). The private stack of ``tests/stack/test_lifecycle.py`` always runs it."""
    url = prometheus_server.url(observed)
    jar = str(agent_jar(observed)).encode()
    shared = services(pipeline.settings)
    for name, job in (("kafka", ScrapeJob.KAFKA), ("cassandra", ScrapeJob.CASSANDRA)):
        pid = running_pid(shared[name])
        assert pid is not None, f"the shared stack's {name} does not run"
        if jar in Path(f"/proc/{pid}/cmdline").read_bytes():
            wait_for_positive(url, _selector("up", job=job))
        else:
            _wait_for_series(url, _selector("up", job=job))


def test_the_metrics_endpoints_listen_on_loopback_only(
    observed: Settings, pipeline: Pipeline
) -> None:
    own = services(observed)
    assert_listens_on_loopback_only(
        {
            "the job and its supervisor": process_tree(pipeline.supervisor_pid),
            **{name: process_tree(running_pid(own[name]) or 0) for name in METRICS_SERVICES},
        }
    )
