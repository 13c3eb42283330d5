"""`python -m headcat` is the `headcat` command."""

from headcat.commands.cli import run

run()
