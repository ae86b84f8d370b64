"""Settings file and database URL handling."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reseller_desktop.db.engine import normalise_url
from reseller_desktop.settings import RemoteDatabase, Settings


def test_settings_round_trip_and_never_hold_a_password(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    settings = Settings(database_mode="remote", remote=RemoteDatabase(host="db.example.com", username="me"))
    settings.save(path)
    assert Settings.load(path) == settings
    assert "password" not in path.read_text().lower()


def test_a_damaged_settings_file_is_kept_aside_and_defaults_are_used(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{not json")
    assert Settings.load(path) == Settings()
    assert (tmp_path / "settings.damaged.json").read_text() == "{not json"
    assert "unreadable" in caplog.text


def test_unknown_keys_from_a_newer_version_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"database_mode": "embedded", "future_option": 1}))
    assert Settings.load(path).database_mode == "embedded"


@pytest.mark.parametrize(
    ("raw", "sslmode"),
    [
        ("postgres://u:p@db.example.com/app", "require"),
        ("postgresql://u:p@db.example.com/app?sslmode=verify-full", "verify-full"),
        ("postgresql://u:p@localhost/app", None),
        ("postgresql://u:p@127.0.0.1:5433/app", None),
        ("postgresql://u@/app?host=/var/run/postgresql", None),
    ],
)
def test_remote_servers_get_tls_unless_the_url_says_otherwise(raw: str, sslmode: str | None) -> None:
    url = normalise_url(raw)
    assert url.drivername == "postgresql+psycopg"
    assert url.query.get("sslmode") == sslmode


def test_a_url_for_another_database_is_refused() -> None:
    with pytest.raises(ValueError, match="not PostgreSQL"):
        normalise_url("mysql://u@h/d")
