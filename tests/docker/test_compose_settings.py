"""The containers configure the project through the settings object's environment variables:
each ``PIPELINE_*`` variable a service sets is a field of ``config.Settings`` (so renaming a
setting breaks this test) and its value is accepted by the model."""

from __future__ import annotations

import os
from typing import Any

import pytest
from pydantic import BaseModel

from config import Settings

PREFIX = Settings.model_config.get("env_prefix", "")
DELIMITER = Settings.model_config.get("env_nested_delimiter") or "__"


def pipeline_env(compose: dict[str, Any]) -> dict[str, dict[str, str]]:
    """The ``PIPELINE_*`` variables of each service that sets any."""
    found: dict[str, dict[str, str]] = {}
    for name, service in compose["services"].items():
        environment = service.get("environment") or {}
        assert isinstance(environment, dict), f"{name}: environment must be a mapping"
        values = {k: str(v) for k, v in environment.items() if k.startswith(PREFIX)}
        if values:
            found[name] = values
    return found


def field_path_error(variable: str) -> str | None:
    """Why ``variable`` names no field of ``Settings`` (None when it does)."""
    model: type[BaseModel] = Settings
    parts = variable.removeprefix(PREFIX).lower().split(DELIMITER)
    for depth, part in enumerate(parts):
        field = model.model_fields.get(part)
        if field is None:
            return f"{variable}: {model.__name__} has no field {part!r}"
        annotation = field.annotation
        group = (
            annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel)
            else None
        )
        if depth < len(parts) - 1:
            if group is None:
                return f"{variable}: {model.__name__}.{part} has no sub-fields"
            model = group
        elif group is not None:
            return f"{variable}: {model.__name__}.{part} is a group, not a field"
    return None


def test_field_path_check_rejects_unknown_and_partial_names() -> None:
    assert field_path_error("PIPELINE_KAFKA__BOOTSTRAP_SERVERS") is None
    assert field_path_error("PIPELINE_KAFKA__BOOTSTRAP_SERVER") is not None
    assert field_path_error("PIPELINE_KAFKA") is not None
    assert field_path_error("PIPELINE_PROFILE__X") is not None


def test_services_configure_the_pipeline(compose: dict[str, Any]) -> None:
    configured = pipeline_env(compose)
    for service in ("init", "spark-job", "airflow-scheduler"):
        variables = configured.get(service, {})
        for needed in ("KAFKA__BOOTSTRAP_SERVERS", "REGISTRY__URL", "CASSANDRA__CONTACT_POINTS"):
            assert f"{PREFIX}{needed}" in variables, f"{service} does not set {PREFIX}{needed}"


def test_every_pipeline_variable_is_a_settings_field(compose: dict[str, Any]) -> None:
    errors = [
        f"{service}: {error}"
        for service, variables in pipeline_env(compose).items()
        for variable in variables
        if (error := field_path_error(variable)) is not None
    ]
    assert not errors, "\n".join(errors)


def test_settings_accept_each_services_values(
    resolved_compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loading the real settings with a container's variables gives exactly those values."""
    for service, variables in pipeline_env(resolved_compose).items():
        with monkeypatch.context() as patch:
            for variable in list(_current_pipeline_variables()):
                patch.delenv(variable)
            for variable, value in variables.items():
                patch.setenv(variable, value)
            settings = Settings()
        assert settings.profile == "docker", f"{service}: profile is {settings.profile}"
        assert settings.kafka.bootstrap_servers == "kafka:29092", service
        assert settings.registry.url == "http://schema-registry:8081", service
        assert settings.cassandra.contact_points == ["cassandra"], service
        if "PIPELINE_SPARK__MASTER" in variables:
            assert settings.spark.master == "spark://spark-master:7077", service


def _current_pipeline_variables() -> list[str]:
    return [name for name in os.environ if name.startswith(PREFIX) and name != "PIPELINE_CONFIG"]
