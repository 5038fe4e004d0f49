"""Files and tables: model files (safetensors), CSV/Parquet tables, datasets, atomic writes."""

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

__all__ = [
    "CHECKPOINT",
    "FORMAT",
    "FORMAT_VERSION",
    "READABLE_VERSIONS",
    "architecture_of",
    "load_network",
    "read_glassnet_file",
    "read_model_file",
    "save_network",
]
