"""``python -m runnersknee``: the same command line as ``runnersknee``."""

from runnersknee.cli import main

main()
