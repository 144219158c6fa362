"""The benchmarks behind ``make bench``: each part prints its figures and returns them."""
