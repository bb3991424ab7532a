"""`python -m orgstack` runs the `orgstack` command."""

from orgstack.cli.main import main

raise SystemExit(main())
