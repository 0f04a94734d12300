"""Per-minute table and flatness of samples taken every few seconds (bench/memory-flat.sh, bench/rows-flat.sh).

usage: flat.py SAMPLES MINUTES NAME...
SAMPLES has one line per sample: the second it was taken, then one whole number per NAME. A column is flat when its
samples over the run's last half stay within 10 % (max against min).
"""
import sys

samples, minutes, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
rows = [tuple(map(int, line.split())) for line in open(samples) if line.strip()]
print("| minute | " + " | ".join(names) + " |")
print("| --- |" + " --- |" * len(names))
for minute in range(1, minutes + 1):
    at = [r for r in rows if r[0] == minute * 60]
    print(f"| {minute} | " + " | ".join(str(v) for v in (at[0][1:] if at else ["-"] * len(names))) + " |")
last = [r for r in rows if r[0] > minutes * 30]
for i, name in enumerate(names, start=1):
    values = [r[i] for r in last]
    spread = (max(values) - min(values)) / max(1, min(values)) * 100
    print(f"{name}: last {minutes // 2} minutes min {min(values)}, max {max(values)}, spread {spread:.1f} % -> "
          + ("FLAT (within 10 %)" if spread <= 10 else "NOT flat"))
