"""`python -m iinotes` runs the command line."""

from .cli import main

main()
