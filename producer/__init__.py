"""Ingestion: a contract's JSON source -> its records, checked -> Avro via the registry -> Kafka.

Modules, in pipeline order: ``client`` (HTTP with retries, the source's declared paging),
``json_scan`` (a page's records, one hostile record never taking the page down), ``publish``
(the contract's generated mapping and rules, Schema-Registry serialization, Kafka, DLQ),
``run`` (one batch end to end), ``airflow_task`` (the body of each contract's DAG). Nothing here
names a contract: each comes from ``contract.catalog``.
"""
