"""Settings, read once from the environment (12-factor), with defaults that work locally."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Environment = Literal["development", "production"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A setting has a value we cannot use; the message names the key and the value."""


@dataclass(frozen=True)
class Settings:
    environment: Environment = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = "http://127.0.0.1:8000"
    log_level: str = "info"
    # Neo4j: unset uri means "start the local Neo4j under data_dir".
    neo4j_uri: str | None = None
    neo4j_user: str = "neo4j"
    neo4j_password: str | None = field(default=None, repr=False)
    neo4j_database: str = "neo4j"
    data_dir: Path = PROJECT_ROOT / ".data"
    local_neo4j_port: int = 7687
    local_neo4j_heap_mb: int = 1024
    local_neo4j_pagecache_mb: int = 512
    # The demo county, seeded when the database is empty.
    seed_demo: bool = True
    seed: int = 20190904
    seed_households: int = 27000
    # Query limits (0 turns one off) and the read transaction timeout in seconds.
    max_query_depth: int = 10
    max_query_aliases: int = 15
    max_query_tokens: int = 2000
    max_query_cost: int = 10_000
    read_timeout_s: float = 10.0
    # HTTP limits: request body bytes (413 above), how much of an oversized body is read and discarded so
    # the client sees the 413, and operations per batch (0: a JSON array is refused).
    max_body_bytes: int = 1_048_576
    max_body_drain_bytes: int = 8 * 1_048_576
    max_import_bytes: int = 256 * 1_048_576
    max_batch_operations: int = 0
    # Authentication: HS256 tokens signed with jwt_secret, or RS256/ES256 tokens whose keys the JWKS URL
    # serves; in development with neither, a secret generated once under data_dir (api/auth.py).
    jwt_secret: str | None = field(default=None, repr=False)
    jwt_jwks_url: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwt_leeway_s: float = 0.0
    # Audit: seconds between batch writes, and the salt of hashed client addresses (unset: one generated
    # once and kept under data_dir).
    audit_flush_s: float = 1.0
    audit_salt: str | None = field(default=None, repr=False)
    # Scans per client address and window (0: no limit); an unknown token counts double.
    scan_rate_limit: int = 60
    scan_rate_window_s: float = 60.0
    # How long a response to a request with an Idempotency-Key is replayed to retries (0: the header is ignored).
    idempotency_ttl_s: int = 86_400

    @property
    def development(self) -> bool:
        return self.environment == "development"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Read every setting from `environ` (default: the process environment); keywords win."""
        env = os.environ if environ is None else environ
        host = env.get("HOST", "127.0.0.1")
        port = _port(env, "PORT", 8000)
        values: dict[str, object] = {
            "environment": _choice(env, "ENVIRONMENT", "development", ("development", "production")),
            "host": host,
            "port": port,
            "public_url": env.get("PUBLIC_URL", f"http://{_url_host(host)}:{port}").rstrip("/"),
            "log_level": _choice(env, "LOG_LEVEL", "info", ("critical", "error", "warning", "info", "debug")),
            "neo4j_uri": _neo4j_uri(env),
            "neo4j_user": env.get("NEO4J_USER", "neo4j"),
            "neo4j_password": env.get("NEO4J_PASSWORD") or None,
            "neo4j_database": env.get("NEO4J_DATABASE", "neo4j"),
            "data_dir": Path(env.get("DATA_DIR", str(PROJECT_ROOT / ".data"))).resolve(),
            "local_neo4j_port": _port(env, "LOCAL_NEO4J_PORT", 7687),
            "local_neo4j_heap_mb": _int(env, "LOCAL_NEO4J_HEAP_MB", 1024),
            "local_neo4j_pagecache_mb": _int(env, "LOCAL_NEO4J_PAGECACHE_MB", 512),
            "seed_demo": _bool(env, "SEED_DEMO", True),
            "seed": _int(env, "SEED", 20190904),
            "seed_households": _int(env, "SEED_HOUSEHOLDS", 27000),
            "max_query_depth": _limit(env, "MAX_QUERY_DEPTH", 10),
            "max_query_aliases": _limit(env, "MAX_QUERY_ALIASES", 15),
            "max_query_tokens": _limit(env, "MAX_QUERY_TOKENS", 2000),
            "max_query_cost": _limit(env, "MAX_QUERY_COST", 10_000),
            "read_timeout_s": _seconds(env, "READ_TIMEOUT_S", 10.0),
            "max_body_bytes": _limit(env, "MAX_BODY_BYTES", 1_048_576),
            "max_body_drain_bytes": _limit(env, "MAX_BODY_DRAIN_BYTES", 8 * 1_048_576),
            "max_import_bytes": _limit(env, "MAX_IMPORT_BYTES", 256 * 1_048_576),
            "max_batch_operations": _limit(env, "MAX_BATCH_OPERATIONS", 0),
            "jwt_secret": _jwt_secret(env),
            "jwt_jwks_url": _jwks_url(env),
            "jwt_issuer": env.get("JWT_ISSUER") or None,
            "jwt_audience": env.get("JWT_AUDIENCE") or None,
            "jwt_leeway_s": _seconds(env, "JWT_LEEWAY_S", 0.0),
            "audit_flush_s": _seconds(env, "AUDIT_FLUSH_S", 1.0),
            "audit_salt": env.get("AUDIT_SALT") or None,
            "scan_rate_limit": _limit(env, "SCAN_RATE_LIMIT", 60),
            "scan_rate_window_s": _positive_seconds(env, "SCAN_RATE_WINDOW_S", 60.0),
            "idempotency_ttl_s": _limit(env, "IDEMPOTENCY_TTL_S", 86_400),
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]


def _url_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host


def _int(env: Mapping[str, str], key: str, default: int) -> int:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{key} must be a whole number, not {raw!r}") from None


def _limit(env: Mapping[str, str], key: str, default: int) -> int:
    value = _int(env, key, default)
    if value < 0:
        raise SettingsError(f"{key} must be 0 (no limit) or more, not {value}")
    return value


def _seconds(env: Mapping[str, str], key: str, default: float) -> float:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{key} must be a number of seconds, not {raw!r}") from None
    if not (math.isfinite(value) and value >= 0):
        raise SettingsError(f"{key} must be 0 (no timeout) or more seconds, not {raw!r}")
    return value


def _positive_seconds(env: Mapping[str, str], key: str, default: float) -> float:
    value = _seconds(env, key, default)
    if value == 0:
        raise SettingsError(f"{key} must be more than 0 seconds")
    return value


def _port(env: Mapping[str, str], key: str, default: int) -> int:
    port = _int(env, key, default)
    if not 1 <= port <= 65535:
        raise SettingsError(f"{key} must be a TCP port between 1 and 65535, not {port}")
    return port


NEO4J_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")


def _neo4j_uri(env: Mapping[str, str]) -> str | None:
    uri = env.get("NEO4J_URI") or None
    if uri is not None and uri.partition("://")[0].lower() not in NEO4J_SCHEMES:
        raise SettingsError(
            f"NEO4J_URI must start with one of {', '.join(s + '://' for s in NEO4J_SCHEMES)}, not {uri!r}"
        )
    return uri


def _jwt_secret(env: Mapping[str, str]) -> str | None:
    secret = env.get("JWT_SECRET") or None
    if secret is not None and len(secret) < 32:
        # Never echo a secret: say how long it is, not what it is.
        raise SettingsError(f"JWT_SECRET must be at least 32 characters (HS256), not {len(secret)}")
    return secret


def _jwks_url(env: Mapping[str, str]) -> str | None:
    url = env.get("JWT_JWKS_URL") or None
    if url is not None and url.partition("://")[0].lower() not in ("http", "https"):
        raise SettingsError(f"JWT_JWKS_URL must be an http:// or https:// URL, not {url!r}")
    return url


def _bool(env: Mapping[str, str], key: str, default: bool) -> bool:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{key} must be true or false, not {raw!r}")


def _choice(env: Mapping[str, str], key: str, default: str, choices: tuple[str, ...]) -> str:
    raw = env.get(key, default).strip().lower()
    if raw not in choices:
        raise SettingsError(f"{key} must be one of {', '.join(choices)}, not {raw!r}")
    return raw
