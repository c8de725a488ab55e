#!/usr/bin/env python3
"""deploy/Dockerfile without a Docker engine: what can be checked on this Debian bookworm machine.

- every apt package either stage installs exists in Debian bookworm (`apt-cache show`);
- the build stage installs only packages scripts/setup lists (one source of truth for build deps);
- every -DPODPILOT_* option the build stage passes is an option() of the CMake project;
- the runtime stage covers the shared libraries of a built podpilot: the NEEDED closure of the
  binary (readelf -d, paths from ldd), each library mapped to its package with `dpkg -S`, must lie
  in the apt dependency closure of the runtime stage's packages or of debian:bookworm-slim's base
  (Priority: required, plus apt). libtorch and its dependencies are left out: the image is built
  with PODPILOT_BUILD_RL=OFF, so a binary built with it (build/release) needs them only through
  libtorch*/libc10*.
Usage: dockerfile_test.py [BINARY...]   (default: build/release/src/cli/podpilot, plus every
build/*/src/cli/podpilot configured with PODPILOT_BUILD_RL=OFF). Exits 77 when not on bookworm or
no podpilot binary is built.
"""
import glob
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCKERFILE = os.path.join(ROOT, "deploy", "Dockerfile")
# Present only when PODPILOT_BUILD_RL=ON; the image turns it off.
RL_ONLY = re.compile(r"^lib(torch|c10)[^/]*\.so")
failures = []


def run(*cmd):
    return subprocess.run(cmd, capture_output=True, text=True)


def stages(path):
    """[(base image, [apt packages installed by its RUN lines], [RUN texts])] of a Dockerfile."""
    text = open(path).read()
    lines = re.sub(r"\\\n", " ", text).splitlines()
    out = []
    for line in lines:
        s = line.strip()
        if s.startswith("FROM "):
            out.append((s.split()[1], [], []))
        elif s.startswith("RUN ") and out:
            out[-1][2].append(s)
            for part in s[4:].split("&&"):
                words = part.split()
                if "apt-get" in words and "install" in words:
                    pkgs = words[words.index("install") + 1:]
                    out[-1][1].extend(w for w in pkgs if not w.startswith("-"))
    return out


def setup_packages():
    text = open(os.path.join(ROOT, "scripts", "setup")).read()
    block = re.search(r"packages=\((.*?)\n\)", text, re.S).group(1)
    return {w for line in block.splitlines() for w in line.split("#")[0].split()}


def apt_closure(pkgs):
    r = run("apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests", "--no-conflicts",
            "--no-breaks", "--no-replaces", "--no-enhances", *pkgs)
    return {l.strip() for l in r.stdout.splitlines() if l and not l[0].isspace() and not l.startswith("<")}


def priority(pkg, cache={}):
    if pkg not in cache:
        m = re.search(r"^Priority: (\S+)", run("apt-cache", "show", "--no-all-versions", pkg).stdout, re.M)
        cache[pkg] = m.group(1) if m else ""
    return cache[pkg]


def needed(path):
    r = run("readelf", "-d", path)
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", r.stdout)


def owners(paths):
    """{path: Debian package} for library paths, with one `dpkg -S` call (each call reads the whole
    file database). A path under /lib may be known to dpkg as /usr/lib (merged /usr) or through
    its symlink target."""
    variants = {}
    for path in paths:
        for v in (path, os.path.realpath(path), "/usr" + path if not path.startswith("/usr") else path[4:]):
            variants.setdefault(v, path)
    r = run("dpkg", "-S", *variants)
    out = {}
    for line in r.stdout.splitlines():
        pkg, _, file = line.partition(": ")
        if file in variants and "," not in pkg:
            out.setdefault(variants[file], pkg.split(":")[0].strip())
    return out


def lib_closure(binary):
    """{soname: path} reachable from binary through NEEDED, not descending into RL-only libraries."""
    paths = {}
    for line in run("ldd", binary).stdout.splitlines():
        m = re.match(r"\s*(\S+) => (/\S+)", line)
        if m:
            paths[m.group(1)] = m.group(2)
    seen, todo, excluded = {}, list(needed(binary)), set()
    while todo:
        so = todo.pop()
        if so in seen or so in excluded:
            continue
        if RL_ONLY.match(so):
            excluded.add(so)
            continue
        path = paths.get(so)
        if path is None:
            if so.startswith("ld-linux"):
                continue  # the dynamic loader (libc6)
            failures.append(f"{binary}: {so} not resolved by ldd")
            continue
        seen[so] = path
        todo.extend(needed(path))
    return seen, excluded


def default_binaries():
    out = [os.path.join(ROOT, "build/release/src/cli/podpilot")]
    for cache in sorted(glob.glob(os.path.join(ROOT, "build/*/CMakeCache.txt"))):
        if "PODPILOT_BUILD_RL:BOOL=OFF" in open(cache, errors="replace").read():
            out.append(os.path.join(os.path.dirname(cache), "src/cli/podpilot"))
    return [b for b in out if os.access(b, os.X_OK)]


def main():
    os_release = open("/etc/os-release").read()
    if "VERSION_CODENAME=bookworm" not in os_release or run("apt-cache", "policy").returncode:
        print("SKIP: not a Debian bookworm machine with apt: cannot check the Dockerfile's packages")
        return 77
    st = stages(DOCKERFILE)
    if len(st) != 2 or not st[0][0].startswith("debian:") or "-slim" not in st[1][0]:
        print(f"FAIL: expected a debian build stage and a -slim runtime stage, got {[s[0] for s in st]}")
        return 1
    (build_img, build_pkgs, build_runs), (run_img, runtime_pkgs, _) = st
    for pkg in build_pkgs + runtime_pkgs:
        if run("apt-cache", "show", "--no-all-versions", pkg).returncode:
            failures.append(f"apt package {pkg} does not exist in Debian bookworm")
    extra = set(build_pkgs) - setup_packages()
    if extra:
        failures.append(f"build stage installs packages scripts/setup does not list: {sorted(extra)}")
    options = set(re.findall(r"option\((PODPILOT_\w+)", "".join(
        open(p).read() for p in glob.glob(os.path.join(ROOT, "**/CMakeLists.txt"), recursive=True)
        if "/build/" not in p)))
    passed = set(re.findall(r"-D(PODPILOT_\w+)=", " ".join(build_runs)))
    if passed - options:
        failures.append(f"build stage passes unknown CMake options {sorted(passed - options)}")
    for want in ("PODPILOT_BUILD_RL", "PODPILOT_BUILD_TESTS", "PODPILOT_BUILD_PYTHON"):
        if want not in passed:
            failures.append(f"build stage does not set -D{want}=OFF")

    binaries = sys.argv[1:] or default_binaries()
    if not binaries:
        print(f"packages: {len(build_pkgs)} build + {len(runtime_pkgs)} runtime exist in bookworm")
        print("SKIP: no podpilot binary built (build/release or a PODPILOT_BUILD_RL=OFF build dir)")
        return 77 if not failures else 1
    allowed = apt_closure(runtime_pkgs)
    base = apt_closure(["apt"])
    used = set()
    for binary in binaries:
        libs, excluded = lib_closure(binary)
        print(f"{os.path.relpath(binary, ROOT)}: {len(libs)} shared libraries"
              + (f" (left out, RL only: {', '.join(sorted(excluded))} and their dependencies)" if excluded else ""))
        pkgs = owners(libs.values())
        for so, path in sorted(libs.items()):
            pkg = pkgs.get(path)
            if pkg is None:
                failures.append(f"{binary}: {path} belongs to no Debian package (dpkg -S)")
                continue
            if pkg in runtime_pkgs:
                how = "runtime stage"
                used.add(pkg)
            elif pkg in base or priority(pkg) == "required":
                how = "base image"
            elif pkg in allowed:
                how = "dependency of the runtime stage's packages"
            else:
                how = "NOT COVERED"
                failures.append(f"{binary}: {so} ({path}) is in package {pkg}, which the runtime stage does not install")
            print(f"  {so:28} {pkg:24} {how}")
    unused = [p for p in runtime_pkgs if p not in used and p != "ca-certificates"]
    if unused:
        print(f"note: runtime packages no checked binary links directly: {unused} "
              "(libcurl4: src/k8s and src/prom, which `podpilot operator` links)")
    if failures:
        print("\n".join("FAIL: " + f for f in failures))
        return 1
    print(f"PASS: {len(build_pkgs)} build and {len(runtime_pkgs)} runtime apt packages exist in bookworm; "
          f"build deps within scripts/setup; CMake options exist; runtime libraries of {len(binaries)} binaries covered")
    return 0


if __name__ == "__main__":
    sys.exit(main())
