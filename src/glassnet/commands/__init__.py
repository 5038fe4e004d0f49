"""The subcommands of ``glassnet``: one module each, with ``add_arguments`` and ``run``."""
