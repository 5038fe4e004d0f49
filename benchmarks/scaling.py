"""Cost of one data-parallel step on a LocalCluster, beside the cost model of docs/scaling.md.

Run: PYTHONPATH=src python benchmarks/scaling.py [--workers 2] [--repeats 3] [--averaging]

For each hidden width it prints the parameter count P, the model's bytes per step
(2 x 8 P x workers, float64), the best-of-N time of one synchronous step on the cluster, the
time of the same step in one process, and the cluster's fixed overhead per step (the difference).

With ``--averaging`` it then trains one network with ``glassnet.dask.fit`` (synchronous) and
``glassnet.dask.fit_averaged`` for K = 1, 4, 16 local steps, from the same start on the same
batches, and prints the seconds per epoch, the model traffic per epoch and the loss on all the
data at the end: the trade-off between fewer round trips and a different optimization path.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

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
    parser.add_argument("--averaging", action="store_true", help="also K = 1, 4, 16 averaging")
    parser.add_argument("--epochs", type=int, default=3, help="epochs of the averaging runs")
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
        if args.averaging:
            averaging_tradeoff(client, args.workers, args.epochs)


def averaging_tradeoff(client: Any, workers: int, epochs: int) -> None:
    """Seconds per epoch, MB of model traffic per epoch and final loss, sync vs K = 1, 4, 16."""
    import dask.array as da

    from glassnet import dask as gd

    rng = np.random.default_rng(1)
    n, d, batch = 16_384, 32, 256
    x = rng.normal(size=(n, d))
    y = np.sin(x[:, :1]) + x[:, 1:2] * x[:, 2:3] + 0.1 * rng.normal(size=(n, 1))
    rows = -(-n // workers)  # one block, so one replica, per worker
    dx, dy = client.persist(
        [da.from_array(x, chunks=(rows, d)), da.from_array(y, chunks=(rows, 1))]
    )
    print(f"\naveraging: {n} rows x {d} features, batch {batch}, {epochs} epochs, "
          f"SGD(0.02, momentum=0.9), {workers} replicas")  # fmt: skip
    print(f"{'scheme':>12} {'s/epoch':>8} {'MB/epoch':>9} {'final loss':>11}")
    for k in (None, 1, 4, 16):
        net = network(d, 64)
        p = sum(q.value.size for q in net.parameters())
        options = {"epochs": epochs, "batch_size": batch, "optimizer": gn.SGD(0.02, momentum=0.9),
                   "rng": 0}  # fmt: skip
        start = time.perf_counter()
        if k is None:
            gd.fit(net, dx, dy, client, **options)
            messages, arrays = n // batch, 2  # weights out, gradients back, every step
        else:
            gd.fit_averaged(net, dx, dy, client, local_steps=k, **options)
            messages, arrays = -(-(n // batch) // k), 4  # weights + velocity, out and back
        seconds = (time.perf_counter() - start) / epochs
        megabytes = messages * arrays * 8 * p * workers / 1e6
        name = "synchronous" if k is None else f"K={k}"
        print(f"{name:>12} {seconds:>8.2f} {megabytes:>9.1f} {net.loss(x, y):>11.5f}")


if __name__ == "__main__":
    main()
