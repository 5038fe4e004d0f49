"""Bank churn through the ``glassnet train`` command: no Python needed beyond this call.

The same as running, from the repository root::

    glassnet train ../shared/datasets/churn-modelling/Churn_Modelling.csv --target Exited \\
        --drop RowNumber,CustomerId,Surname --hidden 8,8 --epochs 40 --seed 0 \\
        --out churn.safetensors --plot churn_cli_loss.png

The command one-hot encodes the text columns (Geography, Gender), standardises the numbers,
holds out 20% of the rows, trains with Adam and prints held-out metrics and a confusion matrix.

Run: python examples/churn_cli.py [--data CSV] [--quick]
"""

import argparse
import tempfile
from pathlib import Path

from _data import require

from glassnet.cli.command import main

parser = argparse.ArgumentParser(description="Predict bank churn with the glassnet command.")
parser.add_argument("--data", default="../shared/datasets/churn-modelling/Churn_Modelling.csv")
parser.add_argument("--quick", action="store_true", help="2 epochs: a smoke test")
parser.add_argument("--plot", default="churn_cli_loss.png", help="where to save the loss curve")
parser.add_argument("--out", default=None, help="model file (default: a temporary folder)")
args = parser.parse_args()

with tempfile.TemporaryDirectory() as folder:
    out = args.out or str(Path(folder) / "churn.safetensors")
    argv = [
        require(args.data, "the churn CSV"),
        "--target",
        "Exited",
        "--drop",
        "RowNumber,CustomerId,Surname",
    ]
    argv += ["--hidden", "8,8", "--epochs", "2" if args.quick else "40", "--seed", "0"]
    status = main(["train", *argv, "--out", out, "--plot", args.plot])
raise SystemExit(status)
