"""Cost of one data-parallel step on a LocalCluster, beside the cost model of docs/scaling.md.

Run: PYTHONPATH=src python benchmarks/scaling.py [--workers 2] [--repeats 3]

For each hidden width it prints the parameter count P, the model's bytes per step
(2 x 8 P x workers, float64), the best-of-N time of one synchronous step on the cluster, the
time of the same step in one process, and the cluster's fixed overhead per step (the difference).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import glassnet as gn


def network(n_inputs: int, width: int) -> gn.Network:
    layers = [gn.Dense(n_inputs, width, "relu", rng=0), gn.Dense(width, 1, "identity", rng=1)]
    return gn.Network(layers, loss="mse")


def best_step_time(run, repeats: int) -> float:
    """Best of ``repeats`` timings of ``run()``, which does 5 steps; returns seconds per step."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) / 5)
    return min(times)


def main() -> None:
    import dask.array as da
    from dask.distributed import Client, LocalCluster

    from glassnet import dask as gd

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=4096)
    parser.add_argument("--sizes", type=int, default=4, help="how many widths, smallest first")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    n, d, b = 5 * args.batch_size, 64, args.batch_size
    x = rng.normal(size=(n, d))
    y = x[:, :1] - x[:, 1:2]
    cluster = LocalCluster(
        n_workers=args.workers, threads_per_worker=1, host="127.0.0.1",
        dashboard_address=":0", scheduler_kwargs={"dashboard": False},
    )  # fmt: skip
    with cluster, Client(cluster) as client:
        rows = -(-n // args.workers)
        dx = da.from_array(x, chunks=(rows, d))
        dy = da.from_array(y, chunks=(rows, 1))
        dx, dy = client.persist([dx, dy])
        print(f"workers={args.workers} batch={b} rows={n} features={d}")
        print(f"{'P':>9} {'MB/step':>8} {'cluster ms':>10} {'local ms':>9} {'overhead ms':>11}")
        for width in (16, 256, 2048, 16384)[: args.sizes]:
            net = network(d, width)
            p = sum(q.value.size for q in net.parameters())
            options = {"epochs": 1, "batch_size": b, "shuffle": False}

            def remote(net: gn.Network = net, options: dict = options) -> None:
                gd.fit(net, dx, dy, client, optimizer=gn.SGD(1e-4), **options)

            def local(net: gn.Network = net, options: dict = options) -> None:
                net.fit(x, y, optimizer=gn.SGD(1e-4), **options)

            t_remote = best_step_time(remote, args.repeats)
            t_local = best_step_time(local, args.repeats)
            overhead = t_remote - t_local / args.workers  # beyond perfectly split compute
            megabytes = 2 * 8 * p * args.workers / 1e6
            cells = f"{t_remote * 1e3:>10.1f} {t_local * 1e3:>9.1f} {overhead * 1e3:>11.1f}"
            print(f"{p:>9} {megabytes:>8.2f} {cells}")


if __name__ == "__main__":
    main()
