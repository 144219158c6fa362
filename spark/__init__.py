"""The Spark Structured Streaming job: Kafka (Confluent-framed Avro) to Cassandra.

``python -m spark`` starts it (``python -m spark.supervisor`` restarts it); :mod:`spark.job`
runs one query per contract topic (:mod:`spark.streams`), and :mod:`spark.microbatch` handles
one micro-batch (framing check, per-writer-schema ``from_avro``, rules, the contract's tables,
DLQ, metrics).
"""
