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
class EbaySettings:
    """eBay's endpoints and the seller's account choices. The client secret lives in the keyring."""

    api_base: str = "https://api.ebay.com"  # sandbox: https://api.sandbox.ebay.com
    authorize_url: str = "https://auth.ebay.com/oauth2/authorize"  # sandbox: auth.sandbox.ebay.com
    client_id: str = ""
    ru_name: str = ""  # eBay's "redirect URL name" for the app; eBay shows the code on its accept page
    marketplace_id: str = "EBAY_US"
    content_language: str = "en-US"
    currency: str = "USD"
    # An offer cannot be published without these (Sell Account API business policies, a location).
    merchant_location_key: str = ""
    fulfillment_policy_id: str = ""
    payment_policy_id: str = ""
    return_policy_id: str = ""
    category_id: str = ""  # default leaf category; a listing's attributes["ebay_category_id"] wins
    requests_per_second: float = 5.0
    requests_per_day: int = 100_000


@dataclass
class EtsySettings:
    """Etsy's endpoints and the seller's shop defaults. The shared secret lives in the keyring."""

    api_base: str = "https://openapi.etsy.com"
    authorize_url: str = "https://www.etsy.com/oauth/connect"
    token_url: str = "https://api.etsy.com/v3/public/oauth/token"  # noqa: S105 (an address)
    keystring: str = ""
    redirect_port: int = 8765  # the loopback redirect http://localhost:<port>/callback registered with Etsy
    shipping_profile_id: str = ""
    taxonomy_id: str = ""  # default; a listing's attributes["etsy_taxonomy_id"] wins
    who_made: str = "someone_else"
    when_made: str = "2020_2025"  # one of the spec's when_made values
    requests_per_second: float = 10.0
    requests_per_day: int = 10_000


@dataclass
class SyncSettings:
    """How the background jobs pace themselves."""

    pass_interval_seconds: int = 30  # one pass of every due job
    orders_poll_seconds: int = 30  # sale detection, per platform: a sale elsewhere is seen within this
    reconcile_minutes: int = 60
    max_attempts: int = 6  # after the last, the row is failed and the seller is told
    backoff_base_seconds: float = 30.0
    backoff_max_seconds: float = 3600.0
    # A client that dies mid-step frees its row after this long; longer than any one step can take
    # (an Etsy publish is ~15 calls, each with its retries), so a live client never loses its row.
    lease_seconds: int = 900
    http_timeout_seconds: float = 20.0
    # Within one call, before the job's own backoff: quick tries for a throttled or hiccuping platform.
    call_attempts: int = 3
    call_retry_base_seconds: float = 0.5
    call_max_wait_seconds: float = 30.0


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
    ebay: EbaySettings = field(default_factory=EbaySettings)
    etsy: EtsySettings = field(default_factory=EtsySettings)
    sync: SyncSettings = field(default_factory=SyncSettings)

    @classmethod
    def load(cls, path: Path) -> Settings:
        if not path.exists():
            return cls()
        try:
            raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            nested = {
                "remote": RemoteDatabase(**raw.pop("remote", {})),
                "ebay": _known(EbaySettings, raw.pop("ebay", {})),
                "etsy": _known(EtsySettings, raw.pop("etsy", {})),
                "sync": _known(SyncSettings, raw.pop("sync", {})),
            }
            known = {k: v for k, v in raw.items() if k in cls.__dataclass_fields__}
            return cls(**nested, **known)
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


def _known(kind: type[Any], raw: dict[str, Any]) -> Any:
    """A nested settings block, ignoring keys a newer or older version wrote."""
    return kind(**{k: v for k, v in raw.items() if k in kind.__dataclass_fields__})
