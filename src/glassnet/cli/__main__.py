"""``python -m glassnet.cli``: the ``glassnet`` command."""

import sys

from .command import main

sys.exit(main())
