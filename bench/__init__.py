"""The benchmarks behind ``make bench``: each part prints its figures and returns them."""

USER_CONTRACT = "user_created"
"""The contract of the headline figures: the producer path, the drains, the decoding, the 50
versions and the latency."""
FLUSH_TIMEOUT_S = 120.0
"""How long a benchmark's producer may take to flush what it sent."""
