"""The Spark Structured Streaming job: Kafka (Confluent-framed Avro) to Cassandra.

``python -m spark`` starts it; :mod:`spark.job` builds the query, :mod:`spark.batch` handles one
micro-batch (framing check, per-writer-schema ``from_avro``, projection, sink, DLQ, metrics).
"""
