"""The learner's trace: a real ``train_step`` recorded, rendered as text, JSON, HTML."""

from .recorder import (
    TUTORIAL_MAX_WEIGHTS,
    LayerRecord,
    ParameterRecord,
    Trace,
    TraceRecorder,
    trace_step,
)

__all__ = [
    "TUTORIAL_MAX_WEIGHTS",
    "LayerRecord",
    "ParameterRecord",
    "Trace",
    "TraceRecorder",
    "trace_step",
]
