"""Family letters and messages: templates, catalogs, eligibility, PDF; the outbox; effect."""
