"""The contract at run time: the helpers generated rule checks call, and personal-data masking.

Hand-written and small; everything contract-specific is generated from ``schemas/`` into
``generated/`` by ``codegen``.
"""
