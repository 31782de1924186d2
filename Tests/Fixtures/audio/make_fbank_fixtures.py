#!/usr/bin/env python3
"""Golden fixtures for the Swift FBank (AudioFeatures) from two independent Kaldi ports.

Pins (see README.md in this folder for how to run):
  kaldi-native-fbank==1.23.0   (requirements/fixtures.txt)
  torch==2.13.0+cpu            (requirements/fixtures.txt; CPU wheel from pip's find-links)
  torchaudio==2.11.0           (wheel torchaudio-2.11.0-cp311-cp311-manylinux_2_28_x86_64.whl,
                                sha256 1a07ec72fd6f26a588c39b5f029e0130d16bb40bc4221635580bf8fb18fcbc80;
                                only the pure-Python torchaudio.compliance.kaldi is used; the wheel's
                                native libraries are built for torch 2.11 and are left out on purpose)
  h5py==3.16.0, numpy==2.4.6
  Debian: libsndfile1 1.2.0 and libsamplerate0 0.2.2 (called through ctypes, for the real clip only),
          sonic-pi-samples 3.2.2 (only to cut the committed CC0 clip; not needed once it is committed)

Every FBank option is set explicitly for both libraries (their defaults differ: dither, energy
floor). Dither is always 0 here: both libraries draw dither from their own generators, which we do
not replicate; the Swift dither path is tested separately.

Output: fbank_golden.h5 (format_version 1), layout documented in README.md.
"""
import argparse
import ctypes
import ctypes.util
import hashlib
import os
import sys
import wave

import h5py
import numpy as np

FORMAT_VERSION = 1
HERE = os.path.dirname(os.path.abspath(__file__))
CLIP_SOURCE = "/usr/share/sonic-pi/samples/loop_amen_full.flac"
CLIP_NAME = "amen_full_2s_44k1_stereo.wav"
CLIP_SECONDS = 2.0

# Kaldi option names (as in kaldi-native-fbank's FbankOptions) and the values used unless a case
# overrides them. These are also the attribute names stored with each case.
BASE = dict(
    samp_freq=16000.0, frame_length_ms=25.0, frame_shift_ms=10.0, dither=0.0,
    preemph_coeff=0.97, remove_dc_offset=True, window_type="povey",
    round_to_power_of_two=True, blackman_coeff=0.42, snip_edges=True,
    num_bins=80, low_freq=20.0, high_freq=0.0,
    use_energy=False, energy_floor=0.0, raw_energy=True, use_log_fbank=True, use_power=True,
)


# ---------------------------------------------------------------- signals (float32, in [-1, 1])

def tone(freqs, seconds, sr=16000, amp=0.5):
    t = np.arange(int(round(seconds * sr)), dtype=np.float64) / sr
    x = sum(np.sin(2 * np.pi * f * t) for f in freqs) * (amp / len(freqs))
    return x.astype(np.float32)


def chirp(seconds, f0, f1, sr=16000, amp=0.3):
    t = np.arange(int(round(seconds * sr)), dtype=np.float64) / sr
    phase = 2 * np.pi * (f0 * t + 0.5 * (f1 - f0) / seconds * t * t)
    return (amp * np.sin(phase)).astype(np.float32)


def noise(seconds, seed, sr=16000, std=0.1):
    rng = np.random.default_rng(seed)  # numpy PCG64; the samples are stored, so any generator works
    return (std * rng.standard_normal(int(round(seconds * sr)))).astype(np.float32)


# ---------------------------------------------------------------- real clip (libsndfile, libsamplerate)

class SF_INFO(ctypes.Structure):
    _fields_ = [("frames", ctypes.c_int64), ("samplerate", ctypes.c_int), ("channels", ctypes.c_int),
                ("format", ctypes.c_int), ("sections", ctypes.c_int), ("seekable", ctypes.c_int)]


class SRC_DATA(ctypes.Structure):
    _fields_ = [("data_in", ctypes.POINTER(ctypes.c_float)), ("data_out", ctypes.POINTER(ctypes.c_float)),
                ("input_frames", ctypes.c_long), ("output_frames", ctypes.c_long),
                ("input_frames_used", ctypes.c_long), ("output_frames_gen", ctypes.c_long),
                ("end_of_input", ctypes.c_int), ("src_ratio", ctypes.c_double)]


def cut_clip(path):
    """Cuts the first CLIP_SECONDS of the CC0 sample as 16-bit PCM WAV, keeping rate and channels."""
    sf = ctypes.CDLL(ctypes.util.find_library("sndfile"))
    sf.sf_open.restype = ctypes.c_void_p
    sf.sf_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(SF_INFO)]
    sf.sf_readf_short.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_short), ctypes.c_int64]
    sf.sf_readf_short.restype = ctypes.c_int64
    sf.sf_close.argtypes = [ctypes.c_void_p]
    info = SF_INFO()
    handle = sf.sf_open(CLIP_SOURCE.encode(), 0x10, ctypes.byref(info))  # SFM_READ
    if not handle:
        sys.exit(f"{CLIP_SOURCE}: cannot open (apt-get install sonic-pi-samples)")
    n = int(CLIP_SECONDS * info.samplerate)
    buf = (ctypes.c_short * (n * info.channels))()
    got = sf.sf_readf_short(handle, buf, n)
    sf.sf_close(handle)
    assert got == n, (got, n)
    with wave.open(path + ".tmp", "wb") as w:
        w.setnchannels(info.channels)
        w.setsampwidth(2)
        w.setframerate(info.samplerate)
        w.writeframes(bytes(buf))
    os.replace(path + ".tmp", path)


def read_wav(path):
    """PCM16 WAV -> float32 [frames, channels] scaled by 1/32768 (as libsndfile normalises)."""
    with wave.open(path, "rb") as w:
        ch, sr, n = w.getnchannels(), w.getframerate(), w.getnframes()
        data = np.frombuffer(w.readframes(n), dtype="<i2").reshape(n, ch)
    return data.astype(np.float32) / np.float32(32768.0), sr


def resample(x, ratio):
    """libsamplerate src_simple, SRC_SINC_BEST_QUALITY, mono float32, end of input set."""
    src = ctypes.CDLL(ctypes.util.find_library("samplerate"))
    src.src_simple.argtypes = [ctypes.POINTER(SRC_DATA), ctypes.c_int, ctypes.c_int]
    x = np.ascontiguousarray(x, dtype=np.float32)
    capacity = int(np.ceil(len(x) * ratio)) + 1
    out = np.zeros(capacity, dtype=np.float32)
    d = SRC_DATA(x.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), out.ctypes.data_as(ctypes.POINTER(ctypes.c_float)),
                 len(x), capacity, 0, 0, 1, ratio)
    err = src.src_simple(ctypes.byref(d), 0, 1)
    assert err == 0, err
    return out[: d.output_frames_gen].copy()


# ---------------------------------------------------------------- references

def knf_fbank(x, o):
    import kaldi_native_fbank as knf
    opts = knf.FbankOptions()
    f = opts.frame_opts
    f.samp_freq, f.frame_length_ms, f.frame_shift_ms = o["samp_freq"], o["frame_length_ms"], o["frame_shift_ms"]
    f.dither, f.preemph_coeff, f.remove_dc_offset = o["dither"], o["preemph_coeff"], o["remove_dc_offset"]
    f.window_type, f.round_to_power_of_two = o["window_type"], o["round_to_power_of_two"]
    f.blackman_coeff, f.snip_edges = o["blackman_coeff"], o["snip_edges"]
    m = opts.mel_opts
    m.num_bins, m.low_freq, m.high_freq = o["num_bins"], o["low_freq"], o["high_freq"]
    opts.use_energy, opts.energy_floor, opts.raw_energy = o["use_energy"], o["energy_floor"], o["raw_energy"]
    opts.use_log_fbank, opts.use_power, opts.htk_compat = o["use_log_fbank"], o["use_power"], False
    fb = knf.OnlineFbank(opts)
    fb.accept_waveform(o["samp_freq"], x.tolist())
    fb.input_finished()
    dim = o["num_bins"] + (1 if o["use_energy"] else 0)
    rows = [np.asarray(fb.get_frame(i), dtype=np.float32) for i in range(fb.num_frames_ready)]
    feats = np.stack(rows) if rows else np.zeros((0, dim), np.float32)
    banks = knf.MelBanks(m, f, 1.0)
    window = np.asarray(knf.FeatureWindowFunction(f).window, dtype=np.float32)
    return feats, np.asarray(banks.get_matrix(), dtype=np.float32), window


def ta_kwargs(o):
    return dict(
        sample_frequency=o["samp_freq"], frame_length=o["frame_length_ms"], frame_shift=o["frame_shift_ms"],
        dither=o["dither"], preemphasis_coefficient=o["preemph_coeff"], remove_dc_offset=o["remove_dc_offset"],
        window_type=o["window_type"], round_to_power_of_two=o["round_to_power_of_two"],
        blackman_coeff=o["blackman_coeff"], snip_edges=o["snip_edges"], num_mel_bins=o["num_bins"],
        low_freq=o["low_freq"], high_freq=o["high_freq"], use_energy=o["use_energy"],
        energy_floor=o["energy_floor"], raw_energy=o["raw_energy"], use_log_fbank=o["use_log_fbank"],
        use_power=o["use_power"], htk_compat=False, subtract_mean=False, vtln_warp=1.0,
        vtln_low=100.0, vtln_high=-500.0, min_duration=0.0, channel=-1)


def ta_fbank(x, o):
    import torch
    import torchaudio.compliance.kaldi as K
    return K.fbank(torch.from_numpy(x)[None], **ta_kwargs(o)).numpy().astype(np.float32)


def ta_stages(x, o):
    """Intermediate stages from torchaudio's pipeline helpers (private functions of kaldi.py)."""
    import torch
    import torchaudio.compliance.kaldi as K
    w = torch.from_numpy(x)
    size = int(o["samp_freq"] * o["frame_length_ms"] * 0.001)
    shift = int(o["samp_freq"] * o["frame_shift_ms"] * 0.001)
    padded = K._next_power_of_2(size) if o["round_to_power_of_two"] else size
    frames = K._get_strided(w, size, shift, o["snip_edges"]).clone()
    windowed, log_energy = K._get_window(
        w, padded, size, shift, o["window_type"], o["blackman_coeff"], o["snip_edges"], o["raw_energy"],
        o["energy_floor"], o["dither"], o["remove_dc_offset"], o["preemph_coeff"])
    power = torch.fft.rfft(windowed).abs().pow(2.0)
    banks, _ = K.get_mel_banks(o["num_bins"], padded, o["samp_freq"], o["low_freq"], o["high_freq"], 100.0, -500.0, 1.0)
    return dict(frames=frames.numpy(), windowed_frames=windowed.numpy(), power_spectrum=power.numpy(),
                log_energy=log_energy.numpy(), mel_matrix_torchaudio=banks.numpy())


# ---------------------------------------------------------------- cases

def cases(real16k):
    sig = {
        "tone440": tone([440.0], 1.0),
        "tones3": tone([300.0, 1234.5, 5000.0], 0.5),
        "chirp": chirp(1.0, 50.0, 7900.0),
        "noise": noise(1.0, seed=1234),
        "silence_tone": np.concatenate([np.zeros(8000, np.float32), tone([1000.0], 0.5)]),
        "short300": tone([700.0], 300 / 16000),
        "tiny100": tone([700.0], 100 / 16000),
        "one_frame400": tone([523.25], 400 / 16000),
        "tone8k": tone([1000.0, 2500.0], 0.75, sr=8000),
        "real_amen16k": real16k,
    }
    c = []  # (name, signal, overrides, with_stages, with_torchaudio)
    c.append(("tone440_base", "tone440", {}, True, True))
    c.append(("tones3_hamming", "tones3", dict(window_type="hamming"), True, True))
    for bins in (23, 40, 64, 80):
        c.append((f"chirp_bins{bins}", "chirp", dict(num_bins=bins), bins == 40, True))
    # 128 bins leave some low bins without any FFT bin at 512 points (Kaldi refuses that);
    # a 50 ms frame (1024-point FFT) makes them valid.
    c.append(("chirp_bins128_frame50", "chirp", dict(num_bins=128, frame_length_ms=50.0), False, True))
    c.append(("chirp_low100_high7000", "chirp", dict(low_freq=100.0, high_freq=7000.0, num_bins=40), False, True))
    c.append(("chirp_high_minus400", "chirp", dict(high_freq=-400.0, num_bins=64), False, True))
    c.append(("noise_snipoff", "noise", dict(snip_edges=False), False, True))
    c.append(("noise_hanning", "noise", dict(window_type="hanning", num_bins=40), False, True))
    c.append(("noise_rectangular", "noise", dict(window_type="rectangular", num_bins=23), False, True))
    c.append(("noise_blackman", "noise", dict(window_type="blackman", num_bins=64), True, True))
    c.append(("noise_energy_raw", "noise", dict(use_energy=True, raw_energy=True), False, True))
    c.append(("noise_energy_windowed_floor1", "noise", dict(use_energy=True, raw_energy=False, energy_floor=1.0), True, True))
    c.append(("noise_linear", "noise", dict(use_log_fbank=False, num_bins=23), False, True))
    c.append(("noise_magnitude", "noise", dict(use_power=False, num_bins=40), False, True))
    c.append(("noise_nodc_nopreemph", "noise", dict(remove_dc_offset=False, preemph_coeff=0.0), False, True))
    c.append(("noise_no_pow2", "noise", dict(round_to_power_of_two=False), True, True))
    c.append(("noise_frame20_shift5", "noise", dict(frame_length_ms=20.0, frame_shift_ms=5.0, snip_edges=False), False, True))
    c.append(("silence_tone_base", "silence_tone", {}, True, True))
    c.append(("silence_tone_snipoff_energy", "silence_tone", dict(snip_edges=False, use_energy=True), False, True))
    c.append(("silence_tone_energy_floor1", "silence_tone", dict(use_energy=True, energy_floor=1.0), False, True))
    # torchaudio asserts the clip holds at least one frame, so clips shorter than a frame have
    # kaldi-native-fbank as their only reference.
    c.append(("short300_snipon", "short300", {}, False, False))
    c.append(("short300_snipoff", "short300", dict(snip_edges=False), False, False))
    c.append(("tiny100_snipoff", "tiny100", dict(snip_edges=False), False, False))
    c.append(("one_frame_snipon", "one_frame400", {}, True, True))
    c.append(("one_frame_snipoff", "one_frame400", dict(snip_edges=False), True, True))
    c.append(("tone8k_bins23", "tone8k", dict(samp_freq=8000.0, num_bins=23, high_freq=-200.0), True, True))
    c.append(("real_amen_base", "real_amen16k", {}, True, True))
    c.append(("real_amen_snipoff_hamming_energy", "real_amen16k",
              dict(snip_edges=False, window_type="hamming", use_energy=True, num_bins=40), False, True))
    return sig, c


def sweep_cases(n=40, seed=2026):
    """Random option sets and signals (numpy PCG64, fixed seed) beyond the hand-picked cases:
    8-48 kHz, frame shifts that are not whole milliseconds, FFT sizes that are not powers of two,
    every window, energy and floor variants. Power spectra only: with use_power = false the square
    root lifts FFT rounding noise of pure tones above -10, where even the two references disagree
    (see README)."""
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        sr = float(rng.choice([8000, 16000, 22050, 44100, 48000]))
        o = dict(BASE)
        o.update(
            samp_freq=sr, frame_length_ms=float(rng.choice([20, 25, 30, 32, 40])),
            frame_shift_ms=float(rng.choice([5, 10, 12.5, 15])), preemph_coeff=float(rng.choice([0.0, 0.97, 0.5])),
            remove_dc_offset=bool(rng.integers(2)), window_type=str(rng.choice(["povey", "hamming", "hanning", "rectangular", "blackman"])),
            round_to_power_of_two=bool(rng.integers(2)), blackman_coeff=float(rng.choice([0.42, 0.3])),
            snip_edges=bool(rng.integers(2)), num_bins=int(rng.choice([23, 40, 64, 80])),
            low_freq=float(rng.choice([0.0, 20.0, 60.0])), high_freq=float(rng.choice([0.0, -400.0, sr / 2 * 0.9])),
            use_energy=bool(rng.integers(2)), energy_floor=float(rng.choice([0.0, 1.0, 0.1])),
            raw_energy=bool(rng.integers(2)), use_log_fbank=bool(rng.random() < 0.85), use_power=True)
        count = int(rng.integers(int(0.05 * sr), int(0.3 * sr)))
        t = np.arange(count) / sr
        kind = int(rng.integers(4))
        if kind == 0:
            x = rng.standard_normal(count) * rng.choice([0.001, 0.1, 0.5])
        elif kind == 1:
            x = 0.4 * np.sin(2 * np.pi * rng.uniform(50, sr / 2.2) * t)
        elif kind == 2:
            x = 0.3 * np.sin(2 * np.pi * (100 * t + rng.uniform(100, sr / 3) * t * t))
        else:
            x = np.where(t < t[-1] / 2, 0.0, 0.5 * np.sin(2 * np.pi * 700 * t))
        x = x.astype(np.float32)
        size = int(sr * o["frame_length_ms"] * 0.001)
        if not o["round_to_power_of_two"] and size % 2 == 1:
            continue  # both libraries need an even FFT length (so does ours: a validated option)
        try:
            knf_fbank(x, o)
        except Exception:
            continue  # e.g. a mel bin without FFT bins: Kaldi refuses, a Swift test checks that
        out.append((f"sweep{len(out):02d}", x, o))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--torchaudio-dir", required=True, help="unpacked torchaudio 2.11.0 wheel (without lib/*.so)")
    ap.add_argument("--out", default=os.path.join(HERE, "fbank_golden.h5"))
    ap.add_argument("--remake-clip", action="store_true", help="cut the WAV clip again from sonic-pi-samples")
    args = ap.parse_args()
    sys.path.insert(0, args.torchaudio_dir)
    import kaldi_native_fbank
    import torch
    import torchaudio
    assert kaldi_native_fbank.__version__ == "1.23.0", kaldi_native_fbank.__version__
    assert torch.__version__ == "2.13.0+cpu", torch.__version__
    assert torchaudio.__version__.startswith("2.11.0"), torchaudio.__version__

    clip = os.path.join(HERE, CLIP_NAME)
    if args.remake_clip or not os.path.exists(clip):
        cut_clip(clip)
    stereo, sr = read_wav(clip)
    mono = stereo.mean(axis=1, dtype=np.float32)  # down-mix: mean of the channels, in float32
    real16k = resample(mono, 16000.0 / sr)

    sig, case_list = cases(real16k)
    tmp = args.out + ".tmp"
    with h5py.File(tmp, "w") as h:
        h.attrs["format_version"] = FORMAT_VERSION
        h.attrs["generator"] = "Tests/Fixtures/audio/make_fbank_fixtures.py"
        h.attrs["kaldi_native_fbank_version"] = str(kaldi_native_fbank.__version__)
        h.attrs["torch_version"] = str(torch.__version__)
        h.attrs["torchaudio_version"] = str(torchaudio.__version__)
        with open(clip, "rb") as fh:
            h.attrs["clip_sha256"] = hashlib.sha256(fh.read()).hexdigest()
        h.attrs["clip_file"] = CLIP_NAME
        h.attrs["clip_source"] = CLIP_SOURCE
        h.create_dataset("clip/downmixed", data=mono, compression="gzip")
        h.create_dataset("clip/resampled_16k", data=real16k, compression="gzip")
        h["clip"].attrs["source_rate"] = sr
        h["clip"].attrs["converter"] = "SRC_SINC_BEST_QUALITY"
        for name, x in sig.items():
            h.create_dataset(f"signals/{name}", data=x, compression="gzip")
        for wt in ("povey", "hamming", "hanning", "rectangular", "blackman"):
            o = dict(BASE, window_type=wt)
            _, _, window = knf_fbank(np.zeros(400, np.float32), o)
            h.create_dataset(f"windows/{wt}", data=window)
        for name, signal, over, stages, with_ta in case_list:
            o = dict(BASE, **over)
            x = sig[signal]
            g = h.create_group(f"cases/{name}")
            g.attrs["signal"] = signal
            for k, v in o.items():
                g.attrs[k] = (int(v) if isinstance(v, bool) else v)
            feats, mel_knf, _ = knf_fbank(x, o)
            g.create_dataset("knf_fbank", data=feats, compression="gzip")
            g.attrs["num_frames"] = feats.shape[0]
            line = f"{name:34s} frames={feats.shape[0]:4d}"
            if with_ta:
                ta = ta_fbank(x, o)
                g.create_dataset("torchaudio_fbank", data=ta, compression="gzip")
                assert ta.shape == feats.shape, (name, ta.shape, feats.shape)
                mask = (ta > -10) if o["use_log_fbank"] else np.ones_like(ta, bool)
                line += f" knf-vs-torchaudio max|d| above -10: {np.abs(ta - feats)[mask].max():.2e}"
            if stages:
                # Per-frame stages for at most 8 frames spread over the clip keep the file small.
                pick = np.unique(np.linspace(0, feats.shape[0] - 1, 8).round().astype(np.int64))
                g.create_dataset("stage_frame_index", data=pick)
                g.create_dataset("mel_matrix", data=mel_knf, compression="gzip")
                for k, v in ta_stages(x, o).items():
                    v = v if k.startswith("mel_matrix") else v[pick]
                    g.create_dataset(k, data=v.astype(np.float32), compression="gzip")
            print(line)
        worst = 0.0
        for name, x, o in sweep_cases():
            g = h.create_group(f"sweep/{name}")
            for k, v in o.items():
                g.attrs[k] = (int(v) if isinstance(v, bool) else v)
            g.create_dataset("signal", data=x, compression="gzip")
            feats, _, _ = knf_fbank(x, o)
            g.create_dataset("knf_fbank", data=feats, compression="gzip")
            if feats.shape[0] > 0 and len(x) >= int(o["samp_freq"] * o["frame_length_ms"] * 0.001):
                ta = ta_fbank(x, o)
                g.create_dataset("torchaudio_fbank", data=ta, compression="gzip")
                mask = (ta > -10) if o["use_log_fbank"] else np.ones_like(ta, bool)
                if mask.any():
                    d = np.abs(ta - feats)[mask] / (1.0 if o["use_log_fbank"] else np.maximum(1.0, np.abs(feats[mask])))
                    worst = max(worst, float(d.max()))
        print(f"sweep: 40 random option sets; knf vs torchaudio worst above -10 (relative for linear): {worst:.2e}")
    os.replace(tmp, args.out)
    print(f"wrote {args.out} ({os.path.getsize(args.out) / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
