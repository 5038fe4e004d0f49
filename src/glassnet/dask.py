"""Scale-out on Dask: ``from glassnet import dask as gd; gd.fit(net, X, y, client, ...)``.

The implementation lives in :mod:`glassnet.distributed`, the only package that imports dask
(``pip install glassnet[dask]``); see ``docs/scaling.md``.
"""

from .distributed import block_gradient, fit, fit_averaged, local_steps

__all__ = ["block_gradient", "fit", "fit_averaged", "local_steps"]
