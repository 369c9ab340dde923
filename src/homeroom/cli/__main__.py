"""`python -m homeroom.cli`: the same as the `homeroom` command."""

from homeroom.cli.app import main

main()
