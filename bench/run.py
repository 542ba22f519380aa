"""`make bench`: build a database at 1× and 10× scale, measure the pages on each,
print a table side by side and write bench/results.json."""

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PYTHON = sys.executable
SCALES = [int(s) for s in os.environ.get("BENCH_SCALES", "1,10").split(",")]

PAGES = [
    "dashboard /",
    "/my/",
    "/measures/ (page 2)",
    "/measures/<pk>/",
    "/review/",
    "export /export/status.xlsx",
]


def manage(env, *args):
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def build(scale):
    path = HERE / f"bench-{scale}.sqlite3"
    path.unlink(missing_ok=True)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "DJANGO_DEBUG": "1"}
    started = time.perf_counter()
    manage(env, "migrate", "--noinput")
    manage(env, "load_plan")
    manage(env, "seed_demo", "--no-history")
    manage(env, "seed_synthetic", "--scale", str(scale))
    print(f"scale {scale}: database built in {time.perf_counter() - started:.0f} s", flush=True)
    return env


def measure(env):
    # DEBUG off, as in production: DEBUG keeps every query in memory.
    env = {
        **env,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECURE": "0",
        "DJANGO_SECRET_KEY": "bench",
        "DJANGO_ALLOWED_HOSTS": "*",
        "DJANGO_STATIC_ROOT": str(HERE / "static"),
    }
    manage(env, "collectstatic", "--noinput")
    output = subprocess.run(
        [PYTHON, str(HERE / "measure.py")], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def machine():
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "system": platform.platform(),
        "database": "SQLite",
        "date": time.strftime("%Y-%m-%d"),
    }


def main():
    runs = {}
    for scale in SCALES:
        runs[scale] = measure(build(scale))
    first, last = SCALES[0], SCALES[-1]
    a, b = runs[first]["results"], runs[last]["results"]

    lines = [
        f"| page | {first}× ms | {first}× queries | {last}× ms | {last}× queries |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for page in PAGES:
        lines.append(f"| {page} | {a[page]['ms']} | {a[page]['queries']} | {b[page]['ms']} | {b[page]['queries']} |")
    for name in [
        "export: ours (build only)",
        "export: openpyxl write-only limit",
        "export: openpyxl write-only, values only",
        "export: django-tables2 tablib peer",
        "/measures/ 100 rows",
        "admin changelist 100 rows",
    ]:
        lines.append(f"| {name} | {a[name]['ms']} | | {b[name]['ms']} | |")
    mem = "export peak memory (MiB)"
    lines.append(f"| {mem} | {a[mem]['value']} | | {b[mem]['value']} | |")

    targets = {}
    targets["query counts equal at both scales"] = all(a[p]["queries"] == b[p]["queries"] for p in PAGES)
    for scale, r in runs.items():
        res = r["results"]
        ratio = res["export: ours (build only)"]["ms"] / res["export: openpyxl write-only limit"]["ms"]
        targets[f"{scale}×: export within 1.5× of the openpyxl limit (is {ratio:.2f}×)"] = ratio <= 1.5
        floor = res["export vs values-only floor, interleaved"]["ratio"]
        targets[
            f"{scale}×: export within 2.5× of openpyxl write-only writing the same values, interleaved (is {floor:.2f}×)"
        ] = floor <= 2.5
        targets[f"{scale}×: export faster than the tablib peer"] = (
            res["export: ours (build only)"]["ms"] < res["export: django-tables2 tablib peer"]["ms"]
        )
        versus = res["/measures/ vs admin changelist, interleaved"]["ratio"]
        targets[f"{scale}×: /measures/ no slower than the admin changelist, interleaved (is {versus:.2f}×)"] = (
            versus <= 1.0
        )
    growth = b[mem]["value"] / a[mem]["value"]
    data_growth = runs[last]["counts"]["plan measures"] / runs[first]["counts"]["plan measures"]
    targets[f"export memory grows less than the data ({growth:.1f}× for {data_growth:.0f}× rows)"] = (
        growth < data_growth
    )

    print()
    print("\n".join(lines))
    print()
    for scale, r in runs.items():
        c = r["counts"]
        print(
            f"{scale}×: {c['plans']} plans, {c['measures']} measures, {c['reports']} reports; "
            f"measured plan has {c['plan measures']} measures"
        )
    print()
    for name, ok in targets.items():
        print(f"[{'ok' if ok else 'MISS'}] {name}")
    result = {"machine": machine(), "runs": runs, "table": lines, "targets": targets}
    (HERE / "results.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(f"\nwritten {HERE / 'results.json'}")


if __name__ == "__main__":
    main()
