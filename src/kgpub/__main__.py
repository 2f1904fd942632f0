"""``python -m kgpub``: the same command line as ``kgpub``."""

import sys

from kgpub.cli import main

sys.exit(main())
