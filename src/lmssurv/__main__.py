"""``python -m lmssurv``: the same command line as ``lmssurv``."""

import sys

from lmssurv.cli import main

__all__: list[str] = []

if __name__ == "__main__":
    sys.exit(main())
