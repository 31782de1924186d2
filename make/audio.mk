# Audio front end (AudioFeatures): FBank benchmark beside kaldi-native-fbank, fixture regeneration.

BENCH_STEPS += bench-fbank-knf
FIXTURE_STEPS += fixtures-audio

TORCHAUDIO_WHEEL := torchaudio-2.11.0-cp311-cp311-manylinux_2_28_x86_64.whl
TORCHAUDIO_SHA256 := 1a07ec72fd6f26a588c39b5f029e0130d16bb40bc4221635580bf8fb18fcbc80
TORCHAUDIO_DIR := $(CACHE)/torchaudio-2.11.0

.PHONY: bench-fbank-knf fixtures-audio

# Needs the Swift side first (`atflrec-bench fbank` writes the clip and its timing).
bench-fbank-knf:
	@test -f $(CACHE)/bench/fbank_swift.json || $(BIN)/atflrec-bench fbank
	$(PYTHON) Tests/Fixtures/audio/bench_kaldi_native_fbank.py $(CACHE)/bench/fbank_swift.json

# torchaudio's Kaldi-compatible FBank is pure Python; the wheel's native libraries are built for
# torch 2.11 and are deleted after unpacking (torchaudio.compliance.kaldi does not use them).
$(TORCHAUDIO_DIR)/torchaudio/compliance/kaldi.py:
	mkdir -p $(CACHE)/wheels
	$(PIP) download --no-deps torchaudio==2.11.0 -d $(CACHE)/wheels -q
	echo "$(TORCHAUDIO_SHA256)  $(CACHE)/wheels/$(TORCHAUDIO_WHEEL)" | sha256sum -c -
	rm -rf $(TORCHAUDIO_DIR).tmp && mkdir -p $(TORCHAUDIO_DIR).tmp
	$(PYTHON) -m zipfile -e $(CACHE)/wheels/$(TORCHAUDIO_WHEEL) $(TORCHAUDIO_DIR).tmp
	rm -f $(TORCHAUDIO_DIR).tmp/torchaudio/lib/*.so
	rm -rf $(TORCHAUDIO_DIR) && mv $(TORCHAUDIO_DIR).tmp $(TORCHAUDIO_DIR)

# The CC0 clip is committed; --remake-clip (needs Debian sonic-pi-samples) cuts it again.
fixtures-audio: $(TORCHAUDIO_DIR)/torchaudio/compliance/kaldi.py
	$(PYTHON) Tests/Fixtures/audio/make_fbank_fixtures.py --torchaudio-dir $(TORCHAUDIO_DIR)
