"""`python -m headcat` is the `headcat` command."""

from headcat.cli import run

run()
