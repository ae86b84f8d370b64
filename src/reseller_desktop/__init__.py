"""Reseller Desktop: inventory and cross-listing for resellers."""

# The one place the version lives: the package build, the About box, the bundle name and the
# activity_logs user agent all read it from here.
__version__ = "0.1.0"

APP_NAME = "Reseller Desktop"
APP_ID = "reseller-desktop"
USER_AGENT = f"{APP_ID}/{__version__}"
