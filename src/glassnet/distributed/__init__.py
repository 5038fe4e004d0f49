"""Training on a Dask cluster; the only package of glassnet that imports dask.

Install it with ``pip install glassnet[dask]``; the public names are re-exported by
:mod:`glassnet.dask`.

==================  ===========================================================================
:func:`fit`          synchronous data-parallel SGD: one global step at a time, equal to
                     :func:`glassnet.fit` with the same batches (``synchronous.py``)
:func:`fit_averaged` periodic parameter averaging: ``K`` local steps per replica, then the
                     weighted mean of parameters and optimizer state (``averaging.py``)
``driver.py``        start or resume a run; drive :class:`glassnet.loop.Training` (THE epoch
                     loop) with the scheme's step and the global row batches; checkpoints
                     between epochs (``checkpoint.py``)
``_cluster.py``      the client, the checked row blocks, broadcasts and retries
==================  ===========================================================================
"""

from .averaging import fit_averaged, local_steps
from .synchronous import block_gradient, fit

__all__ = ["block_gradient", "fit", "fit_averaged", "local_steps"]
