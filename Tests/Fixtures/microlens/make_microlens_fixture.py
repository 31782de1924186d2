#!/usr/bin/env python3
"""Writes the tiny MicroLens-shaped fixture (invented content, NOT real MicroLens data).

Run from the repository root:  python3 Tests/Fixtures/microlens/make_microlens_fixture.py
Needs only the Python standard library and Debian's libsndfile1 (for the one FLAC file, through
ctypes). Python 3.11.7, libsndfile 1.2.0. Output is byte-identical on every run.

The interaction pattern is designed so that the k-core with users >= 3 and items >= 3 can be
worked out by hand (see README.md): a core of users 1-15 over items 1001-1027, and a cascade
over users 16-20 and items 1028-1030 that the filter removes in five rounds. Item 1031 has
interactions but no audio file; user 20 views item 1009 twice; user 5 has two interactions
with the same timestamp.
"""
import ctypes
import math
import os
import struct
import wave

HERE = os.path.dirname(os.path.abspath(__file__))
T0 = 1_650_000_000_000  # milliseconds


def sequences():
    """user -> items in intended time order (duplicates included)."""
    seq = {}
    for u in range(1, 13):  # every core item gets exactly 3 core users, every core user 6 items
        seq[u] = [1001 + ((2 * u - 2 + j) % 24) for j in range(6)]
    for u, extra in ((13, 1001), (14, 1002), (15, 1003)):
        seq[u] = [1025, 1026, 1027, extra]
    seq[16] = [1028, 1029, 1004]
    seq[17] = [1028, 1029, 1006, 1007]
    seq[18] = [1029, 1030, 1008]
    seq[19] = [1030, 1009, 1010, 1031, 1011]
    seq[20] = [1030, 1009, 1031, 1010, 1009, 1011]  # 1009 again: a duplicate
    return seq


def timestamp(user, position):
    if user == 5 and position == 3:
        return timestamp(5, 2)  # a tie, broken by file order
    return T0 + (position * 100 + user * 3) * 1000


def write_pairs(seq):
    rows = [(u, item, timestamp(u, p)) for u, items in seq.items() for p, item in enumerate(items)]
    # File order is by (item, user, time), not by time: the loader must sort.
    rows.sort(key=lambda r: (r[1], r[0], r[2]))
    with open(os.path.join(HERE, "MicroLens-100k_pairs.csv"), "w", newline="") as f:
        f.write("user,item,timestamp\n")
        for u, item, t in rows:
            f.write(f"{u},{item},{t}\n")
    # TSV: one line per user, items in time order (ties: CSV file order), no header, no times.
    order = {r: k for k, r in enumerate(rows)}
    with open(os.path.join(HERE, "MicroLens-100k_pairs.tsv"), "w", newline="") as f:
        for u in sorted(seq):
            mine = sorted((r for r in rows if r[0] == u), key=lambda r: (r[2], order[r]))
            f.write(f"{u}\t" + " ".join(str(r[1]) for r in mine) + "\n")
    dup_line = [k + 2 for k, r in enumerate(rows) if r[0] == 20 and r[1] == 1009][1]
    return len(rows), dup_line


TITLES = {
    1001: "Morning run by the river",
    1002: 'He said "hello", then left',          # quotes and a comma: RFC 4180 quoted
    1003: "今天的晚餐 #美食 #日常 🍜",
    1004: "cats, dogs and more",                  # written unquoted: comma kept by first-comma split
    1005: "line one\nline two",                   # a quoted title across two lines
    1006: "😀😀 #搞笑 #funny",
    1007: "",                                     # an empty title
    1031: "item with no audio",
    1099: "a title whose item nobody watched",
}


def title(item):
    return TITLES.get(item, f"video {item} #tag{item % 5}")


def write_titles():
    with open(os.path.join(HERE, "MicroLens-100k_title_en.csv"), "w", newline="", encoding="utf-8") as f:
        f.write("\ufeff")  # a byte order mark, as spreadsheet exports write
        f.write("item,title\r\n")  # CRLF line ends
        for item in list(range(1001, 1032)) + [1099]:
            if item == 1027:
                continue  # an item with interactions and no title
            t = title(item)
            if item == 1004:
                f.write(f"{item},{t}\r\n")
            elif item in (1001, 1003, 1006):
                f.write(f"{item},{t}\r\n")
            else:
                f.write(f'{item},"' + t.replace('"', '""') + '"\r\n')


def tone(item, rate, frames):
    f0 = 200.0 + 10.0 * (item - 1000)
    return [0.3 * math.sin(2 * math.pi * f0 * n / rate) for n in range(frames)]


def write_wav(path, item, rate=16000, channels=1, seconds=0.05):
    frames = int(rate * seconds)
    x = tone(item, rate, frames)
    pcm = b"".join(struct.pack("<h", int(round(v * 32767))) * channels for v in x)
    with wave.open(path, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm)


class SFInfo(ctypes.Structure):
    _fields_ = [("frames", ctypes.c_int64), ("samplerate", ctypes.c_int), ("channels", ctypes.c_int),
                ("format", ctypes.c_int), ("sections", ctypes.c_int), ("seekable", ctypes.c_int)]


def write_flac(path, item, rate=22050, seconds=0.05):
    sf = ctypes.CDLL("libsndfile.so.1")
    sf.sf_open.restype = ctypes.c_void_p
    sf.sf_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(SFInfo)]
    sf.sf_write_short.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_short), ctypes.c_int64]
    sf.sf_close.argtypes = [ctypes.c_void_p]
    info = SFInfo(0, rate, 1, 0x170000 | 0x0002, 0, 0)  # SF_FORMAT_FLAC | SF_FORMAT_PCM_16
    handle = sf.sf_open(path.encode(), 0x20, ctypes.byref(info))  # SFM_WRITE
    if not handle:
        raise SystemExit(f"libsndfile cannot write {path}")
    x = tone(item, rate, int(rate * seconds))
    buf = (ctypes.c_short * len(x))(*[int(round(v * 32767)) for v in x])
    sf.sf_write_short(handle, buf, len(x))
    sf.sf_close(handle)


def write_audio():
    audio = os.path.join(HERE, "audio")
    os.makedirs(audio, exist_ok=True)
    for name in os.listdir(audio):
        os.remove(os.path.join(audio, name))
    for item in range(1001, 1031):  # 1031 has none
        path = os.path.join(audio, f"{item}")
        if item == 1027:
            write_wav(path + ".wav", item, rate=44100, channels=2)  # like raw MicroLens: 44.1 kHz stereo
        elif item == 1028:
            write_flac(path + ".flac", item)
        else:
            write_wav(path + ".wav", item)
    with open(os.path.join(audio, "notes.txt"), "w") as f:
        f.write("not audio: the loader ignores names without an integer stem and counts them\n")


def main():
    seq = sequences()
    n, dup_line = write_pairs(seq)
    write_titles()
    write_audio()
    print(f"{n} interactions; duplicate (20, 1009) on CSV line {dup_line}")


if __name__ == "__main__":
    main()
