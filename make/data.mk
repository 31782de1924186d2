# MovieLens-100K from the pinned RecBole wheel (REFERENCE.md section 2). Only the three atomic
# files are unpacked into the ignored data cache; a wheel with another hash stops the build.

RECBOLE_WHEEL := recbole-1.2.1-py3-none-any.whl
RECBOLE_SHA256 := 9c9948202011f37eb0a7c6768129313f00d6403ad221ec940d5e2d5d5f33a407
ML100K_DIR := $(CACHE)/data/ml-100k

TEST_PREREQUISITES += ml100k
.PHONY: ml100k

ml100k: $(ML100K_DIR)/ml-100k.inter

$(ML100K_DIR)/ml-100k.inter:
	@mkdir -p $(CACHE)/wheels
	@test -f $(CACHE)/wheels/$(RECBOLE_WHEEL) || $(PIP) download -q --no-deps recbole==1.2.1 -d $(CACHE)/wheels
	@echo "$(RECBOLE_SHA256)  $(CACHE)/wheels/$(RECBOLE_WHEEL)" | sha256sum -c --quiet - || \
	  { echo "make ml100k: $(CACHE)/wheels/$(RECBOLE_WHEEL) does not have the pinned sha256"; exit 1; }
	@rm -rf $(ML100K_DIR).tmp && mkdir -p $(ML100K_DIR).tmp
	@$(PYTHON) -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); [open(sys.argv[2] + "/" + n, "wb").write(z.read("recbole/dataset_example/ml-100k/" + n)) for n in ("ml-100k.inter", "ml-100k.item", "ml-100k.user")]' \
	  $(CACHE)/wheels/$(RECBOLE_WHEEL) $(ML100K_DIR).tmp
	@rm -rf $(ML100K_DIR) && mv $(ML100K_DIR).tmp $(ML100K_DIR)
