"""What bench/toy2d_report.py, image_report.py and docking_report.py share: reading the per-process JSON files
of bench/run.sh, pooling one side's times, checking that the Python reference still builds disco's networks, the
fields every summary starts with (date, CPU, threads, versions, parameter counts, rounds, load average), the
command line, the notes under every table, writing the summary and replacing a table in bench/README.md.
"""
import argparse
import datetime
import glob
import json
import os
import re
import statistics


def with_earlier_rows(rows, earlier, key):
    """rows, then the rows of `earlier` (an earlier run of the same report) whose key(row) is not among them: runs
    evaluated on another machine, whose folders this one lacks, stay in the table as they were."""
    fresh = {key(r) for r in rows}
    return rows + [r for r in earlier if key(r) not in fresh]


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def update_readme(path, text, begin, end):
    """Replaces the block between the markers `begin` and `end` (appends it when absent); temp file + rename."""
    block = f"{begin}\n{text}\n{end}"
    old = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
    if begin in old and end in old:
        new = re.sub(re.escape(begin) + r".*?" + re.escape(end), lambda _: block, old, flags=re.S)
    else:
        new = old.rstrip("\n") + "\n\n" + block + "\n"
    with open(path + ".tmp", "w") as f:
        f.write(new)
    os.replace(path + ".tmp", path)


def arguments(doc, default_out, extra=()):
    """The report's command line: --raw/--out, or --render; --readme, --mode, --command; `extra` adds
    (flag, default) pairs."""
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("--raw", help="directory of per-process JSON files (WORKLOAD-IMPL-ROUND.json)")
    ap.add_argument("--out", help=f"summary JSON to write ({default_out})")
    ap.add_argument("--render", help="only re-render the table of this existing summary JSON")
    ap.add_argument("--readme")
    ap.add_argument("--mode", default="full")
    ap.add_argument("--command", default="bench/run.sh")
    for flag, default in extra:
        ap.add_argument(flag, default=default)
    o = ap.parse_args()
    if not o.render and not (o.raw and o.out):
        ap.error("--raw and --out are required (or --render)")
    return o


def render_only(o, table, begin, end):
    """--render: re-renders the table of an existing summary (into the README too when given)."""
    text = table(json.load(open(o.render)))
    if o.readme:
        update_readme(o.readme, text, begin, end)
    print(text)


def load_runs(raw, program):
    """{workload: {impl: [per-process JSON, ...]}} from RAW/WORKLOAD-IMPL-ROUND.json, in file-name order."""
    runs = {}
    for path in sorted(glob.glob(os.path.join(raw, "*.json"))):
        workload, impl, _ = os.path.basename(path)[:-5].split("-")
        runs.setdefault(workload, {}).setdefault(impl, []).append(json.load(open(path)))
    if not runs:
        raise SystemExit(f"{program}: no results in " + raw)
    return runs


def first_of_each_side(runs):
    """The first process of each side (disco, python), whichever workload it ran."""
    return {impl: next(r for w in runs.values() for i, side in w.items() if i == impl for r in side)
            for impl in ("disco", "python")}


def common_fields(runs, first):
    """The fields every summary has after its name, mode, command (and config), in this order."""
    every = [r for w in runs.values() for side in w.values() for r in side]
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu_model": cpu_model(), "nproc": os.cpu_count(),
        "threads": first["disco"]["threads"],
        "interop_threads": {k: first[k]["interop_threads"] for k in first},
        "versions": {"disco_libtorch": first["disco"]["torch_version"],
                     "python_torch": first["python"]["torch_version"],
                     "python": first["python"].get("python_version", "")},
        "param_count": {k: first[k]["param_count"] for k in first},
        "rounds": max(len(side) for w in runs.values() for side in w.values()),
        "loadavg": {"min": min(min(r["loadavg_before"], r["loadavg_after"]) for r in every),
                    "max": max(max(r["loadavg_before"], r["loadavg_after"]) for r in every)},
    }


def write_summary(path, res):
    """The summary JSON, indented, through a temp file and a rename."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(res, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def publish(o, res, table, begin, end):
    """Writes the summary, replaces the README table when asked, prints the table."""
    write_summary(o.out, res)
    text = table(res)
    if o.readme:
        update_readme(o.readme, text, begin, end)
    print(text)


def check_same_threads(first, program):
    if first["disco"]["threads"] != first["python"]["threads"]:
        raise SystemExit(f"{program}: error: the two sides ran with different thread counts")


def fmt(seconds):
    """A time for the tables: milliseconds below one second."""
    return f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


# The header of the image and docking tables (toy2d's has one more column: the speedup of the minima).
TIMING_TABLE_HEADER = ["| workload | disco (C++) median | Python median | speedup (Python / disco) | disco min – max "
                       "| Python min – max | CPU time disco / Python | peak RSS disco / Python |",
                       "|---|---:|---:|---:|---:|---:|---:|---:|"]


def timing_row(name, e):
    """One row under TIMING_TABLE_HEADER for a workload's summary `e` (its disco and python sides and ratio)."""
    d, p = e["disco"], e["python"]
    cpu = (f"{fmt(d['cpu_median'])} / {fmt(p['cpu_median'])} ({p['cpu_median'] / d['cpu_median']:.2f}×)"
           if "cpu_median" in d else "–")
    return (f"| {name} | {fmt(d['median'])} | {fmt(p['median'])} | **{e['ratio']:.2f}×** | "
            f"{fmt(d['min'])} – {fmt(d['max'])} | {fmt(p['min'])} – {fmt(p['max'])} | {cpu} | "
            f"{d['peak_rss_mib_median']:.0f} / {p['peak_rss_mib_median']:.0f} MiB |")


def run_notes(res, what):
    """The first two notes under a table: how the run was made (`what` ends the first) and on what."""
    return [f"{res['mode']} run (`{res['command']}`), {res['date']}: {res['threads']} thread"
            f"{'s' if res['threads'] != 1 else ''} on both sides, {res['rounds']} alternating round(s) per workload "
            f"(C++, Python, ...); {what}",
            f"CPU: {res['cpu_model']} ({res['nproc']} cores); disco on LibTorch {res['versions']['disco_libtorch']}, "
            f"Python {res['versions']['python']} with torch {res['versions']['python_torch']}."]


def timing_table_rows(workloads, names):
    """The header and one timing_row per workload present, in the order of `names` (workload -> its label)."""
    return list(TIMING_TABLE_HEADER) + [timing_row(label(workloads[k]), workloads[k])
                                        for k, label in names.items() if k in workloads]


def summarise(runs, key, time_key, cpu_key=None):
    """One side's times of one workload, pooled over its processes (`runs`): RUNS[i]["workloads"][key][time_key]
    (and cpu_key, when given), with the median peak RSS of the processes."""
    times = [t for r in runs for t in r["workloads"][key][time_key]]
    s = {"median": statistics.median(times), "min": min(times), "max": max(times), "n_timed": len(times),
         "processes": len(runs), "times": times}
    if cpu_key:
        s["cpu_median"] = statistics.median(t for r in runs for t in r["workloads"][key][cpu_key])
    s["peak_rss_mib_median"] = statistics.median(r["peak_rss_kb"] / 1024.0 for r in runs)
    return s


def check_same_networks(first, parts, program, networks):
    """Exits when the Python reference no longer mirrors disco: for each part ("denoiser", ...), the two sides
    must have the same parameter names and shapes (`networks` names them in the message)."""
    differ = []
    for part in parts:
        a, b = first["disco"]["param_shapes"][part], first["python"]["param_shapes"][part]
        if a != b:
            only = sorted(set(a) ^ set(b)) + sorted(k for k in set(a) & set(b) if a[k] != b[k])
            differ.append(f"{part}: disco {first['disco']['param_count'][part]:,} vs Python "
                          f"{first['python']['param_count'][part]:,} parameters; differing tensors: {only[:6]}")
    if differ:
        raise SystemExit(f"{program}: error: the Python reference no longer mirrors {networks}:\n  "
                         + "\n  ".join(differ))


BUSY_WHY = "times are inflated and scattered; the alternation keeps the comparison fair on average"


def load_note(res, busy_above, why=BUSY_WHY):
    """The note on the 1-minute load average during the runs; above `busy_above` it says the machine was busy."""
    load = res["loadavg"]
    return (f"1-minute load average during the runs: {load['min']:.2f} – {load['max']:.2f}"
            + (f" (**the machine was busy: {why}**)." if load["max"] > busy_above else "."))
