"""Typed defaults, overridden from the environment, validated at start-up."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_PROXY_HOPS = 5


class ConfigError(RuntimeError):
    """A setting is missing or invalid; the message says which and how to fix it."""


def _int(name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"{name} 必须是整数 / must be an integer, got {value!r}") from exc


@dataclass(frozen=True)
class Config:
    data_dir: Path = Path("instance")
    exports_dir: Path = Path("exports")
    database_url: str = ""
    redis_url: str = ""
    storage_url: str = ""
    secret_key: str = ""
    # Largest XLSForm accepted (bytes) and the most its zip may unpack to.
    xlsform_max_bytes: int = 10 * 1024 * 1024
    xlsform_max_unpacked: int = 200 * 1024 * 1024
    media_max_bytes: int = 50 * 1024 * 1024
    import_max_bytes: int = 20 * 1024 * 1024
    # Largest submission POST (instance + attachments), advertised to Collect, which splits above it.
    submission_max_bytes: int = 100 * 1024 * 1024
    # Seconds a submission upload may go without sending a byte before it is answered 408.
    body_timeout: int = 30
    # "auto": run ODK Validate when java is on PATH; "on": require it; "off": never.
    odk_validate: str = "auto"
    login_rate_limit: str = "5 per minute"
    # Reverse proxies (nginx…) in front of the server that set X-Forwarded-For/-Proto/-Host: 0 = none, and
    # those headers are ignored (a client could forge them); N = trust the last N hops (werkzeug's ProxyFix).
    proxy_hops: int = 0
    default_locale: str = "zh"
    testing: bool = False
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: os._Environ | dict | None = None) -> "Config":
        env = os.environ if env is None else env
        data_dir = Path(env.get("ZOUFANG_DATA_DIR", "instance")).resolve()
        cfg = cls(
            data_dir=data_dir,
            exports_dir=Path(env.get("ZOUFANG_EXPORTS_DIR", "exports")).resolve(),
            database_url=env.get("DATABASE_URL", ""),
            redis_url=env.get("REDIS_URL", ""),
            storage_url=env.get("STORAGE_URL", ""),
            secret_key=env.get("ZOUFANG_SECRET_KEY", ""),
            odk_validate=env.get("ZOUFANG_ODK_VALIDATE", "auto"),
            login_rate_limit=env.get("ZOUFANG_LOGIN_RATE_LIMIT", "5 per minute"),
        )
        if "ZOUFANG_XLSFORM_MAX_BYTES" in env:
            cfg = replace(cfg, xlsform_max_bytes=_int("ZOUFANG_XLSFORM_MAX_BYTES", env["ZOUFANG_XLSFORM_MAX_BYTES"]))
        if "ZOUFANG_SUBMISSION_MAX_BYTES" in env:
            cfg = replace(cfg, submission_max_bytes=_int("ZOUFANG_SUBMISSION_MAX_BYTES",
                                                         env["ZOUFANG_SUBMISSION_MAX_BYTES"]))
        if "ZOUFANG_IMPORT_MAX_BYTES" in env:
            cfg = replace(cfg, import_max_bytes=_int("ZOUFANG_IMPORT_MAX_BYTES", env["ZOUFANG_IMPORT_MAX_BYTES"]))
        if "ZOUFANG_PROXY_HOPS" in env:
            cfg = replace(cfg, proxy_hops=_int("ZOUFANG_PROXY_HOPS", env["ZOUFANG_PROXY_HOPS"]))
        if "ZOUFANG_BODY_TIMEOUT" in env:
            cfg = replace(cfg, body_timeout=_int("ZOUFANG_BODY_TIMEOUT", env["ZOUFANG_BODY_TIMEOUT"]))
        return cfg

    def with_overrides(self, overrides: dict | None) -> "Config":
        if not overrides:
            return self
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise ConfigError(f"未知配置项 / unknown settings: {sorted(unknown)}")
        return replace(self, **overrides)

    def finalised(self) -> "Config":
        """Fill derived defaults and check every value."""
        cfg = self
        if not cfg.database_url:
            cfg = replace(cfg, database_url=f"sqlite:///{Path(cfg.data_dir) / 'zoufang.sqlite3'}")
        if cfg.database_url.startswith("postgres://"):
            cfg = replace(cfg, database_url="postgresql+psycopg://" + cfg.database_url[len("postgres://"):])
        elif cfg.database_url.startswith("postgresql://"):
            cfg = replace(cfg, database_url="postgresql+psycopg://" + cfg.database_url[len("postgresql://"):])
        if not cfg.database_url.startswith(("sqlite:", "postgresql+psycopg:")):
            raise ConfigError(
                "DATABASE_URL 只支持 sqlite:/// 或 postgresql:// / DATABASE_URL must be sqlite:/// or postgresql://"
            )
        if cfg.odk_validate not in ("auto", "on", "off"):
            raise ConfigError("ZOUFANG_ODK_VALIDATE 必须是 auto、on 或 off / must be auto, on or off")
        if cfg.submission_max_bytes < 1024 * 1024:
            raise ConfigError("ZOUFANG_SUBMISSION_MAX_BYTES 至少 1 MB / must be at least 1 MB")
        if cfg.body_timeout < 1:
            raise ConfigError("ZOUFANG_BODY_TIMEOUT 至少 1 秒 / must be at least 1 second")
        if not 0 <= cfg.proxy_hops <= MAX_PROXY_HOPS:
            raise ConfigError(f"ZOUFANG_PROXY_HOPS 必须在 0 到 {MAX_PROXY_HOPS} 之间（服务器前面的反向代理层数）"
                              f" / must be 0–{MAX_PROXY_HOPS}: the number of reverse proxies in front of the server")
        if cfg.redis_url and not cfg.redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise ConfigError("REDIS_URL 必须以 redis:// 开头 / REDIS_URL must start with redis://")
        if not cfg.secret_key:
            cfg = replace(cfg, secret_key=_secret_from_file(Path(cfg.data_dir)))
        return cfg


def _secret_from_file(data_dir: Path) -> str:
    """A per-installation secret kept in the data dir, so sessions survive restarts."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
