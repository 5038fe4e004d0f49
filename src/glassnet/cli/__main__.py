"""``python -m glassnet.cli``: the ``glassnet`` command."""

import sys

from .main import main

sys.exit(main())
