"""`python -m sim ...` is the same as `sim ...`."""

from sim.cli import main

main()
