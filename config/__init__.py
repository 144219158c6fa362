"""The project's one configuration object: ``Settings``, loaded by ``load_settings()``.

Values come, in increasing priority, from the defaults below, the TOML file ``pipeline.toml``
at the repository root (or the file named by ``PIPELINE_CONFIG``), the owner-only dotenv file
named by ``PIPELINE_ENV_FILE`` when set (the secured local stack writes one), and environment
variables ``PIPELINE_<GROUP>__<FIELD>`` (for example ``PIPELINE_KAFKA__BOOTSTRAP_SERVERS``).
Secrets (passwords) are ``SecretStr``: they come only from the environment (or that file) and
never print.
"""

from config.settings import (
    CassandraSettings,
    CassandraTlsSettings,
    KafkaSettings,
    LineageSettings,
    MetricsSettings,
    RegistrySettings,
    Settings,
    SourceSettings,
    SparkSettings,
    StackSettings,
    TlsSettings,
    load_settings,
)

__all__ = [
    "CassandraSettings",
    "CassandraTlsSettings",
    "KafkaSettings",
    "LineageSettings",
    "MetricsSettings",
    "RegistrySettings",
    "Settings",
    "SourceSettings",
    "SparkSettings",
    "StackSettings",
    "TlsSettings",
    "load_settings",
]
