"""Replays a `heimdex index --progress-log` file through ETA estimators and prints how far each was
from the real end once 10 % of the run was done (the check of issue #17 item 3).

    python3 scripts/bench/eta_replay.py PROGRESS.jsonl [DURATION_SECS]

The reported column is what the app said; the others are estimators written here to try ideas on
recorded runs before they go into `pipeline/eta.rs`."""
import json
import sys

PRIOR = {"poster": 0.0003, "scenes": 0.042, "speech": 0.072, "vision": 0.004, "embed": 0.015,
         "caption": 0.0}
DEPS = {"poster": [], "scenes": [], "speech": [], "vision": ["scenes"],
        "embed": ["poster", "scenes", "speech", "vision"], "caption": ["embed"]}
ORDER = ["poster", "scenes", "speech", "vision", "embed", "caption"]


def load(path):
    events = []
    for line in open(path):
        try:
            e = json.loads(line)
        except ValueError:
            continue
        ev = e.get("event", {})
        if ev.get("type") != "job":
            continue
        events.append((e["t_ms"] / 1000, ev["stage"], ev["update"]))
    return events


def replay(events, duration, estimators):
    """Yields (t, reported, {name: estimate}) at every progress report."""
    st = {}  # stage -> dict(start, fraction, end)
    first = None
    for t, stage, u in events:
        kind = u.get("kind")
        s = st.setdefault(stage, {"start": None, "fraction": 0.0, "end": None, "mark": None})
        if kind == "started":
            s["start"] = t
            first = t if first is None else first
        elif kind == "progress":
            if s["start"] is None:
                s["start"] = t
            total = u.get("total")
            if total:
                s["fraction"] = min(max(u["done"] / total, 0.0), 1.0)
            msg = u.get("message") or ""
            if "loading" in msg and s["fraction"] <= 0.0:
                s["start"] = t  # restart_clock: set-up does not count
            if u.get("eta_secs") is not None:
                yield t, u["eta_secs"], {n: f(st, t, first, duration) for n, f in estimators.items()}
        elif kind == "done":
            s["end"] = t
            s["fraction"] = 1.0
        elif kind in ("failed", "cancelled"):
            s["start"] = None


def status(s, t):
    if s["end"] is not None:
        return ("done", s["end"] - (s["start"] or s["end"]))
    if s["start"] is None:
        return ("waiting", 0.0)
    return ("running", t - s["start"], s["fraction"])


def plan(st, t, duration, cost):
    """Longest chain: running stages by their rate blended with the cost, waiting ones by cost."""
    seen = expected = 0.0
    for name, s in st.items():
        c = cost[name] * duration
        if c <= 0:
            continue
        x = status(s, t)
        if x[0] == "done":
            seen += x[1]
            expected += c
        elif x[0] == "running" and x[2] >= 0.02:
            seen += x[1]
            expected += c * x[2]
    speed = min(max(seen / expected, 0.2), 5.0) if seen >= 2.0 and expected > 0 else 1.0
    ends = {}
    for name in ORDER:
        if name not in st and name not in ("poster", "scenes", "speech", "vision", "embed"):
            continue
        s = st.get(name, {"start": None, "end": None, "fraction": 0.0})
        usual = cost[name] * duration * speed
        x = status(s, t)
        if x[0] == "done":
            ends[name] = 0.0
        elif x[0] == "waiting":
            ends[name] = max([ends.get(d, 0.0) for d in DEPS[name]] + [0.0]) + usual
        else:
            el, f = x[1], x[2]
            from_prior = max(usual - el, usual * 0.05)
            if f <= 0:
                ends[name] = from_prior
            else:
                own = el * (1 - f) / f
                w = min(f / 0.15, 1.0)
                ends[name] = w * own + (1 - w) * max(from_prior, usual * (1 - f))
    return max(ends.values()) if ends else 0.0


def weighted(st, t, first, duration, cost, plan_until=0.05):
    planned = plan(st, t, duration, cost)
    done = alls = 0.0
    for name in ORDER:
        s = st.get(name, {"start": None, "end": None, "fraction": 0.0})
        w = cost[name]
        x = status(s, t)
        f = 1.0 if x[0] == "done" else (x[2] if x[0] == "running" else 0.0)
        done += w * f
        alls += w
    el = t - first if first else 0.0
    if done <= 0 or el <= 0:
        return planned
    frac = done / alls
    by_rate = el * (1 - frac) / frac
    w = min(frac / plan_until, 1.0)
    return w * by_rate + (1 - w) * planned


def main():
    path = sys.argv[1]
    events = load(path)
    duration = float(sys.argv[2]) if len(sys.argv) > 2 else 3600.0
    end = max(t for t, _, u in events if u.get("kind") in ("done", "failed", "cancelled"))
    t0 = min(t for t, _, _ in events)
    # What each stage really cost in this run (an oracle for "learned from earlier runs").
    spans = {}
    for t, stage, u in events:
        if u.get("kind") == "done":
            spans[stage] = u.get("secs", 0.0) / duration
    print("this run's stage secs per video sec:", {k: round(v, 4) for k, v in spans.items()})
    learned = dict(PRIOR, **spans)
    estimators = {
        "priors": lambda st, t, first, d: weighted(st, t, first, d, PRIOR),
        "learned": lambda st, t, first, d: weighted(st, t, first, d, learned),
        "plan-learned": lambda st, t, first, d: plan(st, t, d, learned),
    }
    run = end - t0
    worst = {}
    marks = {}
    for t, reported, est in replay(events, duration, estimators):
        done = (t - t0) / run
        if done < 0.10 or t >= end:
            continue
        left = end - t
        for name, eta in [("reported", reported)] + list(est.items()):
            e_left = (eta - left) / left if done <= 0.9 else 0.0
            e_total = (t + eta - end) / run
            w = worst.setdefault(name, [0.0, 0.0])
            if abs(e_left) > abs(w[0]):
                w[0] = e_left
            if abs(e_total) > abs(w[1]):
                w[1] = e_total
        for m in (0.1, 0.25, 0.5, 0.75, 0.9):
            if done >= m and m not in marks:
                marks[m] = (t - t0, left, reported, est)
    print(f"run {run:.1f} s")
    for name, (l, tot) in worst.items():
        print(f"{name:>14}: worst {100 * l:+5.0f} % of the time left, {100 * tot:+5.0f} % of the run")
    for m, (at, left, rep, est) in sorted(marks.items()):
        others = " ".join(f"{n} {v:6.1f}" for n, v in est.items())
        print(f"  {100 * m:3.0f} % ({at:6.1f} s) left {left:6.1f}: reported {rep:6.1f} {others}")


if __name__ == "__main__":
    main()
