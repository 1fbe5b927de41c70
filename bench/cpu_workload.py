"""A repeatable pure-Python CPU workload in the spirit of pyperformance (nbody, json,
regex, richards-style object dispatch, float/str churn). Deterministic inputs; prints the
best-of-3 wall time in milliseconds of each kernel and their sum as JSON.
Run: python3 cpu_workload.py"""
import json
import re
import sys
import time


def nbody(steps=20000):
    pi = 3.14159265358979323
    solar_mass = 4 * pi * pi
    days = 365.24
    bodies = [
        ([0.0, 0.0, 0.0], [0.0, 0.0, 0.0], solar_mass),
        ([4.84, -1.16, -0.10], [0.00166 * days, 0.00770 * days, -0.0000690 * days], 0.000954 * solar_mass),
        ([8.34, 4.12, -0.40], [-0.00277 * days, 0.00500 * days, 0.0000230 * days], 0.000286 * solar_mass),
        ([12.89, -15.11, -0.22], [0.00296 * days, 0.00237 * days, -0.0000296 * days], 0.0000437 * solar_mass),
        ([15.38, -25.92, 0.18], [0.00268 * days, 0.00163 * days, -0.0000951 * days], 0.0000515 * solar_mass),
    ]
    pairs = [(bodies[i], bodies[j]) for i in range(5) for j in range(i + 1, 5)]
    dt = 0.01
    for _ in range(steps):
        for ([x1, y1, z1], v1, m1), ([x2, y2, z2], v2, m2) in pairs:
            dx, dy, dz = x1 - x2, y1 - y2, z1 - z2
            mag = dt * ((dx * dx + dy * dy + dz * dz) ** -1.5)
            b1, b2 = m1 * mag, m2 * mag
            v1[0] -= dx * b2; v1[1] -= dy * b2; v1[2] -= dz * b2
            v2[0] += dx * b1; v2[1] += dy * b1; v2[2] += dz * b1
        for r, [vx, vy, vz], m in bodies:
            r[0] += dt * vx; r[1] += dt * vy; r[2] += dt * vz
    return bodies[0][0][0]


def json_roundtrip(n=300):
    doc = {"id": 1, "name": "distroless", "tags": ["a", "b", "c"] * 5, "nested": [{"k": i, "v": str(i) * 3, "f": i / 7} for i in range(50)]}
    total = 0
    for _ in range(n):
        s = json.dumps(doc, sort_keys=True)
        total += len(json.loads(s)["nested"])
    return total


def regex(n=400):
    text = ("GET /api/v1/items/12345?sort=asc HTTP/1.1 200 5123 \"Mozilla/5.0\" " * 20)
    pats = [re.compile(r"/items/(\d+)"), re.compile(r"HTTP/(\d)\.(\d)\s+(\d{3})"), re.compile(r"\"([^\"]+)\"")]
    count = 0
    for _ in range(n):
        for p in pats:
            count += len(p.findall(text))
        count += len(re.sub(r"\d", "#", text))
    return count


class Task:
    __slots__ = ("prio", "count", "next")

    def __init__(self, prio, nxt):
        self.prio, self.count, self.next = prio, 0, nxt

    def run(self, packet):
        self.count += 1
        return packet + self.prio


class DeviceTask(Task):
    __slots__ = ()

    def run(self, packet):
        self.count += 2
        return packet ^ self.prio


def richards(n=60000):
    tasks = None
    for i in range(10):
        tasks = (DeviceTask if i % 3 == 0 else Task)(i, tasks)
    t, packet = tasks, 0
    for _ in range(n):
        packet = t.run(packet) & 0xFFFF
        t = t.next or tasks
    return packet


def strings(n=20000):
    acc = []
    for i in range(n):
        s = f"{i:08d}-{i * 1.5:.3f}"
        acc.append(s.upper().replace("-", "_").split("_")[0])
    return len("".join(acc))


KERNELS = {"nbody": nbody, "json": json_roundtrip, "regex": regex, "richards": richards, "strings": strings}


def main():
    out = {}
    for name, fn in KERNELS.items():
        best = None
        for _ in range(3):
            t = time.perf_counter()
            fn()
            dt = (time.perf_counter() - t) * 1000
            best = dt if best is None else min(best, dt)
        out[name] = round(best, 2)
    out["total"] = round(sum(out.values()), 2)
    out["python"] = sys.version.split()[0]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
