# generated from schemas/user_created.avsc by codegen; do not edit
# fmt: off
"""Spark form of io.userstream.users.UserCreated: ``from_avro`` struct and table projection."""

from __future__ import annotations

from pyspark.sql.types import (
    DoubleType,
    IntegerType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

SCHEMA: StructType = StructType([
    StructField("id", StringType(), False),
    StructField("gender", StringType(), False),
    StructField("name", StructType([
        StructField("title", StringType(), False),
        StructField("first", StringType(), False),
        StructField("last", StringType(), False),
    ]), False),
    StructField("location", StructType([
        StructField("street", StructType([
            StructField("number", IntegerType(), False),
            StructField("name", StringType(), False),
        ]), False),
        StructField("city", StringType(), False),
        StructField("state", StringType(), False),
        StructField("country", StringType(), False),
        StructField("postcode", StringType(), False),
        StructField("coordinates", StructType([
            StructField("latitude", DoubleType(), False),
            StructField("longitude", DoubleType(), False),
        ]), False),
        StructField("timezone", StructType([
            StructField("offset", StringType(), False),
            StructField("description", StringType(), False),
        ]), False),
    ]), False),
    StructField("email", StringType(), False),
    StructField("username", StringType(), False),
    StructField("dob", StructType([
        StructField("date", TimestampType(), False),
        StructField("age", IntegerType(), False),
    ]), False),
    StructField("registered", StructType([
        StructField("date", TimestampType(), False),
        StructField("age", IntegerType(), False),
    ]), False),
    StructField("phone", StringType(), False),
    StructField("cell", StringType(), False),
    StructField("national_id", StructType([
        StructField("name", StringType(), False),
        StructField("value", StringType(), True),
    ]), False),
    StructField("picture", StructType([
        StructField("large", StringType(), False),
        StructField("medium", StringType(), False),
        StructField("thumbnail", StringType(), False),
    ]), False),
    StructField("nat", StringType(), False),
    StructField("ingested_at", TimestampType(), False),
    StructField("source", StringType(), False),
])

KEYSPACE: str = "spark_streams"
TABLE: str = "created_users"
PRIMARY_KEY: tuple[str, ...] = ("id",)
COLUMNS: tuple[str, ...] = (
    "id",
    "gender",
    "name_title",
    "name_first",
    "name_last",
    "location_street_number",
    "location_street_name",
    "location_city",
    "location_state",
    "location_country",
    "location_postcode",
    "location_coordinates_latitude",
    "location_coordinates_longitude",
    "location_timezone_offset",
    "location_timezone_description",
    "email",
    "username",
    "dob_date",
    "dob_age",
    "registered_date",
    "registered_age",
    "phone",
    "cell",
    "national_id_name",
    "national_id_value",
    "picture_large",
    "picture_medium",
    "picture_thumbnail",
    "nat",
    "ingested_at",
    "source",
)
#: (Cassandra column, Spark SQL expression over the decoded struct column ``value``)
PROJECTION: tuple[tuple[str, str], ...] = (
    ("id", "value.`id`"),
    ("gender", "value.`gender`"),
    ("name_title", "value.`name`.`title`"),
    ("name_first", "value.`name`.`first`"),
    ("name_last", "value.`name`.`last`"),
    ("location_street_number", "value.`location`.`street`.`number`"),
    ("location_street_name", "value.`location`.`street`.`name`"),
    ("location_city", "value.`location`.`city`"),
    ("location_state", "value.`location`.`state`"),
    ("location_country", "value.`location`.`country`"),
    ("location_postcode", "value.`location`.`postcode`"),
    ("location_coordinates_latitude", "value.`location`.`coordinates`.`latitude`"),
    ("location_coordinates_longitude", "value.`location`.`coordinates`.`longitude`"),
    ("location_timezone_offset", "value.`location`.`timezone`.`offset`"),
    ("location_timezone_description", "value.`location`.`timezone`.`description`"),
    ("email", "value.`email`"),
    ("username", "value.`username`"),
    ("dob_date", "value.`dob`.`date`"),
    ("dob_age", "value.`dob`.`age`"),
    ("registered_date", "value.`registered`.`date`"),
    ("registered_age", "value.`registered`.`age`"),
    ("phone", "value.`phone`"),
    ("cell", "value.`cell`"),
    ("national_id_name", "value.`national_id`.`name`"),
    ("national_id_value", "value.`national_id`.`value`"),
    ("picture_large", "value.`picture`.`large`"),
    ("picture_medium", "value.`picture`.`medium`"),
    ("picture_thumbnail", "value.`picture`.`thumbnail`"),
    ("nat", "value.`nat`"),
    ("ingested_at", "value.`ingested_at`"),
    ("source", "value.`source`"),
)
