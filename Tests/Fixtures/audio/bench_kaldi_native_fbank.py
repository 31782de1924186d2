#!/usr/bin/env python3
"""kaldi-native-fbank 1.23.0 on the clip the Swift FBank benchmark wrote, and the speed ratio.

Run by `make bench` after `atflrec-bench fbank` (see make/audio.mk). Same options as the Swift
side: 16 kHz, 25/10 ms, povey, 80 bins, dither 0, Kaldi defaults otherwise. Timed: building the
OnlineFbank, feeding the whole clip, and collecting all frames as one numpy array, as a Python
user would; the median of 20 runs.
"""
import json
import sys
import time
import wave

import kaldi_native_fbank as knf
import numpy as np

swift = json.load(open(sys.argv[1]))
with wave.open(swift["clip"], "rb") as w:
    x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / np.float32(32768)


def run(collect=True):
    o = knf.FbankOptions()
    o.frame_opts.dither = 0.0
    o.frame_opts.samp_freq = 16000
    o.mel_opts.num_bins = 80
    f = knf.OnlineFbank(o)
    f.accept_waveform(16000, x)
    f.input_finished()
    if not collect:
        return f.num_frames_ready
    return np.stack([f.get_frame(i) for i in range(f.num_frames_ready)])


run()
times = []
for _ in range(20):
    t = time.perf_counter()
    feats = run()
    times.append((time.perf_counter() - t) * 1000)
times.sort()
med = times[len(times) // 2]
core = []
for _ in range(20):
    t = time.perf_counter()
    run(collect=False)
    core.append((time.perf_counter() - t) * 1000)
core.sort()
core_med = core[len(core) // 2]
assert feats.shape[0] == swift["frames"], (feats.shape, swift["frames"])
print(f"fbank   kaldi-native-fbank {knf.__version__} from Python, same clip: {med:.2f} ms median "
      f"({len(x) / 16000 / (med / 1000):.0f} s of audio per s)")
print(f"fbank   kaldi-native-fbank without collecting the frames into numpy: {core_med:.2f} ms median")
print(f"fbank   ratio kaldi-native-fbank (compute only) / swift = {core_med / swift['median_ms']:.1f}x")
print(f"fbank   ratio kaldi-native-fbank / swift = {med / swift['median_ms']:.1f}x (goal >= 2x)")
