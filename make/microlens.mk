# MicroLens (RecData/MicroLens.swift): the official data cannot be fetched here; a user who has
# the download points the project at it (see docs/data.md, "MicroLens-100K"). Two steps live here:
#
#   make microlens-audio VIDEOS=DIR OUT=DIR [MICROLENS_AUDIO_SECONDS=30]
#     extracts the first MICROLENS_AUDIO_SECONDS seconds (the paper uses the first 30 s of each
#     soundtrack; 0 = whole track) of every DIR/<item id>.mp4 as mono 16 kHz 16-bit WAV
#     OUT/<item id>.wav with ffmpeg. Each file is written to OUT/<id>.wav.tmp and renamed, so an
#     interrupted run never leaves a finished-looking file; existing OUT/<id>.wav are kept, so a
#     rerun resumes. A video ffmpeg cannot convert (damaged, or without an audio stream) is
#     listed and counted, the others go on, and the step fails at the end with the count: the
#     loader then reports those items as without audio (missing-audio policy `error` or `drop`).
#     ffmpeg is a Debian package (`apt-get install ffmpeg`); no test needs it.
#
#   make fixtures-microlens
#     regenerates the tiny invented fixture in Tests/Fixtures/microlens/ (standard library only).

FFMPEG ?= ffmpeg
MICROLENS_AUDIO_SECONDS ?= 30
FIXTURE_STEPS += fixtures-microlens

.PHONY: microlens-audio fixtures-microlens

microlens-audio:
	@test -n "$(VIDEOS)" && test -n "$(OUT)" || { echo "usage: make microlens-audio VIDEOS=DIR OUT=DIR [MICROLENS_AUDIO_SECONDS=30]"; exit 1; }
	@test -d "$(VIDEOS)" || { echo "make microlens-audio: VIDEOS=$(VIDEOS) is not a directory"; exit 1; }
	@command -v $(FFMPEG) >/dev/null || { echo "make microlens-audio: $(FFMPEG) not found (apt-get install ffmpeg)"; exit 1; }
	@mkdir -p "$(OUT)"
	@limit=""; test "$(MICROLENS_AUDIO_SECONDS)" = 0 || limit="-t $(MICROLENS_AUDIO_SECONDS)"; \
	made=0; kept=0; skipped=0; failed=0; \
	for video in "$(VIDEOS)"/*.mp4; do \
	  test -e "$$video" || { echo "make microlens-audio: no .mp4 file in $(VIDEOS)"; exit 1; }; \
	  id=$$(basename "$$video" .mp4); \
	  case "$$id" in ''|*[!0-9]*) echo "skipped (name is not an item id): $$video"; skipped=$$((skipped + 1)); continue ;; esac; \
	  if test -f "$(OUT)/$$id.wav"; then kept=$$((kept + 1)); continue; fi; \
	  if $(FFMPEG) -nostdin -loglevel error -y -i "$$video" -vn $$limit -ac 1 -ar 16000 -c:a pcm_s16le -f wav "$(OUT)/$$id.wav.tmp"; then \
	    mv "$(OUT)/$$id.wav.tmp" "$(OUT)/$$id.wav"; made=$$((made + 1)); \
	  else \
	    rm -f "$(OUT)/$$id.wav.tmp"; echo "ffmpeg failed: $$video"; failed=$$((failed + 1)); \
	  fi; \
	done; \
	echo "make microlens-audio: $$made written, $$kept already there, $$skipped skipped, $$failed failed -> $(OUT)"; \
	test $$failed = 0 || { echo "make microlens-audio: $$failed video(s) without extractable audio (listed above)"; exit 1; }

fixtures-microlens:
	$(PYTHON) Tests/Fixtures/microlens/make_microlens_fixture.py
