"""`python -m disclosure` is the `disclosure` command."""

from disclosure.cli import main

main()
