#!/usr/bin/env python3
"""Cross-language check of HDF5Storage against h5py (run by Tests/HDF5StorageTests/InteropTests).

    python3 Tests/Interop/h5py_interop.py check-swift FILE   # FILE was written by Swift: verify it
    python3 Tests/Interop/h5py_interop.py write-python FILE  # write FILE with h5py for Swift to verify

The expected contents are spelled out here and, independently, in InteropTests.swift. Exit status:
0 all values match, 1 a mismatch (each printed on stderr), 3 h5py or numpy is not installed.
Needs numpy and h5py (pinned in requirements/ci.txt, installed by `make deps`).
"""
import sys

try:
    import h5py
    import numpy as np
except ImportError as exc:  # the Swift test turns this into a failure with this message
    print(f"h5py_interop.py: {exc}; install the CI requirements with `make deps`", file=sys.stderr)
    sys.exit(3)

failures = []


def check(label, ok, detail=""):
    if not ok:
        failures.append(f"{label}: {detail}")


def check_array(f, name, dtype, expected):
    if name not in f:
        failures.append(f"{name}: missing")
        return
    d = f[name]
    check(name, d.dtype == np.dtype(dtype), f"dtype {d.dtype}, expected {dtype}")
    check(name, d.shape == expected.shape, f"shape {d.shape}, expected {expected.shape}")
    got = d[()]
    check(name, np.array_equal(np.asarray(got), expected), f"values {got!r}, expected {expected!r}")


def check_attr(obj, name, expected, kind):
    if name not in obj.attrs:
        failures.append(f"{obj.name} attribute {name}: missing")
        return
    got = obj.attrs[name]
    label = f"{obj.name} attribute {name}"
    if kind == "str":
        check(label, isinstance(got, str) and got == expected, f"{got!r} ({type(got).__name__}), expected {expected!r}")
    elif kind == "int":
        check(label, isinstance(got, np.integer) and np.ndim(got) == 0 and int(got) == expected, f"{got!r}")
    elif kind == "float":
        check(label, isinstance(got, np.floating) and np.ndim(got) == 0 and float(got) == expected, f"{got!r}")
    elif kind == "ints":
        check(label, isinstance(got, np.ndarray) and got.dtype.kind == "i" and got.tolist() == expected, f"{got!r}")
    elif kind == "floats":
        check(label, isinstance(got, np.ndarray) and got.dtype.kind == "f" and got.tolist() == expected, f"{got!r}")


def collect_names(f):
    names = []
    f.visit(names.append)
    return names


def check_swift(path):
    with h5py.File(path, "r") as f:
        check_array(f, "numbers/f32", "<f4", (np.arange(24, dtype=np.float32) * np.float32(0.25) - np.float32(3)).reshape(2, 3, 4))
        check_array(f, "numbers/f64", "<f8", (np.arange(6, dtype=np.float64) / 7).reshape(3, 2))
        check_array(f, "numbers/i32", "<i4", np.array([-(2**31), -1, 0, 1, 2**31 - 1], dtype=np.int32))
        check_array(f, "numbers/i64", "<i8", np.array([-(2**63), -(2**40), 0, 2**40, 2**63 - 1, 7], dtype=np.int64).reshape(1, 2, 3))
        check_array(f, "u8", "|u1", np.arange(256, dtype=np.uint8).reshape(16, 16))
        check_array(f, "scalar", "<f8", np.array(np.pi))
        check_array(f, "empty", "<f4", np.zeros((3, 0), dtype=np.float32))
        check_array(f, "compressed", "<f4", ((np.arange(10000) % 97) * 0.5).astype(np.float32).reshape(200, 50))
        if "u8" in f:
            check("u8 compression", f["u8"].compression == "gzip" and f["u8"].compression_opts == 4,
                  f"{f['u8'].compression} {f['u8'].compression_opts}")
        if "compressed" in f:
            check("compressed chunks", f["compressed"].chunks is not None, "not chunked")
        if "text/titles" in f:
            titles = f["text/titles"]
            check("text/titles dtype", h5py.check_string_dtype(titles.dtype) is not None, str(titles.dtype))
            got = [s for s in titles.asstr()[()]]
            want = ["plain", "", "héllo wörld", "音频与文本", "emoji 🎵 #tag"]
            check("text/titles", got == want, f"{got!r}")
        else:
            failures.append("text/titles: missing")
        check_attr(f, "format_version", 1, "int")
        check_attr(f, "name", "ATFLRec — 音频", "str")
        check_attr(f, "lr", 1e-4, "float")
        check_attr(f, "shape", [2, 3, -4], "ints")
        check_attr(f, "scales", [0.5, -1e-300], "floats")
        if "numbers" in f:
            check_attr(f["numbers"], "units", "none", "str")
        if "numbers/f32" in f:
            check_attr(f["numbers/f32"], "scale", 0.25, "float")
        check("root members", sorted(f.keys()) == ["compressed", "empty", "numbers", "scalar", "text", "u8"], f"{sorted(f.keys())}")
        # No object header records a time (HDF5Writer turns time tracking off), so equal content
        # gives equal bytes: every group and dataset, the root and the implicit parents included.
        timed = []
        for name in ["/"] + sorted(collect_names(f)):
            info = h5py.h5o.get_info(f[name].id)
            if info.mtime or info.ctime or info.atime or info.btime:
                timed.append(f"{name} (mtime {info.mtime})")
        check("untimed objects", not timed, ", ".join(timed))


def write_python(path):
    with h5py.File(path, "w") as f:
        f.create_dataset("data/f32", data=(np.arange(20, dtype=np.float32) * np.float32(0.5)).reshape(4, 5),
                         chunks=(2, 5), compression="gzip", compression_opts=5)
        f.create_dataset("data/f64", data=np.array([0.1, 0.2, 1e300]))
        f.create_dataset("data/i64", data=np.int64(2**53 + 1))
        f.create_dataset("data/i32", data=np.array([[1, -2], [3, -4]], dtype=np.int32))
        f.create_dataset("data/u8", data=np.array([0, 128, 255], dtype=np.uint8))
        f.create_dataset("data/i16", data=np.array([-5, 0, 5], dtype=np.int16))
        f.create_dataset("data/empty", data=np.zeros((0,), dtype=np.float64))
        f.create_dataset("text/vlen", data=["a", "ü", "音频"], dtype=h5py.string_dtype("utf-8"))
        f.create_dataset("text/fixed", data=np.array([b"ab", b"cdefg"], dtype="S5"))
        f.create_group("deep/er/group")
        f.attrs["format_version"] = np.int64(2)
        f.attrs["title"] = "héllo"
        f.attrs["lr"] = 3e-4
        f.attrs["dims"] = np.array([1, 2, 3], dtype=np.int32)
        f.attrs["weights"] = np.array([0.5, 1.5])
        f.attrs["f32"] = np.float32(0.1)
        f.attrs["fixed_bytes"] = np.bytes_(b"fixed")
        f["data"].attrs["kind"] = "numbers"
        f["data/f32"].attrs["unit"] = "half"


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("check-swift", "write-python"):
        print(__doc__, file=sys.stderr)
        return 2
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "write-python":
        write_python(path)
        return 0
    check_swift(path)
    for line in failures:
        print(f"h5py_interop.py: mismatch: {line}", file=sys.stderr)
    print(f"h5py {h5py.__version__} (HDF5 {h5py.version.hdf5_version}): {len(failures)} mismatches")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
