"""Where the app keeps its files, and the user's settings (a JSON file; never a secret in it)."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from reseller_desktop import APP_ID

log = logging.getLogger(__name__)
HOME_ENV = "RESELLER_DESKTOP_HOME"  # one folder for data and config: tests, portable installs


@dataclass(frozen=True)
class AppPaths:
    data_dir: Path
    config_dir: Path

    @classmethod
    def default(cls) -> AppPaths:
        home = os.environ.get(HOME_ENV)
        if home:
            return cls(Path(home) / "data", Path(home) / "config")
        return cls(platformdirs.user_data_path(APP_ID), platformdirs.user_config_path(APP_ID))

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"


@dataclass
class RemoteDatabase:
    """A PostgreSQL server chosen in the settings. The password is in the OS keyring."""

    host: str = ""
    port: int = 5432
    database: str = "postgres"
    username: str = "postgres"
    sslmode: str = "require"

    @property
    def keyring_account(self) -> str:
        return f"{self.username}@{self.host}:{self.port}/{self.database}"


@dataclass
class Settings:
    database_mode: str = "embedded"  # or "remote"
    remote: RemoteDatabase = field(default_factory=RemoteDatabase)
    last_user_email: str | None = None
    cancel_cooldown_minutes: int = 15
    # A USB barcode scanner types a whole code within milliseconds and ends it with Enter; a person
    # does not. Keys closer together than this, at least this many, then the terminator: a scan.
    scan_max_key_interval_ms: int = 35
    scan_min_length: int = 6
    scan_terminator: str = "Enter"  # or "Tab", as some scanners are set up

    @classmethod
    def load(cls, path: Path) -> Settings:
        if not path.exists():
            return cls()
        try:
            raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            remote = RemoteDatabase(**raw.pop("remote", {}))
            known = {k: v for k, v in raw.items() if k in cls.__dataclass_fields__}
            return cls(remote=remote, **known)
        except (json.JSONDecodeError, TypeError, ValueError) as exc:
            # A damaged settings file must not lock the user out: keep a copy, start from defaults.
            backup = path.with_suffix(".damaged.json")
            path.replace(backup)
            log.warning("settings file %s was unreadable (%s); saved as %s, using defaults", path, exc, backup)
            return cls()

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2, sort_keys=True), encoding="utf-8")
        tmp.replace(path)  # atomic: a crash mid-write never leaves half a file
