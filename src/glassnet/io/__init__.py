"""Files and tables: model files (safetensors), CSV/Parquet tables, datasets, atomic writes;
and the tqdm progress bar the front ends show."""

from .model_files import (
    CHECKPOINT,
    FORMAT,
    FORMAT_VERSION,
    READABLE_VERSIONS,
    architecture_of,
    load_network,
    read_glassnet_file,
    read_model_file,
    save_network,
)
from .progress import ProgressBar

__all__ = [
    "CHECKPOINT",
    "FORMAT",
    "FORMAT_VERSION",
    "READABLE_VERSIONS",
    "ProgressBar",
    "architecture_of",
    "load_network",
    "read_glassnet_file",
    "read_model_file",
    "save_network",
]
