#!/usr/bin/env python3
"""The files benchmark (issue 15): upload and download throughput of 1 MB and
100 MB files against local disk, beside `cp` and `dd` of the same data on this
machine, and 40 concurrent first-time thumbnails of 12-megapixel JPEGs (peak
server RSS, latency). Starts the given release binary on a fresh data
directory, pinned to one core. Prints markdown tables; see docs/benchmarks.md.

    bench/files/run --binary target/release/snackbase

Needs Pillow to draw the JPEGs: bench/files/run installs it into a virtual
environment under ~/.cache/snackbase/bench-venv.
"""

from __future__ import annotations

import argparse
import http.client as httpclient
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from bench import ADMIN, PASSWORD, HttpError, free_port, http, pin  # noqa: E402

MB = 1_000_000
CHUNK = 1 << 20


def status_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


class Server:
    def __init__(self, binary, cpus):
        self.dir = tempfile.mkdtemp(prefix="sb-files-bench-")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            "PATH": os.environ.get("PATH", ""), "HOME": self.dir,
            "SNACKBASE_HOST": "127.0.0.1", "SNACKBASE_PORT": str(self.port),
            "SNACKBASE_SUPERADMIN_EMAIL": ADMIN, "SNACKBASE_SUPERADMIN_PASSWORD": PASSWORD,
            "SNACKBASE_RATE_LIMIT_ENABLED": "false",
            "SNACKBASE_MAX_FILE_SIZE": str(200 * MB),
            "SNACKBASE_ALLOWED_MIME_TYPES": "*",
            "SNACKBASE_BODY_TIMEOUT_SECONDS": "600",
        }
        self.log = open(os.path.join(self.dir, "server.log"), "w")
        self.proc = subprocess.Popen(pin(cpus) + [binary, "serve"], cwd=self.dir, env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while True:
            try:
                http(self.base, "GET", "/health", timeout=2)
                break
            except (OSError, HttpError):
                if self.proc.poll() is not None or time.time() > deadline:
                    raise SystemExit(f"SnackBase did not start; see {self.dir}/server.log")
                time.sleep(0.1)

    def rss_kb(self):
        return status_kb(self.proc.pid, "VmRSS")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def upload(base, token, path, name="file.bin", route="/api/v1/files/upload", part="file"):
    """Streams the file at `path` as one multipart part; returns the reply."""
    boundary = uuid.uuid4().hex
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{part}\"; filename=\"{name}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    size = os.path.getsize(path)

    def body():
        yield head
        with open(path, "rb") as f:
            while chunk := f.read(CHUNK):
                yield chunk
        yield tail

    conn = httpclient.HTTPConnection("127.0.0.1", int(base.rsplit(":", 1)[1]), timeout=600)
    conn.request("POST", route, body=body(), headers={
        "Authorization": f"Bearer {token}",
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Content-Length": str(len(head) + size + len(tail)),
    })
    res = conn.getresponse()
    raw = res.read()
    conn.close()
    if res.status >= 300:
        raise HttpError(res.status, raw.decode(errors="replace"), route)
    return json.loads(raw)


def download(base, token, route):
    """Reads the whole body in chunks; returns the bytes read."""
    conn = httpclient.HTTPConnection("127.0.0.1", int(base.rsplit(":", 1)[1]), timeout=600)
    conn.request("GET", route, headers={"Authorization": f"Bearer {token}"})
    res = conn.getresponse()
    n = 0
    while chunk := res.read(CHUNK):
        n += len(chunk)
    conn.close()
    if res.status != 200:
        raise HttpError(res.status, "", route)
    return n


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def shell_rate(cmd, size, runs):
    """MB/s of a shell command over `size` bytes, best of `runs`."""
    best = min(timed(lambda: subprocess.run(cmd, shell=True, check=True)) for _ in range(runs))
    return size / MB / best


def throughput(srv, token, work, runs):
    rows = []
    for label, size in (("1 MB", 1 * MB), ("100 MB", 100 * MB)):
        src = os.path.join(work, f"src-{size}")
        with open(src, "wb") as f:
            left = size
            while left:
                n = min(left, CHUNK)
                f.write(os.urandom(n))
                left -= n
        reps = runs if size > MB else runs * 20
        paths, up_times, down_times = [], [], []
        for _ in range(reps):
            up_times.append(timed(lambda: paths.append(upload(srv.base, token, src)["file"]["path"])))
        for p in paths:
            down_times.append(timed(lambda: download(srv.base, token, f"/api/v1/files/{p}")))
        dst = os.path.join(work, "dst")
        cp = shell_rate(f"cp {src} {dst} && rm -f {dst}", size, 3)
        dd = shell_rate(f"dd if={src} of={dst} bs=1M status=none && rm -f {dst}", size, 3)
        cat = shell_rate(f"cat {src} > /dev/null", size, 3)
        up = size / MB / statistics.median(up_times)
        down = size / MB / statistics.median(down_times)
        rows.append((label, reps, up, down, cp, dd, cat))
        os.remove(src)
    return rows


def make_jpegs(work, n, width, height):
    from PIL import Image  # noqa: PLC0415 (only this part needs Pillow)

    base = Image.merge("RGB", [
        Image.linear_gradient("L").resize((width, height)),
        Image.linear_gradient("L").rotate(90).resize((width, height)),
        Image.effect_noise((width, height), 40),
    ])
    paths = []
    for i in range(n):
        img = base.rotate(180) if i % 2 else base
        # Each file differs (a band at its own height), so no thumbnail is shared.
        img = img.copy()
        img.paste((i * 6 % 256, 128, 255 - i * 6 % 256), (0, i * 50, width, i * 50 + 40))
        path = os.path.join(work, f"photo{i}.jpg")
        img.save(path, "JPEG", quality=85)
        paths.append(path)
    return paths


def thumbnails(srv, sa, token, work, n, size):
    http(srv.base, "POST", "/api/v1/collections", {
        "name": "photos",
        "schema": [{"name": "title", "type": "text"},
                   {"name": "img", "type": "file", "options": {"mime_types": ["image/*"], "thumbs": [size]}}],
    }, sa)
    jpegs = make_jpegs(work, n + 5, 4000, 3000)
    records = []
    for i, path in enumerate(jpegs):
        up = upload(srv.base, token, path, name=f"photo{i}.jpg")["file"]["path"]
        rec = http(srv.base, "POST", "/api/v1/records/photos", {"title": f"p{i}", "img": up}, token)
        records.append(f"/api/v1/files/photos/{rec['id']}/{rec['img']}?thumb={size}")
    mean_mb = statistics.mean(os.path.getsize(p) for p in jpegs) / MB
    # One at a time, cold: the time one thumbnail takes.
    alone = [timed(lambda r=r: download(srv.base, token, r)) * 1000 for r in records[n:]]
    # n at once, cold: memory and latency under the burst.
    rss_before = srv.rss_kb()
    peak = [rss_before]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], srv.rss_kb())
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    lat = [0.0] * n
    errors = []

    def one(i):
        try:
            lat[i] = timed(lambda: download(srv.base, token, records[i])) * 1000
        except Exception as e:  # noqa: BLE001 (counted and reported)
            errors.append(str(e))

    start = time.perf_counter()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    # Served from storage the second time.
    warm = [timed(lambda r=r: download(srv.base, token, r)) * 1000 for r in records[:n]]
    return {
        "mean_mb": mean_mb, "alone": alone, "lat": sorted(lat), "wall": wall, "errors": errors,
        "rss_before": rss_before / 1024, "rss_peak": peak[0] / 1024, "warm": sorted(warm),
        "hwm": status_kb(srv.proc.pid, "VmHWM") / 1024,
    }


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", required=True)
    ap.add_argument("--server-cpus", default="1", help="taskset list for the server (default: CPU 1)")
    ap.add_argument("--runs", type=int, default=5, help="uploads and downloads of the 100 MB file (1 MB: 20×)")
    ap.add_argument("--thumbs", type=int, default=40, help="concurrent first-time thumbnails")
    ap.add_argument("--size", default="400x300", help="thumbnail size")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="sb-files-work-")
    srv = Server(os.path.abspath(args.binary), args.server_cpus)
    try:
        sa = http(srv.base, "POST", "/api/v1/auth/login",
                  {"account": "SY0000", "email": ADMIN, "password": PASSWORD})["token"]
        http(srv.base, "POST", "/api/v1/auth/register", {
            "email": "files@example.com", "password": PASSWORD, "account_name": "Files Co",
            "account_slug": "filesco"})
        token = http(srv.base, "POST", "/api/v1/auth/login",
                     {"account": "filesco", "email": "files@example.com", "password": PASSWORD})["token"]
        print(f"{time.strftime('%Y-%m-%dT%H:%M:%S')}; server on CPUs {args.server_cpus}; "
              f"load average {os.getloadavg()[0]:.2f}\n")
        rows = throughput(srv, token, work, args.runs)
        print("| file | runs | upload MB/s | download MB/s | cp MB/s | dd MB/s | cat MB/s | upload ÷ cp | download ÷ cat |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for label, reps, up, down, cp, dd, cat in rows:
            print(f"| {label} | {reps} | {up:,.0f} | {down:,.0f} | {cp:,.0f} | {dd:,.0f} | {cat:,.0f} "
                  f"| {up / cp:.2f}× | {down / cat:.2f}× |")
        t = thumbnails(srv, sa, token, work, args.thumbs, args.size)
        print(f"\nThumbnails {args.size} of 4000×3000 JPEGs (mean {t['mean_mb']:.1f} MB):\n")
        print("| measure | value |")
        print("|---|---:|")
        print(f"| one at a time, cold: p50 / p95 ms ({len(t['alone'])} images) "
              f"| {pct(t['alone'], .5):.0f} / {pct(t['alone'], .95):.0f} |")
        print(f"| {args.thumbs} at once, cold: p50 / p95 / max ms | {pct(t['lat'], .5):.0f} / "
              f"{pct(t['lat'], .95):.0f} / {t['lat'][-1]:.0f} |")
        print(f"| {args.thumbs} at once: wall s, per thumbnail ms | {t['wall']:.2f}, "
              f"{t['wall'] * 1000 / args.thumbs:.0f} |")
        print(f"| server RSS before / peak during the burst MiB | {t['rss_before']:.0f} / {t['rss_peak']:.0f} |")
        print(f"| server VmHWM over its life MiB | {t['hwm']:.0f} |")
        print(f"| served again (kept): p50 / p95 ms | {pct(t['warm'], .5):.1f} / {pct(t['warm'], .95):.1f} |")
        print(f"| errors | {len(t['errors'])} |")
        for e in t["errors"][:5]:
            print(f"  {e}", file=sys.stderr)
    finally:
        srv.stop()
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
