# generated from schemas/user_created.avsc by codegen; do not edit
# ruff: noqa: E501
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

from contract import streams as _st

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

#: The rules the job checks, in checking order: (name, field path, message, Spark SQL over the
#: struct column ``value``; the rule is broken when it is false). Rules the decoder already
#: guarantees are left out.
RULES: tuple[tuple[str, str, str, str], ...] = (
    ('type:uuid', 'id', "not a UUID (8-4-4-4-12 hexadecimal digits)", "(lower(value.`id`) RLIKE '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\\\z')"),
    ('type:utf8', 'gender', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "(`_texts_ok` OR (CAST(value.`gender` AS BINARY) <=> encode(value.`gender`, 'UTF-8')))"),
    ('gender_known', 'gender', "gender must be female or male, as randomuser v1.4 sends it", "(value.`gender` IN ('female', 'male'))"),
    ('type:utf8', 'name.title', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "(`_texts_ok` OR (CAST(value.`name`.`title` AS BINARY) <=> encode(value.`name`.`title`, 'UTF-8')))"),
    ('type:utf8', 'name.first', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "(`_texts_ok` OR (CAST(value.`name`.`first` AS BINARY) <=> encode(value.`name`.`first`, 'UTF-8')))"),
    ('name_first_length', 'name.first', "given name must have 1 to 100 characters", '((char_length(value.`name`.`first`) >= 1) AND (char_length(value.`name`.`first`) <= 100))'),
    ('type:utf8', 'name.last', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "(`_texts_ok` OR (CAST(value.`name`.`last` AS BINARY) <=> encode(value.`name`.`last`, 'UTF-8')))"),
    ('name_last_length', 'name.last', "family name must have 1 to 100 characters", '((char_length(value.`name`.`last`) >= 1) AND (char_length(value.`name`.`last`) <= 100))'),
    ('street_number_positive', 'location.street.number', "house number must be 1 or more", '(value.`location`.`street`.`number` >= 1)'),
    ('type:utf8', 'location.street.name', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "(`_texts_ok` OR (CAST(value.`location`.`street`.`name` AS BINARY) <=> encode(value.`location`.`street`.`name`, 'UTF-8')))"),
    ('type:utf8', 'location.city', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "(`_texts_ok` OR (CAST(value.`location`.`city` AS BINARY) <=> encode(value.`location`.`city`, 'UTF-8')))"),
    ('type:utf8', 'location.state', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "(`_texts_ok` OR (CAST(value.`location`.`state` AS BINARY) <=> encode(value.`location`.`state`, 'UTF-8')))"),
    ('type:utf8', 'location.country', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "(`_texts_ok` OR (CAST(value.`location`.`country` AS BINARY) <=> encode(value.`location`.`country`, 'UTF-8')))"),
    ('type:key-size', 'location.country', "a key column value longer than Cassandra's 65535 bytes", '(octet_length(value.`location`.`country`) <= 65535)'),
    ('type:utf8', 'location.postcode', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "(`_texts_ok` OR (CAST(value.`location`.`postcode` AS BINARY) <=> encode(value.`location`.`postcode`, 'UTF-8')))"),
    ('postcode_length', 'location.postcode', "postcode must have at most 16 characters", '(char_length(value.`location`.`postcode`) <= 16)'),
    ('latitude_in_range', 'location.coordinates.latitude', "latitude must be within [-90, 90] degrees", '((value.`location`.`coordinates`.`latitude` >= -90.0D) AND (value.`location`.`coordinates`.`latitude` <= 90.0D))'),
    ('longitude_in_range', 'location.coordinates.longitude', "longitude must be within [-180, 180] degrees", '((value.`location`.`coordinates`.`longitude` >= -180.0D) AND (value.`location`.`coordinates`.`longitude` <= 180.0D))'),
    ('type:utf8', 'location.timezone.offset', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "(`_texts_ok` OR (CAST(value.`location`.`timezone`.`offset` AS BINARY) <=> encode(value.`location`.`timezone`.`offset`, 'UTF-8')))"),
    ('utc_offset_format', 'location.timezone.offset', "UTC offset must look like +9:30, -3:00 or 0:00", "(value.`location`.`timezone`.`offset` RLIKE '^[+-]?[0-9]{1,2}:[0-9]{2}\\\\z')"),
    ('type:utf8', 'location.timezone.description', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "(`_texts_ok` OR (CAST(value.`location`.`timezone`.`description` AS BINARY) <=> encode(value.`location`.`timezone`.`description`, 'UTF-8')))"),
    ('type:utf8', 'email', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "(`_texts_ok` OR (CAST(value.`email` AS BINARY) <=> encode(value.`email`, 'UTF-8')))"),
    ('email_format', 'email', "e-mail must be local@domain.tld, at most 254 characters", "((value.`email` RLIKE '^[^@\\\\s]+@[^@\\\\s]+\\\\.[^@\\\\s]+\\\\z') AND (char_length(value.`email`) <= 254))"),
    ('type:utf8', 'username', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "(`_texts_ok` OR (CAST(value.`username` AS BINARY) <=> encode(value.`username`, 'UTF-8')))"),
    ('username_length', 'username', "username must have 1 to 64 characters", '((char_length(value.`username`) >= 1) AND (char_length(value.`username`) <= 64))'),
    ('type:timestamp-range', 'dob.date', "a timestamp outside years 1 to 9999 (what Cassandra's clients can read back)", '(unix_micros(value.`dob`.`date`) BETWEEN -62135596800000000 AND 253402300799999999)'),
    ('birth_not_in_future', 'dob.date', "date of birth must not be in the future", '(value.`dob`.`date` <= `_now`)'),
    ('age_plausible', 'dob.age', "age must be within [0, 150] years", '((value.`dob`.`age` >= 0) AND (value.`dob`.`age` <= 150))'),
    ('type:timestamp-range', 'registered.date', "a timestamp outside years 1 to 9999 (what Cassandra's clients can read back)", '(unix_micros(value.`registered`.`date`) BETWEEN -62135596800000000 AND 253402300799999999)'),
    ('registration_not_in_future', 'registered.date', "registration must not be in the future", '(value.`registered`.`date` <= `_now`)'),
    ('registration_age_not_negative', 'registered.age', "years since registration must not be negative", '(value.`registered`.`age` >= 0)'),
    ('type:utf8', 'phone', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "(`_texts_ok` OR (CAST(value.`phone` AS BINARY) <=> encode(value.`phone`, 'UTF-8')))"),
    ('phone_length', 'phone', "phone number must have 1 to 32 characters", '((char_length(value.`phone`) >= 1) AND (char_length(value.`phone`) <= 32))'),
    ('type:utf8', 'cell', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "(`_texts_ok` OR (CAST(value.`cell` AS BINARY) <=> encode(value.`cell`, 'UTF-8')))"),
    ('cell_length', 'cell', "cell number must have 1 to 32 characters", '((char_length(value.`cell`) >= 1) AND (char_length(value.`cell`) <= 32))'),
    ('type:utf8', 'national_id.name', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "(`_texts_ok` OR (CAST(value.`national_id`.`name` AS BINARY) <=> encode(value.`national_id`.`name`, 'UTF-8')))"),
    ('type:utf8', 'national_id.value', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "(`_texts_ok` OR (CAST(value.`national_id`.`value` AS BINARY) <=> encode(value.`national_id`.`value`, 'UTF-8')))"),
    ('national_id_named', 'national_id', "a national identifier value needs the name of its scheme", "((NOT (value.`national_id`.`name` <=> '')) OR (value.`national_id`.`value` IS NULL))"),
    ('type:utf8', 'picture.large', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "(`_texts_ok` OR (CAST(value.`picture`.`large` AS BINARY) <=> encode(value.`picture`.`large`, 'UTF-8')))"),
    ('picture_large_url', 'picture.large', "large portrait must be an http(s) URL", "(startswith(value.`picture`.`large`, 'https://') OR startswith(value.`picture`.`large`, 'http://'))"),
    ('type:utf8', 'picture.medium', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "(`_texts_ok` OR (CAST(value.`picture`.`medium` AS BINARY) <=> encode(value.`picture`.`medium`, 'UTF-8')))"),
    ('picture_medium_url', 'picture.medium', "medium portrait must be an http(s) URL", "(startswith(value.`picture`.`medium`, 'https://') OR startswith(value.`picture`.`medium`, 'http://'))"),
    ('type:utf8', 'picture.thumbnail', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "(`_texts_ok` OR (CAST(value.`picture`.`thumbnail` AS BINARY) <=> encode(value.`picture`.`thumbnail`, 'UTF-8')))"),
    ('picture_thumbnail_url', 'picture.thumbnail', "thumbnail portrait must be an http(s) URL", "(startswith(value.`picture`.`thumbnail`, 'https://') OR startswith(value.`picture`.`thumbnail`, 'http://'))"),
    ('type:utf8', 'nat', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "(`_texts_ok` OR (CAST(value.`nat` AS BINARY) <=> encode(value.`nat`, 'UTF-8')))"),
    ('nationality_code', 'nat', "nationality must be two capital letters, such as US or FR", "(value.`nat` RLIKE '^[A-Z]{2}\\\\z')"),
    ('type:timestamp-range', 'ingested_at', "a timestamp outside years 1 to 9999 (what Cassandra's clients can read back)", '(unix_micros(value.`ingested_at`) BETWEEN -62135596800000000 AND 253402300799999999)'),
    ('ingested_not_in_future', 'ingested_at', "ingestion time must not be ahead of the clock by more than 5 minutes", '(value.`ingested_at` <= IF((unix_micros(`_now`) + 300000000) BETWEEN -62135596800000000 AND 253402300799999999, timestamp_micros((unix_micros(`_now`) + 300000000)), NULL))'),
    ('type:utf8', 'source', "text that is not valid UTF-8 (a lone surrogate or a malformed byte sequence)", "(`_texts_ok` OR (CAST(value.`source` AS BINARY) <=> encode(value.`source`, 'UTF-8')))"),
    ('source_present', 'source', "source URL must have 1 to 2048 characters", '((char_length(value.`source`) >= 1) AND (char_length(value.`source`) <= 2048))'),
    ('ingested_after_registration', 'UserCreated', "a user cannot be ingested before registering", '(value.`ingested_at` >= value.`registered`.`date`)'),
)

#: The written rules whose mode is not ``dlq``: ``warn`` rules are counted, ``off`` rules are
#: not checked; both are left out of ``RULES``, ``warn`` ones listed in ``WARN_RULES``.
WARN_RULES: tuple[tuple[str, str, str, str], ...] = (
)

#: True when every single text checked above is valid UTF-8, tested at once: the job computes it
#: as the column ``_texts_ok`` first, and a ``type:utf8`` rule tests its own text only when it
#: is false. None when no rule checks a single text.
TEXTS_OK: str | None = "(CAST(concat_ws('|', value.`gender`, value.`name`.`title`, value.`name`.`first`, value.`name`.`last`, value.`location`.`street`.`name`, value.`location`.`city`, value.`location`.`state`, value.`location`.`country`, value.`location`.`postcode`, value.`location`.`timezone`.`offset`, value.`location`.`timezone`.`description`, value.`email`, value.`username`, value.`phone`, value.`cell`, value.`national_id`.`name`, value.`national_id`.`value`, value.`picture`.`large`, value.`picture`.`medium`, value.`picture`.`thumbnail`, value.`nat`, value.`source`) AS BINARY) <=> encode(concat_ws('|', value.`gender`, value.`name`.`title`, value.`name`.`first`, value.`name`.`last`, value.`location`.`street`.`name`, value.`location`.`city`, value.`location`.`state`, value.`location`.`country`, value.`location`.`postcode`, value.`location`.`timezone`.`offset`, value.`location`.`timezone`.`description`, value.`email`, value.`username`, value.`phone`, value.`cell`, value.`national_id`.`name`, value.`national_id`.`value`, value.`picture`.`large`, value.`picture`.`medium`, value.`picture`.`thumbnail`, value.`nat`, value.`source`), 'UTF-8'))"

SOURCE: str = "schemas/user_created.avsc"
#: The tables the job writes each decoded record to: their columns, each a Spark SQL
#: expression over the decoded struct column ``value``, and their primary keys.
TABLES: tuple[_st.TableTarget, ...] = (
    _st.TableTarget(
        keyspace="spark_streams",
        name="created_users",
        projection=(
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
        ),
        primary_key=("id",),
    ),
    _st.TableTarget(
        keyspace="spark_streams",
        name="users_by_country",
        projection=(
            ("id", "value.`id`"),
            ("name_first", "value.`name`.`first`"),
            ("name_last", "value.`name`.`last`"),
            ("location_city", "value.`location`.`city`"),
            ("location_state", "value.`location`.`state`"),
            ("location_country", "value.`location`.`country`"),
            ("registered_date", "value.`registered`.`date`"),
            ("nat", "value.`nat`"),
        ),
        primary_key=("location_country", "registered_date", "id"),
    ),
)
