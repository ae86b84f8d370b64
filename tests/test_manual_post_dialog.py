"""The kit for posting by hand: when the computer cannot open the folder or the page, it says where
they are instead of doing nothing."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from pytestqt.qtbot import QtBot

from reseller_desktop.services.manual_posting import ManualPost
from reseller_desktop.ui.manual_post_dialog import ManualPostDialog


def test_a_folder_or_page_that_cannot_be_opened_is_named(qtbot: QtBot, tmp_path: Path) -> None:
    post = ManualPost(
        platform="poshmark",
        platform_label="Poshmark",
        post_url="https://poshmark.com/create-listing",
        title="Levi's 501",
        description="Light wash",
        price="48.00",
        condition="good",
        sku="RD-1",
        photo_folder=tmp_path / "poshmark" / "RD-1",
        photo_count=1,
        problems=(),
    )
    asked: list[QUrl] = []
    dialog = ManualPostDialog(post, lambda url: asked.append(url) and False)
    qtbot.addWidget(dialog)
    dialog.folder_button.click()
    assert str(tmp_path / "poshmark" / "RD-1") in dialog.copied.text()
    dialog.platform_button.click()
    assert "https://poshmark.com/create-listing" in dialog.copied.text()
    assert [u.toString() for u in asked][1] == "https://poshmark.com/create-listing"
