"""Wording and shaping for pages: plain words for patients, education, forms."""
