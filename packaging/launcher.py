"""The bundle's entry point: the same `main` as the `reseller-desktop` command of a source install."""

from reseller_desktop.cli import main

raise SystemExit(main())
