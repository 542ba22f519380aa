"""Print requests, failures and p95 from locust's CSV; exit 1 on any failure."""

import csv
import sys

rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
total = next(r for r in rows if r["Name"] == "Aggregated")
print()
print("| request | count | failures | median ms | p95 ms |")
print("| --- | ---: | ---: | ---: | ---: |")
for r in rows:
    print(f"| {r['Name']} | {r['Request Count']} | {r['Failure Count']} | {r['50%']} | {r['95%']} |")
failures = int(total["Failure Count"])
print(
    f"\nload test: {total['Request Count']} requests, {failures} failures, p95 {total['95%']} ms, "
    f"{float(total['Requests/s']):.1f} requests/s"
)
sys.exit(1 if failures else 0)
