"""``python -m cos_snapshot.cli``: the command line."""

import sys

from ._main import main

sys.exit(main())
