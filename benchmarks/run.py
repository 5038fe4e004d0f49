"""glassnet's benchmark: the same MLP, data, batch size and dtype in glassnet and its peers.

Run from the repository root::

    python benchmarks/run.py            # the full table, under 10 minutes
    python benchmarks/run.py --quick    # one network, float32, under 1 minute
    python benchmarks/run.py --smoke    # seconds; what the test suite runs

Each cell trains one epoch of ``n`` MNIST-shaped samples (synthetic: speed does not depend on
the values) and keeps the best of ``repeats`` runs: the machine is shared, and the best run is
the one least disturbed. Each tool runs in a process of its own (``--worker``), the tools
alternating round after round: PyTorch's OpenMP threads, still spinning after its run, slow the
NumPy code timed next in the same process (``/work/shared/PERFORMANCE.md``). Ratios within one
run are comparable even when the absolute numbers are not (the load average is recorded).
GFLOP/s are compared with a 2048² matrix product and with the step's own products at the
network's layer shapes, both timed in the same run; the conditions record the load, the
malloc setting and NumPy's BLAS (library, threads, the CPU kernel OpenBLAS chose and any
``OPENBLAS_*`` variables).
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import os
import platform
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import peers
import worked

MODES: dict[str, dict[str, Any]] = {
    "full": {
        "networks": [(784, 128, 10), (784, 256, 128, 10)],
        "dtypes": ["float32", "float64"],
        "batches": {1: 3000, 32: 20000, 128: 30000, 512: 30000},
        "repeats": 3,
        "memory_samples": 60000,
        "worked_steps": 10000,
    },
    "quick": {
        "networks": [(784, 128, 10)],
        "dtypes": ["float32"],
        "batches": {1: 1000, 32: 6000, 128: 10000, 512: 10000},
        "repeats": 2,
        "memory_samples": 20000,
        "worked_steps": 10000,
    },
    "smoke": {
        "networks": [(784, 32, 10)],
        "dtypes": ["float32"],
        "batches": {1: 50, 64: 512},
        "repeats": 2,
        "memory_samples": 1000,
        "worked_steps": 200,
    },
}
LEARNING_RATE = 0.01
N_CLASSES = 10


def mnist_shaped(n_samples: int, dtype: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``x`` in [0, 1) of shape (n_samples, 784), integer labels, and their one-hot targets."""
    rng = np.random.default_rng(42)
    x = rng.random((n_samples, 784), dtype=np.float64).astype(dtype)
    labels = rng.integers(0, N_CLASSES, n_samples)
    y = np.zeros((n_samples, N_CLASSES), dtype=dtype)
    y[np.arange(n_samples), labels] = 1.0
    return x, labels, y


def starting_parameters(sizes: tuple[int, ...], dtype: str) -> tuple[list, list]:
    """Glorot-uniform weights and zero biases, shared by every tool."""
    rng = np.random.default_rng(0)
    weights, biases = [], []
    for n_in, n_out in itertools.pairwise(sizes):
        limit = np.sqrt(6.0 / (n_in + n_out))
        weights.append(rng.uniform(-limit, limit, (n_in, n_out)).astype(dtype))
        biases.append(np.zeros(n_out, dtype=dtype))
    return weights, biases


def best_time(function: Any, repeats: int) -> float:
    """The shortest of ``repeats`` wall-clock runs of ``function()``, in seconds."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def matmul_peak(dtype: str, repeats: int) -> float:
    """The matrix-multiply speed of this machine in GFLOP/s: ``2 n³`` flops per ``n×n`` product."""
    n = 2048
    a = np.random.default_rng(0).random((n, n)).astype(dtype)
    out = np.empty_like(a)
    seconds = best_time(lambda: np.matmul(a, a, out=out), max(repeats, 3))
    return 2 * n**3 / seconds / 1e9


def layer_matmul_speed(sizes: tuple[int, ...], dtype: str, batch_size: int, repeats: int) -> float:
    """GFLOP/s of the products one training step makes, alone, for these layer shapes.

    Forward ``a @ W`` for every layer, ``aᵀ δ`` for every layer (by the engine's method: a
    broadcast outer product at batch 1 in float64) and ``δ Wᵀ`` below the first layer: the flops of
    :func:`flops_per_sample` per sample, with no activation, loss or update in between. It says
    how fast BLAS is on the shapes this network has, which the 2048² product overstates.
    """
    rng = np.random.default_rng(0)
    weights = [rng.random((i, o)).astype(dtype) for i, o in itertools.pairwise(sizes)]
    inputs = [rng.random((batch_size, i)).astype(dtype) for i in sizes[:-1]]
    deltas = [rng.random((batch_size, o)).astype(dtype) for o in sizes[1:]]
    outs = [np.empty((batch_size, o), dtype=dtype) for o in sizes[1:]]
    grads = [np.empty_like(w) for w in weights]
    below = [np.empty((batch_size, i), dtype=dtype) for i in sizes[:-1]]
    steps = max(1, 2048 // batch_size)

    def products() -> None:
        for _ in range(steps):
            for i, w in enumerate(weights):
                np.dot(inputs[i], w, out=outs[i])
                if batch_size == 1 and dtype != "float32":
                    np.multiply(inputs[i].T, deltas[i], out=grads[i])
                else:
                    np.dot(inputs[i].T, deltas[i], out=grads[i])
                if i > 0:
                    np.dot(deltas[i], w.T, out=below[i])

    seconds = best_time(products, max(repeats, 3))
    return flops_per_sample(sizes)[1] * batch_size * steps / seconds / 1e9


def flops_per_sample(sizes: tuple[int, ...]) -> tuple[int, int]:
    """``6 × weights`` (the usual count) and the flops performed: the first layer needs no
    ``dL/dx``, so it costs 4 flops per weight (forward, ``dL/dW``) instead of 6."""
    counts = [a * b for a, b in itertools.pairwise(sizes)]
    return 6 * sum(counts), 4 * counts[0] + 6 * sum(counts[1:])


def cells(mode: dict[str, Any]) -> list[tuple[tuple[int, ...], str, int, int]]:
    """The table's cells: (layer sizes, dtype, batch size, samples per epoch)."""
    return [
        (sizes, dtype, batch_size, n_samples)
        for sizes in mode["networks"]
        for dtype in mode["dtypes"]
        for batch_size, n_samples in mode["batches"].items()
    ]


def torch_available() -> bool:
    """Whether torch is installed, without importing it into this (NumPy-timing) process."""
    return importlib.util.find_spec("torch") is not None


def available_tools() -> list[str]:
    return [t for t in peers.TOOLS if t != "pytorch" or torch_available()]


def worker(job: str, mode_name: str) -> Any:
    """In a process of its own: one epoch per cell with tool ``cells:TOOL`` (best of three: a
    fresh process's first epochs pay for page faults and BLAS threads waking), or
    ``worked:RUNNER``'s steps. Returns seconds."""
    kind, name = job.split(":", 1)
    mode = MODES[mode_name]
    if kind == "worked":
        return worked.RUNNERS[name](mode["worked_steps"])
    seconds = []
    for sizes, dtype, batch_size, n_samples in cells(mode):
        x, labels, y = mnist_shaped(n_samples, dtype)
        weights, biases = starting_parameters(sizes, dtype)
        epoch = peers.TOOLS[name](x, labels, y, weights, biases, batch_size, LEARNING_RATE)
        seconds.append(best_time(epoch, 3))
    return seconds


def in_own_processes(jobs: list[str], mode_name: str, repeats: int) -> dict[str, Any]:
    """Best (elementwise minimum) of ``repeats`` runs of each job, each run a fresh process;
    the jobs alternate, in reverse order every other round, so none always runs after the
    same neighbour."""
    best: dict[str, Any] = {}
    for round_number in range(repeats):
        for job in jobs if round_number % 2 == 0 else jobs[::-1]:
            command = [sys.executable, __file__, "--worker", job, "--mode", mode_name]
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            seconds = json.loads(done.stdout.splitlines()[-1])
            previous = best.get(job, seconds)
            best[job] = (
                [min(a, b) for a, b in zip(previous, seconds, strict=True)]
                if isinstance(seconds, list)
                else min(previous, seconds)
            )
    return best


def build_row(cell, speeds, peak, repeats) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """One row of the table: samples/s of every tool, glassnet's ratios and GFLOP/s."""
    sizes, dtype, batch_size, n_samples = cell
    row: dict[str, Any] = {"network": "-".join(map(str, sizes)), "dtype": dtype}
    row.update(batch_size=batch_size, n_samples=n_samples, samples_per_s=speeds, notes=[])
    if "pytorch" not in speeds:
        row["notes"].append("pytorch skipped: torch is not installed")
    row["ratios"] = {k: speeds["glassnet"] / v for k, v in speeds.items() if k != "glassnet"}
    nominal, performed = flops_per_sample(sizes)
    row["gflops_nominal"] = nominal * speeds["glassnet"] / 1e9
    row["gflops_performed"] = performed * speeds["glassnet"] / 1e9
    row["fraction_of_peak"] = row["gflops_performed"] / peak
    row["layer_matmul_gflops"] = layer_matmul_speed(sizes, dtype, batch_size, repeats)
    row["fraction_of_layer_matmul"] = row["gflops_performed"] / row["layer_matmul_gflops"]
    return row


def measure_rows(mode_name: str, peaks: dict[str, float]) -> list[dict[str, Any]]:
    mode = MODES[mode_name]
    tools = available_tools()
    best = in_own_processes([f"cells:{t}" for t in tools], mode_name, mode["repeats"])
    rows = []
    for index, cell in enumerate(cells(mode)):
        speeds = {t: cell[3] / best[f"cells:{t}"][index] for t in tools}
        rows.append(build_row(cell, speeds, peaks[cell[1]], mode["repeats"]))
    return rows


def measure_worked(mode_name: str) -> dict[str, Any]:
    """The worked example's online steps, each runner in its own processes."""
    mode = MODES[mode_name]
    names = [n for n in worked.RUNNERS if n != "pytorch" or torch_available()]
    best = in_own_processes([f"worked:{n}" for n in names], mode_name, mode["repeats"])
    steps = mode["worked_steps"]
    return {"steps": steps, "us_per_step": {n: best[f"worked:{n}"] / steps * 1e6 for n in names}}


def peak_memory(sizes: tuple[int, ...], n_samples: int) -> dict[str, Any]:
    """Peak traced memory of a float32 glassnet epoch (batch 128) against data + model."""
    x, labels, y = mnist_shaped(n_samples, "float32")
    weights, biases = starting_parameters(sizes, "float32")
    model = sum(w.nbytes + b.nbytes for w, b in zip(weights, biases, strict=True))
    data_and_model = x.nbytes + y.nbytes + model
    tracemalloc.start()
    baseline = tracemalloc.get_traced_memory()[0]
    peers.glassnet(x, labels, y, weights, biases, 128, LEARNING_RATE)()
    peak = tracemalloc.get_traced_memory()[1] - baseline
    tracemalloc.stop()
    ratio = (data_and_model + peak) / data_and_model
    return {
        "network": "-".join(map(str, sizes)),
        "n_samples": n_samples,
        "bytes_data_and_model": data_and_model,
        "bytes_peak_during_fit": peak,
        "ratio": ratio,
    }


def conditions() -> dict[str, Any]:
    """What the numbers depend on: machine, load, malloc setting, library versions."""
    malloc = {k: v for k, v in os.environ.items() if k.startswith("MALLOC_")}
    info: dict[str, Any] = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "cpu_count": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
        "malloc": malloc or "default (no MALLOC_* variables set)",
        "machine": platform.machine(),
    }
    info["blas"] = blas_conditions()
    if torch_available():  # its version without importing it here
        from importlib.metadata import version

        info["torch"] = version("torch")
        info["torch_threads"] = os.cpu_count()
    import sklearn

    info["sklearn"] = sklearn.__version__
    return info


def blas_conditions() -> dict[str, Any]:
    """NumPy's BLAS: library, version, threads and the CPU kernel OpenBLAS chose (threadpoolctl),
    and the ``OPENBLAS_*`` variables, which change that kernel (``OPENBLAS_CORETYPE``)."""
    variables = {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS_")}
    info: dict[str, Any] = {"environment": variables or "no OPENBLAS_* variables set"}
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        info["libraries"] = "unknown (threadpoolctl is not installed)"
        return info
    keys = ("internal_api", "version", "architecture", "num_threads", "threading_layer")
    info["libraries"] = [
        {k: pool.get(k) for k in keys}
        for pool in threadpool_info()
        if pool.get("user_api") == "blas" and "numpy" in str(pool.get("filepath", ""))
    ]
    return info


def describe_blas(blas: dict[str, Any]) -> str:
    libraries = blas["libraries"]
    if isinstance(libraries, str):
        return f"{libraries}; {blas['environment']}"
    parts = [
        f"{lib['internal_api']} {lib['version']}, {lib['architecture']} kernel, "
        f"{lib['num_threads']} threads"
        for lib in libraries
    ]
    return "; ".join(parts) + f"; {blas['environment']}"


def print_table(result: dict[str, Any]) -> None:
    tools = ["glassnet", "yardstick", "pytorch", "sklearn"]
    header = f"{'network':<16}{'dtype':<8}{'batch':>6}" + "".join(f"{t:>11}" for t in tools)
    header += f"{'÷yard':>7}{'÷torch':>7}{'÷skl':>7}{'GFLOP/s':>9}{'peak%':>7}{'shape%':>8}"
    print(
        "samples/s (best of runs), glassnet ÷ peer, GFLOP/s performed, % of the 2048² matmul"
        " peak, % of the speed of the step's own products (layer shapes)"
    )
    print(header)
    for row in result["rows"]:
        speeds, ratios = row["samples_per_s"], row["ratios"]
        line = f"{row['network']:<16}{row['dtype']:<8}{row['batch_size']:>6}"
        line += "".join(f"{speeds[t]:>11,.0f}" if t in speeds else f"{'-':>11}" for t in tools)
        line += "".join(
            f"{ratios[t]:>7.2f}" if t in ratios else f"{'-':>7}"
            for t in ("yardstick", "pytorch", "sklearn")
        )
        line += f"{row['gflops_performed']:>9.1f}{100 * row['fraction_of_peak']:>6.0f}%"
        line += f"{100 * row['fraction_of_layer_matmul']:>7.0f}%"
        print(line)
    print("matmul peak GFLOP/s:", {k: round(v, 1) for k, v in result["matmul_peak"].items()})
    print("BLAS:", describe_blas(result["conditions"]["blas"]))
    memory = result["memory"]
    print(
        f"peak memory of a float32 fit ({memory['network']}, {memory['n_samples']} samples): "
        f"{memory['ratio']:.3f} × data + model"
    )
    print(worked.describe(result["worked_example"]))
    print("conditions:", json.dumps(result["conditions"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--quick", action="store_true", help="one network, float32 (< 1 min)")
    group.add_argument("--smoke", action="store_true", help="a tiny run, for the test suite")
    parser.add_argument("--json", default="benchmarks/results.json", help="where to write JSON")
    parser.add_argument("--worker", help=argparse.SUPPRESS)  # one tool's timings, in a child
    parser.add_argument("--mode", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.mode)))
        return 0
    mode_name = "smoke" if args.smoke else "quick" if args.quick else "full"
    mode = MODES[mode_name]
    start = time.perf_counter()
    result: dict[str, Any] = {"mode": mode_name, "conditions": conditions()}
    result["matmul_peak"] = {d: matmul_peak(d, mode["repeats"]) for d in mode["dtypes"]}
    result["rows"] = measure_rows(mode_name, result["matmul_peak"])
    result["memory"] = peak_memory(mode["networks"][-1], mode["memory_samples"])
    result["worked_example"] = measure_worked(mode_name)
    result["conditions"]["load_average_at_end"] = os.getloadavg()
    result["conditions"]["seconds"] = time.perf_counter() - start
    print_table(result)
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(result, indent=2))
    temporary.replace(path)  # never a half-written file
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
