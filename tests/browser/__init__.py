"""Browser tests: the served app driven in headless Chromium."""
