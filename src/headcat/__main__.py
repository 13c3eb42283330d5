"""`python -m headcat` is the `headcat` command."""

from headcat.cli import main

raise SystemExit(main())
