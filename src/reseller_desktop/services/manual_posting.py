"""Copy-ready text and a photo folder for a platform the seller posts to by hand (Poshmark, Mercari...).

The photos are copied (in order, the cover first, numbered) into one folder per platform and SKU, so
the seller can drag the whole folder into the platform's upload box.
"""

from __future__ import annotations

import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from reseller_desktop.db.database import UnitOfWork
from reseller_desktop.domain.errors import UserError
from reseller_desktop.domain.platforms import platform_errors, rules_for
from reseller_desktop.photos.store import PhotoStore, is_photo_uri


@dataclass(frozen=True)
class ManualPost:
    platform: str
    platform_label: str
    post_url: str  # where the platform's "new listing" form is
    title: str
    description: str
    price: str
    condition: str | None
    sku: str | None
    photo_folder: Path
    photo_count: int
    problems: tuple[str, ...]  # the platform's rules this listing breaks, to fix before posting


def _copy_text_title(title: str, limit: int | None) -> str:
    return title if limit is None else title[:limit]


def prepare_manual_post(uow: UnitOfWork, platform_listing_id: int, photos: PhotoStore, folder_root: Path) -> ManualPost:
    row = uow.platform_listings.get(platform_listing_id)
    rules = rules_for(row.platform)
    if rules.has_api:
        raise UserError(f"{rules.label} is posted by the app, not by hand.")
    listing = uow.listings.get(row.listing_id or 0)
    uris = [u for u in (listing.photos if isinstance(listing.photos, list) else []) if isinstance(u, str)]
    folder = folder_root / row.platform / (listing.sku or f"listing-{listing.id}")
    if folder.exists():
        shutil.rmtree(folder)  # the listing's photos may have changed since the last copy
    folder.mkdir(parents=True)
    copied = 0
    for uri in uris[: rules.photos_max]:
        if not is_photo_uri(uri):
            continue
        source = photos.path_of(uri)
        if source.exists():
            copied += 1
            shutil.copyfile(source, folder / f"{copied:02d}{source.suffix}")
    values = asdict(listing) | {"photos": uris}
    return ManualPost(
        platform=row.platform,
        platform_label=rules.label,
        post_url=rules.listing_url,
        title=_copy_text_title(listing.title, rules.title_max),
        description=listing.description or "",
        price=str(listing.price),
        condition=listing.condition,
        sku=listing.sku,
        photo_folder=folder,
        photo_count=copied,
        problems=tuple(e.message for e in platform_errors(values, row.platform)),
    )
