"""``python -m glassnet``: the ``glassnet`` command."""

import sys

from .cli import main

sys.exit(main())
