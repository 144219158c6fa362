"""Paths of the codegen tests and sample values built through the generated classes."""

from __future__ import annotations

import datetime as dt
import struct
import uuid
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

UTC = dt.UTC
HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
TEST_SCHEMAS = HERE / "schemas"
GOLDEN = HERE / "golden"
KS_PACKAGE = "codegen_kitchen_sink"


def kitchen_sink(ks: ModuleType, point: ModuleType) -> Any:
    """A KitchenSink with every field set to a non-trivial value (floats exact in float32)."""
    address = ks.Address(street="1 Rue de la Paix", zip="75002")
    contact = ks.Contact(kind=ks.Suit.HEARTS, handle="@ana", place=address)
    return ks.KitchenSink(
        id=uuid.UUID("6f1c1d6e-2f67-4a8e-9b4c-0c7f1a2b3c4d"),
        seq=2**40 + 3,
        flag=True,
        small=-42,
        ratio=1.5,
        precise=3.141592653589793,
        raw=b"\x00\x01\xfe\xff",
        label="Zoë Ωmega 東京",
        suit=ks.Suit.CLUBS,
        digest=bytes(range(16)),
        tags=["a", "b"],
        scores={"x": 1, "y": -2},
        matrix=[[1, 2], [3]],
        address=address,
        second_address=ks.Address(street="2 Main St", zip=None),
        contacts=[contact, ks.Contact(kind=ks.Suit.SPADES, handle=None, place=address)],
        contact_by_name={"ana": contact},
        location=point.Point(lat=48.8566, lon=2.3522),
        opt_int=None,
        count_default=9,
        amount=Decimal("12345678.90"),
        amount_fixed=Decimal("-123456789.123"),
        day=dt.date(1992, 3, 8),
        time_ms=dt.time(15, 13, 16, 688000),
        time_us=dt.time(15, 13, 16, 688123),
        ts_ms=dt.datetime(2021, 5, 4, 3, 2, 1, 123000, tzinfo=UTC),
        ts_us=dt.datetime(2021, 5, 4, 3, 2, 1, 123456, tzinfo=UTC),
        local_ms=dt.datetime(2021, 5, 4, 3, 2, 1, 123000),
        local_us=dt.datetime(2021, 5, 4, 3, 2, 1, 123456),
        period=struct.pack("<III", 1, 2, 3000),
    )


def unions(u: ModuleType, ks: ModuleType, point: ModuleType) -> Any:
    """A Unions record exercising each union branch kind."""
    return u.Unions(
        int_or_long=2**40,
        float_or_double=0.25,
        string_or_int=7,
        null_string_or_long="text",
        single="one",
        string_or_null=None,
        maybe_items=[1, None, 3],
        maybe_values={"a": 1.5, "b": None},
        maybe_suits=[ks.Suit.SPADES, ks.Suit.DIAMONDS],
        points={"home": [point.Point(lat=1.0, lon=2.0)], "none": []},
    )
