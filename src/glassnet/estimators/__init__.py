"""scikit-learn's MLPClassifier and MLPRegressor, on glassnet's engine."""

from .mlp import (
    MLPClassifier,
    MLPRegressor,
)

__all__ = [
    "MLPClassifier",
    "MLPRegressor",
]
