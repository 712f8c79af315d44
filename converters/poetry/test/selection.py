# Reference selection with `packaging` (the library pip vendors): which packages of a lock-version 2.1 lock
# Poetry installs for a target and groups, and which wheels fit a target. Input and output: JSON on stdio.
import json
import sys

from packaging.markers import Marker
from packaging.tags import compatible_tags, cpython_tags, mac_platforms
from packaging.utils import parse_wheel_filename

req = json.load(sys.stdin)
out = {"selected": {}, "wheels": {}, "markers": {}}
for t in req["targets"]:
    major, minor, micro = (int(x) for x in t["python"].split("."))
    system = t["system"]
    cpu, kernel = system.split("-", 1)
    mach = "arm64" if kernel == "darwin" and cpu == "aarch64" else cpu
    env = {
        "python_version": f"{major}.{minor}",
        "python_full_version": t["python"],
        "implementation_version": t["python"],
        "os_name": "posix",
        "sys_platform": kernel,
        "platform_system": "Darwin" if kernel == "darwin" else "Linux",
        "platform_machine": mach,
        "platform_python_implementation": "CPython",
        "implementation_name": "cpython",
        "platform_release": "",
        "platform_version": "",
        "extra": "",
    }
    for groups in req["groupSets"]:
        sel = []
        for p in req["packages"]:
            ok = False
            for g in groups:
                if g not in p["groups"]:
                    continue
                m = p.get("markers")
                if isinstance(m, dict):
                    m = m.get(g)
                if m is None or Marker(m).evaluate(env):
                    ok = True
            if ok:
                sel.append(p["id"])
        out["selected"][f"{system} {t['python']} {','.join(groups)}"] = sorted(sel)
    out.setdefault("markers", {})[f"{system} {t['python']}"] = [Marker(m).evaluate(env) for m in req["markers"]]
    if kernel == "linux" and t.get("libc") == "musl":
        musl_minor = int(t["glibc"].split(".")[1])
        plats = [f"musllinux_1_{y}_{cpu}" for y in range(musl_minor, -1, -1)] + [f"linux_{cpu}"]
    elif kernel == "linux":
        glibc_minor = int(t["glibc"].split(".")[1])
        plats = [f"manylinux_2_{y}_{cpu}" for y in range(glibc_minor, 4, -1)]
        legacy = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}
        plats += [f"{name}_{cpu}" for y, name in legacy.items() if y <= glibc_minor]
        plats.append(f"linux_{cpu}")
    else:
        mv = tuple(int(x) for x in t["macos"].split("."))
        plats = list(mac_platforms(version=mv, arch=mach))
    interp = f"cp{major}{minor}"
    supported = set(cpython_tags(python_version=(major, minor), platforms=plats)) | set(
        compatible_tags(python_version=(major, minor), interpreter=interp, platforms=plats)
    )
    ok = []
    for w in req["wheels"]:
        try:
            tags = parse_wheel_filename(w)[3]
        except Exception:
            continue
        if tags & supported:
            ok.append(w)
    out["wheels"][f"{system} {t['python']}"] = sorted(ok)
json.dump(out, sys.stdout)
