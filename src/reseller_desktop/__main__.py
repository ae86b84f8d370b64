from reseller_desktop.cli import main

raise SystemExit(main())
