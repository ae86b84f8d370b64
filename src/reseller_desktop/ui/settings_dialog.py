"""Settings › Database: the embedded database, or a PostgreSQL server (password in the keyring)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from reseller_desktop.db.engine import CONNECT_TIMEOUT_S
from reseller_desktop.db.errors import translate
from reseller_desktop.keyring_store import DATABASE_SERVICE, set_secret
from reseller_desktop.services.database_session import remote_url
from reseller_desktop.services.startup import describe_failure
from reseller_desktop.settings import RemoteDatabase, Settings
from reseller_desktop.ui.tasks import TaskRunner

SSL_MODES = ("require", "verify-full", "verify-ca", "prefer", "disable")


def check_connection(remote: RemoteDatabase, password: str | None) -> str:
    """Connect once and report the server version (runs on a worker thread)."""
    engine = create_engine(
        remote_url(remote, password), poolclass=NullPool, connect_args={"connect_timeout": CONNECT_TIMEOUT_S}
    )
    try:
        with engine.connect() as conn:
            return str(conn.scalar(text("SHOW server_version")))
    except Exception as exc:
        raise translate(exc, f"{remote.host}:{remote.port}/{remote.database}") from exc
    finally:
        engine.dispose()


class SettingsDialog(QDialog):
    def __init__(self, runner: TaskRunner, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self._runner = runner
        self.settings = settings
        remote = settings.remote

        self.embedded = QRadioButton("Built-in database on this computer (no server needed)")
        self.server = QRadioButton("PostgreSQL server shared with the web app")
        group = QButtonGroup(self)
        group.addButton(self.embedded)
        group.addButton(self.server)
        (self.server if settings.database_mode == "remote" else self.embedded).setChecked(True)

        self.host = QLineEdit(remote.host)
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(remote.port)
        self.database = QLineEdit(remote.database)
        self.username = QLineEdit(remote.username)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("unchanged" if remote.host else "")
        self.sslmode = QComboBox()
        self.sslmode.addItems(SSL_MODES)
        self.sslmode.setCurrentText(remote.sslmode or "require")
        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(self.test_connection)
        self.message = QLabel("")
        self.message.setWordWrap(True)

        server_box = QGroupBox("Server")
        form = QFormLayout(server_box)
        form.addRow("Host", self.host)
        form.addRow("Port", self.port)
        form.addRow("Database", self.database)
        form.addRow("User", self.username)
        form.addRow("Password", self.password)
        form.addRow("TLS", self.sslmode)
        form.addRow(self.test_button, self.message)
        self.server.toggled.connect(server_box.setEnabled)
        server_box.setEnabled(self.server.isChecked())

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.embedded)
        layout.addWidget(self.server)
        layout.addWidget(server_box)
        layout.addWidget(QLabel("A change of database applies the next time Reseller Desktop starts."))
        layout.addWidget(buttons)

    def remote_from_fields(self) -> RemoteDatabase:
        return RemoteDatabase(
            host=self.host.text().strip(),
            port=self.port.value(),
            database=self.database.text().strip() or "postgres",
            username=self.username.text().strip() or "postgres",
            sslmode=self.sslmode.currentText(),
        )

    def test_connection(self) -> None:
        remote, password = self.remote_from_fields(), self.password.text()
        self.message.setText("Connecting…")
        self.test_button.setEnabled(False)
        self._runner.run(
            lambda: check_connection(remote, password or None),  # blank: the saved one, from the keyring
            on_done=lambda version: self._tested(f"Connected: PostgreSQL {version}."),
            on_error=lambda error: self._tested(describe_failure(error)),
            label="Testing the connection",
        )

    def _tested(self, message: str) -> None:
        self.test_button.setEnabled(True)
        self.message.setText(message)

    def save(self) -> None:
        remote = self.remote_from_fields()
        if self.server.isChecked() and not remote.host:
            self.message.setText("Enter the server's host name, or choose the built-in database.")
            return
        use_server, password = self.server.isChecked(), self.password.text()

        def store_password() -> None:
            if use_server and password:
                set_secret(DATABASE_SERVICE, remote.keyring_account, password)

        def apply(_: object) -> None:
            self.settings.database_mode = "remote" if use_server else "embedded"
            self.settings.remote = remote
            self.accept()

        # The keyring may take a while (an unlock prompt): off the GUI thread like any other wait.
        self._runner.run(
            store_password,
            on_done=apply,
            on_error=lambda error: self.message.setText(describe_failure(error)),
            label="Saving the database password",
        )
