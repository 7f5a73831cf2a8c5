"""The Dockerfile, compose.yaml and the Caddyfile agree with each other and with config.py: the
services, the ports, the named volumes, and every environment name a worker is given is a
setting (Docker's `compose config` is not on every machine; these files are read as text)."""

import re
from pathlib import Path

import yaml

from facilitator.config import Settings

ROOT = Path(__file__).resolve().parent.parent
# Read by uvicorn itself, not by Settings.
UVICORN_ENV = {"FORWARDED_ALLOW_IPS"}


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def dockerfile() -> list[str]:
    """The Dockerfile's instructions, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_compose_runs_two_workers_behind_caddy_with_postgres_and_redis_on_named_volumes():
    spec = compose()
    services = spec["services"]
    assert set(services) == {"proxy", "web1", "web2", "postgres", "redis"}
    assert services["proxy"]["image"].startswith("caddy:")
    assert set(services["proxy"]["ports"]) == {"80:80", "443:443"}
    named = set(spec["volumes"])
    for service in ("proxy", "postgres", "redis"):
        mounted = {volume.split(":")[0] for volume in services[service]["volumes"]}
        assert mounted & named, f"{service} keeps its data in a named volume"
    assert services["web1"] == services["web2"]
    for worker in ("web1", "web2"):
        assert services[worker]["build"] == "."
        assert services[worker]["expose"] == ["8000"]


def test_every_environment_name_a_worker_is_given_is_a_setting():
    settings = {name.upper() for name in Settings.model_fields}
    environment = compose()["services"]["web1"]["environment"]
    assert set(environment) - settings - UVICORN_ENV == set()
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "PUBLIC_URL", "FACILITATOR_ENV"} <= set(environment)
    assert "@postgres:5432/" in environment["DATABASE_URL"]
    assert environment["REDIS_URL"].startswith("redis://redis:6379")
    assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")  # compose refuses to start without it
    assert environment["FACILITATOR_ENV"] == "production"


def test_the_caddyfile_proxies_to_both_workers_on_the_port_they_serve():
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert re.search(r"reverse_proxy web1:8000 web2:8000", caddyfile)
    assert "health_uri /readyz" in caddyfile
    assert 'header Strict-Transport-Security "max-age=31536000"' in caddyfile
    mounted = compose()["services"]["proxy"]["volumes"]
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in mounted


def test_the_dockerfile_installs_the_wheel_and_serves_as_a_user_without_privileges():
    lines = dockerfile()
    stages = [line for line in lines if line.startswith("FROM ")]
    assert stages and all(re.match(r"FROM python:3\.\d+-slim", stage) for stage in stages)
    assert any(line.startswith("RUN pip wheel") for line in lines)
    assert any(line.startswith("RUN pip install /wheels/") for line in lines)
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert "EXPOSE 8000" in lines
    healthcheck = next(line for line in lines if line.startswith("HEALTHCHECK "))
    assert "http://127.0.0.1:8000/healthz" in healthcheck
    assert 'ENTRYPOINT ["facilitator"]' in lines
    command = next(line for line in lines if line.startswith("CMD ["))
    assert '"serve"' in command and '"8000"' in command
    environment = " ".join(line for line in lines if line.startswith("ENV "))
    for name in re.findall(r"\b([A-Z_]+)=", environment):
        assert name.lower() in Settings.model_fields or name.startswith(("PYTHON", "PIP_")), name


def test_the_build_context_leaves_out_local_databases_keys_and_environments():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".git", ".venv", ".env", "*.db", "secret.key", "**/__pycache__"} <= ignored
    copied = [line.split()[1] for line in dockerfile() if line.startswith("COPY ") and "--from" not in line]
    assert copied == ["pyproject.toml", "facilitator"]
