#!/usr/bin/env python3
"""Reads a podpilot model file (safetensors) with Python's own parsing and shows what it holds.

An independent reader of the format that src/policy/learned/ writes (safetensors.h and
model_file.h there describe it): it shares no code with the C++ reader, so agreement between the
two (tests/learned/run_test.sh) checks both. Needs python3 and numpy only.

    safetensors_check.py MODEL                   # metadata (pretty JSON) and a summary per tensor
    safetensors_check.py MODEL --values          # ... with every value
    safetensors_check.py MODEL --json            # one JSON object: metadata and tensors (lists)
    safetensors_check.py MODEL --forward 0.1,0.2,...   # run the policy on a raw feature vector
    safetensors_check.py MODEL --forward @x.json       # ... read from a JSON list (or {"features": [...]})

--forward prints {"logits": [...], "actions": [...]}: features normalised with the file's mean/std
(and clip), hidden layers h = act(h @ W.T + b) (PyTorch's nn.Linear convention, W is [out, in]),
the action layer(s), then argmax per head (the first maximum on ties, as torch.argmax). The
arithmetic is float64, like the C++ runtime (mlp.h).

Exit status: 0 when the file is a valid podpilot model, 1 when it is not (with the reason on
stderr, naming the file), 2 on bad usage, 3 when numpy is missing.
"""

import argparse
import json
import struct
import sys

try:
    import numpy as np
except ImportError:  # pragma: no cover - depends on the machine
    np = None

MAX_HEADER = 100_000_000  # the reference implementation's limit
FORMAT_VERSION = 1
DTYPES = {"BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64",
          "I64", "U64"}


class ModelError(Exception):
    """The file is not a valid podpilot model; the message says why."""


def read_safetensors(path):
    """Returns (metadata dict, {name: float32 ndarray}) or raises ModelError."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ModelError(f"truncated: {len(data)} bytes, but a safetensors file starts with an 8-byte header length")
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8:
        raise ModelError(f"header length {n} is beyond the end of the file ({len(data) - 8} bytes follow the length)")
    if n > MAX_HEADER:
        raise ModelError(f"header length {n} exceeds the {MAX_HEADER} byte limit")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ModelError(f"header is not valid JSON: {e}") from None
    if not isinstance(header, dict):
        raise ModelError("header is not a JSON object")
    buf = memoryview(data)[8 + n:]
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise ModelError("__metadata__ must map names to strings")
    spans, tensors = [], {}
    for name, entry in header.items():
        where = f"tensor '{name}'"
        if not isinstance(entry, dict) or not {"dtype", "shape", "data_offsets"} <= entry.keys():
            raise ModelError(f"{where}: needs dtype, shape and data_offsets")
        dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        if dtype != "F32":
            known = "is not supported" if dtype in DTYPES else "is not a safetensors dtype"
            raise ModelError(f"{where}: dtype '{dtype}' {known}; podpilot model files hold F32 tensors only")
        if not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape):
            raise ModelError(f"{where}: bad shape {shape!r}")
        if (not isinstance(offsets, list) or len(offsets) != 2 or not all(isinstance(o, int) and o >= 0 for o in offsets)
                or offsets[0] > offsets[1]):
            raise ModelError(f"{where}: bad data_offsets {offsets!r}")
        begin, end = offsets
        if end > len(buf):
            raise ModelError(f"{where}: data_offsets [{begin}, {end}] extend past the end of the data buffer "
                             f"({len(buf)} bytes); is the file truncated?")
        count = 1
        for d in shape:
            count *= d
        if count * 4 != end - begin:
            raise ModelError(f"{where}: data_offsets [{begin}, {end}] hold {end - begin} bytes but shape {shape} "
                             f"of F32 needs {count * 4}")
        spans.append((begin, end, name))
        tensors[name] = np.frombuffer(buf[begin:end], dtype="<f4").reshape(shape)
    covered = 0
    for begin, end, name in sorted(spans):
        if begin != covered:
            raise ModelError(f"tensor '{name}' starts at byte {begin} of the data buffer but the previous tensor "
                             f"ends at byte {covered} (a hole or an overlap)")
        covered = end
    if covered != len(buf):
        raise ModelError(f"the data buffer holds {len(buf)} bytes but the tensors cover {covered} (trailing bytes)")
    return metadata, tensors


def _json_meta(metadata, key):
    if key not in metadata:
        raise ModelError(f"missing metadata '{key}'")
    try:
        return json.loads(metadata[key])
    except json.JSONDecodeError as e:
        raise ModelError(f"metadata {key} is not valid JSON: {e}") from None


def load_model(path):
    """Reads and checks a podpilot model; returns a dict with metadata, tensors and parsed layouts."""
    metadata, tensors = read_safetensors(path)
    version = metadata.get("podpilot_format_version")
    if version is None:
        raise ModelError("not a podpilot model: metadata 'podpilot_format_version' is missing")
    if not version.isdigit():
        raise ModelError(f"metadata 'podpilot_format_version' is '{version}', not an integer")
    if int(version) > FORMAT_VERSION:
        raise ModelError(f"model format version {version} is newer than this reader ({FORMAT_VERSION})")
    features = _json_meta(metadata, "podpilot_features")
    actions = _json_meta(metadata, "podpilot_actions")
    arch = _json_meta(metadata, "podpilot_architecture")
    if arch.get("type") != "mlp":
        raise ModelError(f"architecture type {arch.get('type')!r} is not 'mlp'")
    names = features.get("names", [])
    if arch["input"] != len(names):
        raise ModelError(f"architecture input {arch['input']} but the feature layout has {len(names)} features")
    choices = len(actions["deltas"] if actions["mode"] == "delta" else actions["setpoints"])
    if arch["heads"] != [choices] * actions["num_targets"]:
        raise ModelError(f"architecture heads {arch['heads']} differ from the action layout")
    expected, width = [], arch["input"]
    for i, h in enumerate(arch["hidden"]):
        expected.append((f"policy.{i}", width, h))
        width = h
    if arch["logits"] == "concat":
        expected.append(("action", width, sum(arch["heads"])))
    else:
        expected += [(f"action.{k}", width, h) for k, h in enumerate(arch["heads"])]
    layers = []
    for prefix, fan_in, fan_out in expected:
        w, b = tensors.get(prefix + ".weight"), tensors.get(prefix + ".bias")
        if w is None or b is None:
            raise ModelError(f"missing tensor '{prefix}.weight' or '{prefix}.bias'")
        if w.shape != (fan_out, fan_in) or b.shape != (fan_out,):
            raise ModelError(f"layer '{prefix}' has shapes {list(w.shape)} and {list(b.shape)}, "
                             f"the architecture needs [{fan_out}, {fan_in}] and [{fan_out}]")
        if not (np.isfinite(w).all() and np.isfinite(b).all()):
            raise ModelError(f"layer '{prefix}' holds a non-finite value")
        layers.append((w, b))
    used = {p + s for p, _, _ in expected for s in (".weight", ".bias")}
    for name in tensors:
        if name not in used and not name.startswith("value."):
            raise ModelError(f"unexpected tensor '{name}'")
    norm = features.get("normalization")
    if norm is not None and not (len(norm["mean"]) == len(norm["std"]) == len(names)):
        raise ModelError("normalization mean/std do not have one value per feature")
    return {"metadata": metadata, "tensors": tensors, "features": features, "actions": actions, "arch": arch,
            "layers": layers}


def forward(model, x):
    """Logits (float64 list) and argmax per head for raw features x."""
    h = np.asarray(x, dtype=np.float64)
    if h.shape != (model["arch"]["input"],):
        raise ModelError(f"--forward needs {model['arch']['input']} features, got {h.size}")
    norm = model["features"].get("normalization")
    if norm is not None:
        h = (h - np.asarray(norm["mean"], np.float32).astype(np.float64)) / np.asarray(norm["std"], np.float32).astype(np.float64)
        clip = float(np.float32(norm.get("clip", 0)))
        if clip > 0:
            h = np.clip(h, -clip, clip)
    n_hidden = len(model["arch"]["hidden"])
    for w, b in model["layers"][:n_hidden]:
        h = h @ w.astype(np.float64).T + b.astype(np.float64)
        h = np.tanh(h) if model["arch"]["activation"] == "tanh" else np.maximum(h, 0.0)
    logits = np.concatenate([h @ w.astype(np.float64).T + b.astype(np.float64) for w, b in model["layers"][n_hidden:]])
    actions, off = [], 0
    for k in model["arch"]["heads"]:
        actions.append(int(np.argmax(logits[off:off + k])))
        off += k
    return logits.tolist(), actions


def _pretty(value, indent):
    """JSON with one key per line but lists of numbers or strings kept on one line."""
    pad = "  " * indent
    if isinstance(value, dict) and value:
        items = [f"{pad}  {json.dumps(k)}: {_pretty(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    return json.dumps(value)


def _print_human(model, values):
    print("metadata:")
    for key, value in sorted(model["metadata"].items()):
        try:
            parsed = json.loads(value)
            text = _pretty(parsed, 1) if isinstance(parsed, dict) else value
        except json.JSONDecodeError:
            text = value
        print(f"  {key}: {text}")
    print("tensors:")
    for name, t in sorted(model["tensors"].items()):
        stats = f"min {t.min():.6g} max {t.max():.6g} mean {t.mean():.6g}" if t.size else "empty"
        print(f"  {name}: F32 {list(t.shape)}  {stats}")
        if values:
            print("    " + np.array2string(t, threshold=sys.maxsize, precision=9).replace("\n", "\n    "))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model")
    parser.add_argument("--json", action="store_true", help="print metadata and tensors as one JSON object")
    parser.add_argument("--values", action="store_true", help="print every tensor value")
    parser.add_argument("--forward", metavar="FEATURES", help="comma-separated raw features, or @file.json")
    args = parser.parse_args(argv)
    if np is None:
        print("safetensors_check: numpy is required (python3 -m pip install numpy, or apt-get install python3-numpy)",
              file=sys.stderr)
        return 3
    try:
        model = load_model(args.model)
        if args.forward is not None:
            if args.forward.startswith("@"):
                with open(args.forward[1:]) as f:
                    x = json.load(f)
                x = x["features"] if isinstance(x, dict) else x
            else:
                x = [float(v) for v in args.forward.split(",")]
            logits, actions = forward(model, x)
            print(json.dumps({"logits": logits, "actions": actions}))
        elif args.json:
            print(json.dumps({"metadata": model["metadata"],
                              "tensors": {n: {"shape": list(t.shape), "data": [float(v) for v in t.ravel()]}
                                          for n, t in model["tensors"].items()}}))
        else:
            _print_human(model, args.values)
    except (ModelError, KeyError, TypeError, ValueError) as e:
        print(f"safetensors_check: {args.model}: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"safetensors_check: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
