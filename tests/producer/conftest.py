"""Fixtures of the producer tests: the offline source and scratch topics on the local stack."""

from tests.producer.fixtures import offline_source, stack_settings, topics, unregistered_topics

__all__ = ["offline_source", "stack_settings", "topics", "unregistered_topics"]
