"""Ingestion: randomuser-compatible source -> validated records -> Avro via the registry -> Kafka.

Modules, in pipeline order: ``client`` (HTTP with retries), ``records`` (API user to
``UserCreated``), ``publish`` (Schema-Registry serialization, Kafka, DLQ), ``batch`` (one run
end to end). ``offline_source`` is a randomuser-compatible server for tests and offline demos.
"""
