# The two commands: `make demo` (whole stack with demo data) and `make test` (the suite).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000
SANDBOX_PORT ?= 5055
SANDBOX := http://127.0.0.1:$(SANDBOX_PORT)
# The demo points ViewPay's TikTok base URLs at the local sandbox, and its mails' links at
# the port it serves on.
DEMO_ENV := PUBLIC_URL=http://127.0.0.1:$(PORT) \
	TIKTOK_WEB_BASE=$(SANDBOX) TIKTOK_API_BASE=$(SANDBOX) \
	TIKTOK_VM_BASE=$(SANDBOX)/_vm TIKTOK_VT_BASE=$(SANDBOX)/_vt TIKTOK_CDN_BASE=$(SANDBOX)/_cdn \
	TIKTOK_CLIENT_KEY=sandbox-client-key TIKTOK_CLIENT_SECRET=sandbox-client-secret \
	TIKTOK_REDIRECT_URI=http://127.0.0.1:$(PORT)/account/tiktok/callback \
	REFRESH_SCAN_SECONDS=30 REFRESH_YOUNG_SECONDS=60 REFRESH_OLD_SECONDS=300 \
	REFRESH_AFTER_WINDOW_SECONDS=900

.PHONY: setup demo test translations clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed translations

# Compiled only when a catalog changed, so that two test runs at once (CI's two legs) never
# rewrite a catalog the other is reading.
MO := $(patsubst %.po,%.mo,$(wildcard webapp/translations/*/LC_MESSAGES/messages.po))
translations: $(MO)

webapp/translations/%/LC_MESSAGES/messages.mo: webapp/translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile -i $< -o $@

demo: setup
	$(DEMO_ENV) $(FLASK) db upgrade
	@# Seed through the real services: verification needs the sandbox up while seeding.
	$(BIN)/python -m sandbox --port $(SANDBOX_PORT) --seed sandbox/seed.json \
		--epoch-file instance/sandbox-epoch > instance/sandbox-seed.log 2>&1 & pid=$$!; \
	$(BIN)/python -m sandbox.wait $(SANDBOX) && \
	$(DEMO_ENV) $(FLASK) demo seed; status=$$?; kill $$pid; exit $$status
	@echo ""
	@echo "  ViewPay:  http://127.0.0.1:$(PORT)"
	@echo "  Sandbox:  $(SANDBOX)  (TikTok stand-in)"
	@echo "  Logins (password: demo12345):"
	@echo "    admin@example.com (admin)"
	@echo "    sari@example.com, budi@example.com, rina@example.com (creators)"
	@echo ""
	$(DEMO_ENV) WEB_PORT=$(PORT) SANDBOX_PORT=$(SANDBOX_PORT) PATH=$(CURDIR)/$(BIN):$$PATH \
		$(BIN)/honcho -f Procfile.dev start

test: setup
	$(BIN)/python -m pytest -q -p no:cacheprovider --durations=15

clean:
	rm -rf $(VENV) instance

# After changing user-facing strings: re-extract, merge into both catalogs, then translate id.
i18n-update: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o webapp/translations/messages.pot .
	$(BIN)/pybabel update -i webapp/translations/messages.pot -d webapp/translations

# The admins' browser extension as a zip to load unpacked or publish (no npm: plain files).
.PHONY: extension
extension: | $(BIN)/python
	$(BIN)/python extension/build.py --out dist/viewpay-extension.zip
