"""``python -m cos_snapshot``: the command line."""

import sys

from .cli import main

sys.exit(main())
