"""The live glass view: the page on the real engine, served locally or in a notebook.

:class:`Session` holds a network, its data and a learning rate and answers the page's
requests (every number from the engine); :class:`ViewServer` serves it on 127.0.0.1 for
``glassnet view``; :func:`view` (``glassnet.view(net, X, y)``) shows it as a notebook widget
(needs ``pip install glassnet[notebook]``).
"""

from .examples import DATASETS, playground_network, toy_dataset, worked_example
from .server import ViewServer
from .session import Session, train_epochs
from .widget import view

__all__ = [
    "DATASETS",
    "Session",
    "ViewServer",
    "playground_network",
    "toy_dataset",
    "train_epochs",
    "view",
    "worked_example",
]
