"""Where the configuration and the database are: the defaults, `--config`/`$NEWSMON_CONFIG`,
`--db`/`$NEWSMON_DB`/`settings.database`, relative SQLite paths, and reading the file.

Shared by the full load (monitor.config.models) and the quick one (monitor.config.quick).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from monitor.errors import ConfigError

DEFAULT_DB = "sqlite:///data/newsmon.db"
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


def config_path(explicit: str | os.PathLike[str] | None) -> Path:
    """``--config``, else ``$NEWSMON_CONFIG``, else ``./sources.yaml``."""
    return Path(explicit or os.environ.get("NEWSMON_CONFIG") or "sources.yaml")


def resolve_db_url(url: str, base: Path) -> str:
    """``sqlite:///data/x.db`` (relative) → an absolute path under ``base``."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/"):
        rest = url[len(prefix) :]
        if rest and rest != ":memory:":
            return prefix + str((base / rest).resolve())
    return url


def database_url(explicit: str | None, config: Any) -> str:
    """``--db``, else ``$NEWSMON_DB``, else ``settings.database``, else the default.

    `config` is a monitor.config.models.Config, a QuickConfig, or None; its database is already
    resolved against the file's folder."""
    if explicit:
        return resolve_db_url(explicit, Path.cwd())
    if os.environ.get("NEWSMON_DB"):
        return resolve_db_url(os.environ["NEWSMON_DB"], Path.cwd())
    if config is not None and config.settings.database:
        return str(config.settings.database)
    base = config.path.parent if config is not None and config.path else Path.cwd()
    return resolve_db_url(DEFAULT_DB, base)


def read_config_text(path: Path) -> str:
    """The file's text (a UTF-8 byte order mark is allowed), or a one-line ConfigError."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
